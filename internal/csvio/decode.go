package csvio

import (
	"encoding/binary"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// Encodings a reader may detect.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF8BOM     = "utf-8-bom"
	EncodingWindows1252 = "windows-1252"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	// EncodingXLSX is a sheet of a workbook: its cells are text already.
	EncodingXLSX = "xlsx"
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
	modeUTF16LE
	modeUTF16BE
)

// decoder turns a byte stream into UTF-8 without reading it all: it strips a
// BOM (UTF-8, or UTF-16 in either byte order, which Excel's "Unicode text"
// writes: only a BOM tells UTF-16, which is then decoded), and decides the encoding at the first non-ASCII byte — a valid UTF-8
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
	case d.mode == modeUTF16LE:
		return EncodingUTF16LE
	case d.mode == modeUTF16BE:
		return EncodingUTF16BE
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
		switch {
		case len(buf) >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF:
			d.bom, d.mode = true, modeUTF8
			buf = buf[3:]
		case len(buf) >= 2 && buf[0] == 0xFF && buf[1] == 0xFE:
			d.mode = modeUTF16LE
			buf = buf[2:]
		case len(buf) >= 2 && buf[0] == 0xFE && buf[1] == 0xFF:
			d.mode = modeUTF16BE
			buf = buf[2:]
		}
	} else if !d.started {
		return // wait for 3 bytes to look for a BOM
	}
	d.out, d.off = d.out[:0], 0
	if d.mode == modeUTF16LE || d.mode == modeUTF16BE {
		d.fillUTF16(buf, eof)
		return
	}
	i := 0
	for i < len(buf) {
		b := buf[i]
		if b < utf8.RuneSelf {
			// Copy the whole ASCII run at once: byte by byte, this loop
			// was a tenth of a national import's reading time.
			j := i + asciiPrefix(buf[i:])
			d.out = append(d.out, buf[i:j]...)
			i = j
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

// fillUTF16 decodes buf as UTF-16 in the detected byte order into out,
// keeping an incomplete code unit or surrogate pair for the next chunk. A
// lone surrogate becomes U+FFFD.
func (d *decoder) fillUTF16(buf []byte, eof bool) {
	unit := func(i int) rune {
		if d.mode == modeUTF16LE {
			return rune(buf[i]) | rune(buf[i+1])<<8
		}
		return rune(buf[i])<<8 | rune(buf[i+1])
	}
	i := 0
	for i+1 < len(buf) {
		r := unit(i)
		if utf16.IsSurrogate(r) {
			if i+3 >= len(buf) && !eof {
				break // the pair's second half comes with the next chunk
			}
			if i+3 < len(buf) {
				if p := utf16.DecodeRune(r, unit(i+2)); p != utf8.RuneError {
					d.out = utf8.AppendRune(d.out, p)
					i += 4
					continue
				}
			}
			r = utf8.RuneError
		}
		d.out = utf8.AppendRune(d.out, r)
		i += 2
	}
	rest := copy(d.in, buf[i:])
	d.n = rest
	if eof {
		if rest > 0 {
			d.out = utf8.AppendRune(d.out, utf8.RuneError) // an odd trailing byte
			d.n = 0
		}
		if d.err == nil {
			d.err = io.EOF
		}
	}
}

// asciiPrefix is the length of b's leading run of ASCII bytes, read eight
// bytes at a time.
func asciiPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	return i
}
