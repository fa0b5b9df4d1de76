// Command noisy measures what one token's heavy traffic does to another
// token's latency (the noisy-neighbour benchmark of BENCHMARKS.md):
//
//	noisy -url http://127.0.0.1:8080/graphql -victim TOKEN -noisy TOKEN -siren SIREN
//
// The victim (a pole manager) runs the pole dashboard query with -c
// clients, first alone for -duration, then while the noisy token (a member
// company) sends its most expensive allowed request as fast as the
// server's limits let it: as many at once as -noisy-c, each aliasing the
// company's skill gaps with different arguments up to just under the cost
// limit, sleeping what a refusal's retryAfter says. It prints the victim's
// latency percentiles of both phases and what the noisy token got.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// dashboard is a pole manager's dashboard: the pole's skill gaps with
// trainings nearby, its members' role gaps, its strategy and employment.
const dashboard = `query PoleDashboard($pole: ID!) {
  pole(id: $pole) {
    name
    skillGaps(horizon: 2029, first: 10) { skill { name } required qualified gap coverage
      trainingsNear(first: 3) { training { title provider } distance } }
    members(first: 20) { edges { node { name
      roleGaps(horizon: 2029, first: 5) { role { title } stayers target roleGap } } } }
    strategy(horizon: 2029) {
      criticalSkills(first: 5) { skill { name } gap companiesWithGap }
      sharedTrainingOpportunities(first: 5) { department { name } skill { name } companies learners } }
    employment(year: 2025) { createdJobsShare maintainedJobsShare companies }
  }
}`

// heavy is the company's most expensive request under the default cost
// limit (250,000): n aliases of its skill gaps, each with its own
// arguments so that none shares a statement.
func heavy(siren string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ company(siren: %q) {", siren)
	for i := range n {
		fmt.Fprintf(&b, " g%d: skillGaps(horizon: %d, first: %d, includeOptional: %v) { skill { name } gap coverage }", i, 2027+i%6, 5+i, i%2 == 0)
	}
	b.WriteString(" } }")
	return b.String()
}

type outcome struct {
	latency time.Duration
	status  int
	retry   time.Duration
}

func post(client *http.Client, url, token string, body []byte) outcome {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return outcome{latency: time.Since(start)}
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	o := outcome{latency: time.Since(start), status: res.StatusCode}
	var r struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(b, &r) == nil && len(r.Errors) > 0 {
		if o.status == 200 {
			o.status = 299 // answered with errors
		}
		if s, ok := r.Errors[0].Extensions["retryAfter"].(float64); ok {
			o.retry = time.Duration(s * float64(time.Second))
		}
	}
	return o
}

type stats struct {
	mu        sync.Mutex
	latencies []time.Duration
	refused   int
	failed    int
}

func (s *stats) add(o outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch o.status {
	case 200:
		s.latencies = append(s.latencies, o.latency)
	case 429:
		s.refused++
	default:
		s.failed++
	}
}

func (s *stats) pct(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	l := slices.Clone(s.latencies)
	slices.Sort(l)
	return l[min(len(l)-1, int(p*float64(len(l))))]
}

// loop runs c clients sending body as token until stop, sleeping a
// refusal's retryAfter (at least pause) before trying again.
func loop(url, token string, body []byte, c int, stop <-chan struct{}, s *stats, pause time.Duration) *sync.WaitGroup {
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 60 * time.Second}
	for range c {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				o := post(client, url, token, body)
				s.add(o)
				if o.status == 429 {
					select {
					case <-stop:
						return
					case <-time.After(max(o.retry, pause)):
					}
				}
			}
		})
	}
	return &wg
}

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/graphql", "gpec's GraphQL endpoint")
	victim := flag.String("victim", "", "pole manager token")
	noisyTok := flag.String("noisy", "", "company token")
	pole := flag.String("pole", "aerospace-valley", "the victim's pole")
	siren := flag.String("siren", "", "the noisy company's SIREN")
	aliases := flag.Int("aliases", 45, "skill gaps aliased in the noisy request")
	c := flag.Int("c", 4, "victim clients")
	noisyC := flag.Int("noisy-c", 4, "noisy clients (the in-flight cap)")
	duration := flag.Duration("duration", 30*time.Second, "length of each phase")
	flag.Parse()
	if *victim == "" || *noisyTok == "" || *siren == "" {
		fmt.Fprintln(os.Stderr, "noisy: -victim, -noisy and -siren are required")
		os.Exit(2)
	}
	vbody, _ := json.Marshal(map[string]any{"query": dashboard, "variables": map[string]any{"pole": *pole}})
	nbody, _ := json.Marshal(map[string]any{"query": heavy(*siren, *aliases)})
	// Check both requests once.
	client := &http.Client{Timeout: 60 * time.Second}
	for name, b := range map[string][]byte{"victim": vbody, "noisy": nbody} {
		tok := *victim
		if name == "noisy" {
			tok = *noisyTok
		}
		if o := post(client, *url, tok, b); o.status != 200 {
			fmt.Fprintf(os.Stderr, "noisy: the %s request answers %d\n", name, o.status)
			os.Exit(1)
		}
	}
	time.Sleep(5 * time.Second) // both budgets refill

	phase := func(withNoise bool) (*stats, *stats, time.Duration) {
		stop := make(chan struct{})
		vs, ns := &stats{}, &stats{}
		var nwg *sync.WaitGroup
		if withNoise {
			nwg = loop(*url, *noisyTok, nbody, *noisyC, stop, ns, 10*time.Millisecond)
		}
		start := time.Now()
		vwg := loop(*url, *victim, vbody, *c, stop, vs, 10*time.Millisecond)
		time.Sleep(*duration)
		close(stop)
		vwg.Wait()
		if nwg != nil {
			nwg.Wait()
		}
		return vs, ns, time.Since(start)
	}
	alone, _, d1 := phase(false)
	time.Sleep(5 * time.Second)
	noisy, ns, d2 := phase(true)
	report := func(name string, s *stats, d time.Duration) {
		fmt.Printf("%-22s served %5d (%.1f/s)  refused %4d  failed %3d  p50 %6.1f ms  p95 %6.1f ms  p99 %6.1f ms\n",
			name, len(s.latencies), float64(len(s.latencies))/d.Seconds(), s.refused, s.failed,
			ms(s.pct(0.50)), ms(s.pct(0.95)), ms(s.pct(0.99)))
	}
	report("victim alone", alone, d1)
	report("victim with noise", noisy, d2)
	report("noisy token", ns, d2)
	ratio := float64(noisy.pct(0.95)) / float64(alone.pct(0.95))
	fmt.Printf("victim p95 with noise / alone: %.2f (target ≤ 1.5)\n", ratio)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
