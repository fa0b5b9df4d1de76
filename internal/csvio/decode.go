package csvio

import (
	"io"
	"unicode/utf8"
)

// Encodings a reader may detect.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF8BOM     = "utf-8-bom"
	EncodingWindows1252 = "windows-1252"
)

// win1252 maps bytes 0x80–0x9F of Windows-1252 to Unicode; the other bytes
// are Latin-1. The five holes of the code page keep their C1 code points,
// as the WHATWG decoder does.
var win1252 = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

func win1252Rune(b byte) rune {
	if b >= 0x80 && b <= 0x9F {
		return win1252[b-0x80]
	}
	return rune(b)
}

const (
	modeUndecided = iota
	modeUTF8
	modeWin1252
)

// decoder turns a byte stream into UTF-8 without reading it all: it strips a
// BOM, and decides the encoding at the first non-ASCII byte — a valid UTF-8
// sequence means UTF-8, anything else Windows-1252 (a French é in
// Windows-1252 is a lone 0xE9, never valid UTF-8). Should a UTF-8 file later
// hold an invalid byte, that byte alone is read as Windows-1252 rather than
// lost.
type decoder struct {
	src     io.Reader
	mode    int
	bom     bool
	started bool
	in      []byte // raw bytes read, in[:n] pending
	n       int
	out     []byte // decoded bytes not yet returned
	off     int
	err     error
}

func newDecoder(src io.Reader) *decoder {
	return &decoder{src: src, in: make([]byte, 64*1024)}
}

func (d *decoder) encoding() string {
	switch {
	case d.bom:
		return EncodingUTF8BOM
	case d.mode == modeWin1252:
		return EncodingWindows1252
	}
	return EncodingUTF8
}

func (d *decoder) Read(p []byte) (int, error) {
	for d.off >= len(d.out) {
		if d.err != nil {
			return 0, d.err
		}
		d.fill()
	}
	n := copy(p, d.out[d.off:])
	d.off += n
	return n, nil
}

// fill reads one chunk and decodes it into out. Up to 3 trailing bytes of an
// incomplete UTF-8 sequence stay in in[:n] for the next chunk.
func (d *decoder) fill() {
	m, err := io.ReadAtLeast(d.src, d.in[d.n:], 1)
	d.n += m
	eof := false
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			eof = true
		} else {
			d.err = err
		}
	}
	buf := d.in[:d.n]
	if !d.started && (len(buf) >= 3 || eof) {
		d.started = true
		if len(buf) >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF {
			d.bom, d.mode = true, modeUTF8
			buf = buf[3:]
		}
	} else if !d.started {
		return // wait for 3 bytes to look for a BOM
	}
	d.out, d.off = d.out[:0], 0
	i := 0
	for i < len(buf) {
		b := buf[i]
		if b < utf8.RuneSelf {
			d.out = append(d.out, b)
			i++
			continue
		}
		if d.mode == modeWin1252 {
			d.out = utf8.AppendRune(d.out, win1252Rune(b))
			i++
			continue
		}
		if !utf8.FullRune(buf[i:]) && !eof {
			break // complete it with the next chunk
		}
		r, size := utf8.DecodeRune(buf[i:])
		if r == utf8.RuneError && size <= 1 {
			if d.mode == modeUndecided {
				d.mode = modeWin1252
			}
			d.out = utf8.AppendRune(d.out, win1252Rune(b))
			i++
			continue
		}
		if d.mode == modeUndecided {
			d.mode = modeUTF8
		}
		d.out = append(d.out, buf[i:i+size]...)
		i += size
	}
	rest := copy(d.in, buf[i:])
	d.n = rest
	if eof && d.err == nil {
		d.err = io.EOF
	}
}
