package main

import (
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, 100 on every Linux build the benchmark runs on.
const clockTicks = 100

// cpuSeconds is the CPU time of process pid: its own user and system time
// plus that of its waited-for children (a postmaster's exited backends).
func cpuSeconds(pid int) float64 {
	f := statFields(pid)
	if len(f) < 17 {
		return 0
	}
	var t float64
	for _, i := range []int{13, 14, 15, 16} { // utime stime cutime cstime
		n, _ := strconv.ParseFloat(f[i], 64)
		t += n
	}
	return t / clockTicks
}

// treeCPU is a snapshot of a postmaster's CPU time: its own and that of
// its exited children (cutime, cstime), and each live child's.
type treeCPU struct {
	own      float64
	children map[int]float64
}

func treeSnapshot(pid int) treeCPU {
	t := treeCPU{children: map[int]float64{}}
	if pid <= 0 {
		return t
	}
	t.own = cpuSeconds(pid)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f := statFields(child)
		if len(f) < 17 || f[3] != strconv.Itoa(pid) {
			continue
		}
		var c float64
		for _, i := range []int{13, 14} {
			n, _ := strconv.ParseFloat(f[i], 64)
			c += n / clockTicks
		}
		t.children[child] = c
	}
	return t
}

// treeCPUSince is the CPU time the postmaster and its backends used since
// snapshot t0. A backend that exited in between is counted whole in the
// postmaster's cutime: what it had used before t0 is taken off.
func treeCPUSince(pid int, t0 treeCPU) float64 {
	if pid <= 0 {
		return 0
	}
	t1 := treeSnapshot(pid)
	d := t1.own - t0.own
	for child, c := range t1.children {
		d += c - t0.children[child]
	}
	for child, c := range t0.children {
		if _, alive := t1.children[child]; !alive {
			d -= c
		}
	}
	return d
}

// statFields splits /proc/PID/stat, whose second field (comm) may hold spaces.
func statFields(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return append([]string{s[:strings.IndexByte(s, ' ')], s[:i+1]}, strings.Fields(s[i+1:])...)
}

// peakRSSMB is VmHWM of pid in MB (0 when unknown).
func peakRSSMB(pid int) float64 {
	return statusKB(pid, "VmHWM:") / 1024
}

func statusKB(pid int, key string) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key) {
			f := strings.Fields(line[len(key):])
			if len(f) > 0 {
				n, _ := strconv.ParseFloat(f[0], 64)
				return n
			}
		}
	}
	return 0
}
