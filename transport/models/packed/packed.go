// Package packed writes and reads the compact model files the model
// packages embed (poem, geo): gzip around a magic header and a stream of
// varints and strings. It only frames; each model says what its values
// mean.
package packed

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Writer writes one file. Its methods keep the first error for Close.
type Writer struct {
	zw  *gzip.Writer
	bw  *bufio.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

// NewWriter starts a file with magic, gzip at its best compression.
func NewWriter(w io.Writer, magic string) *Writer {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	pw := &Writer{zw: zw, err: err}
	if err == nil {
		pw.bw = bufio.NewWriter(zw)
		pw.write([]byte(magic))
	}
	return pw
}

func (w *Writer) write(b []byte) {
	if w.err == nil {
		_, w.err = w.bw.Write(b)
	}
}

// U writes an unsigned varint.
func (w *Writer) U(v uint64) { w.write(w.buf[:binary.PutUvarint(w.buf[:], v)]) }

// Z writes a signed (zigzag) varint.
func (w *Writer) Z(v int64) { w.write(w.buf[:binary.PutVarint(w.buf[:], v)]) }

// S writes a string, its length first.
func (w *Writer) S(s string) {
	w.U(uint64(len(s)))
	w.write([]byte(s))
}

// Close flushes the file and returns the first error.
func (w *Writer) Close() error {
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if w.err == nil {
		w.err = w.zw.Close()
	}
	if w.err != nil {
		return fmt.Errorf("packed: write: %w", w.err)
	}
	return nil
}

// ErrCorrupt: the file is not what a Writer wrote.
var ErrCorrupt = errors.New("packed: corrupt file")

// Reader reads one file. Its methods return zero values after the first
// error, which Err tells.
type Reader struct {
	br  *bufio.Reader
	err error
}

// NewReader opens a file and checks its magic.
func NewReader(r io.Reader, magic string) (*Reader, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("packed: %w", err)
	}
	br := bufio.NewReader(zr)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, ErrCorrupt
	}
	return &Reader{br: br}, nil
}

// U reads an unsigned varint.
func (r *Reader) U() uint64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(r.br)
	r.err = err
	return v
}

// Z reads a signed varint.
func (r *Reader) Z() int64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(r.br)
	r.err = err
	return v
}

// S reads a string of at most max bytes.
func (r *Reader) S(max int) string {
	n := r.U()
	if r.err != nil {
		return ""
	}
	if n > uint64(max) {
		r.Fail()
		return ""
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.br, b); err != nil {
		r.err = err
		return ""
	}
	return string(b)
}

// Fail marks the file corrupt (a value out of range).
func (r *Reader) Fail() {
	if r.err == nil {
		r.err = ErrCorrupt
	}
}

// Err is the first error met, nil when every read succeeded.
func (r *Reader) Err() error {
	if r.err != nil {
		return fmt.Errorf("packed: read: %w", r.err)
	}
	return nil
}
