package rdb

// Writer: the encoding side (rdbSaveLen, rdbSaveRawString, rdbSaveLzfBlob,
// rdbSaveBinaryDoubleValue, rdbSaveMillisecondTime of rdb.c), buffered, with the
// CRC64 of everything written kept as it goes.

import (
	"encoding/binary"
	"io"
	"math"
	"strconv"

	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/lzf"
)

const writerBufSize = 64 << 10

// Writer writes RDB primitives to an io.Writer. Errors are sticky: after the
// first failed write every method returns it and writes nothing, so a caller
// may check only at the end (Flush).
type Writer struct {
	w       io.Writer
	buf     []byte
	flushed int64
	crc     uint64
	err     error
	zbuf    []byte
	// Compress is rdbcompression: strings longer than 20 bytes are stored
	// LZF-compressed when that saves at least 4 bytes.
	Compress bool
	// NoChecksum is rdbchecksum no: the CRC is not computed and the footer
	// carries 0, which loaders take as "not checked".
	NoChecksum bool
}

// NewWriter returns a Writer with compression and checksums on (Redis's
// defaults).
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, writerBufSize), Compress: true}
}

// Reset makes the writer write to w from scratch, keeping its buffers and
// settings.
func (w *Writer) Reset(dst io.Writer) {
	w.w, w.buf, w.flushed, w.crc, w.err = dst, w.buf[:0], 0, 0, nil
}

// Written is the number of bytes written so far (buffered ones included).
func (w *Writer) Written() int64 { return w.flushed + int64(len(w.buf)) }

// CRC is the CRC64 of everything written so far.
func (w *Writer) CRC() uint64 {
	if w.NoChecksum {
		return 0
	}
	return CRC64(w.crc, w.buf)
}

// Err is the first write error, if any.
func (w *Writer) Err() error { return w.err }

// Flush writes the buffered bytes to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil || len(w.buf) == 0 {
		return w.err
	}
	if !w.NoChecksum {
		w.crc = CRC64(w.crc, w.buf)
	}
	n, err := w.w.Write(w.buf)
	w.flushed += int64(n)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	w.buf = w.buf[:0]
	w.err = err
	return err
}

// Write writes p verbatim (rdbWriteRaw); it implements io.Writer. Everything goes
// through buf, large p included: p is then never handed to the underlying writer,
// so it does not escape, and the small scratch arrays of SaveLen, SaveString, ...
// stay on the stack (no allocation per key when a snapshot encodes millions).
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		if len(w.buf) == cap(w.buf) && w.Flush() != nil {
			return n - len(p), w.err
		}
		k := copy(w.buf[len(w.buf):cap(w.buf)], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
	}
	return n, nil
}

// WriteByte writes one byte.
func (w *Writer) WriteByte(b byte) error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == cap(w.buf) && w.Flush() != nil {
		return w.err
	}
	w.buf = append(w.buf, b)
	return nil
}

// SaveType writes a type or opcode byte.
func (w *Writer) SaveType(t byte) error { return w.WriteByte(t) }

// AppendLen appends the encoding of a length to b (rdbSaveLen): 6 bits in one
// byte, 14 bits in two, then 0x80 + 32-bit or 0x81 + 64-bit big-endian.
func AppendLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|len14Bit<<6, byte(n))
	case n <= math.MaxUint32:
		b = append(b, len32Bit)
		return binary.BigEndian.AppendUint32(b, uint32(n))
	default:
		b = append(b, len64Bit)
		return binary.BigEndian.AppendUint64(b, n)
	}
}

// SaveLen writes a length.
func (w *Writer) SaveLen(n uint64) error {
	var b [9]byte
	_, err := w.Write(AppendLen(b[:0], n))
	return err
}

// appendEncodedInt appends v in the RDB_ENC_INT8/16/32 forms, or reports false
// when it does not fit 32 bits (rdbEncodeInteger).
func appendEncodedInt(b []byte, v int64) ([]byte, bool) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(b, encVal<<6|EncInt8, byte(v)), true
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return append(b, encVal<<6|EncInt16, byte(v), byte(v>>8)), true
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return append(b, encVal<<6|EncInt32, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)), true
	}
	return b, false
}

// SaveString writes a string as rdbSaveRawString does: as an encoded integer
// when it is a canonical integer of at most 11 characters that fits 32 bits;
// LZF-compressed when Compress is on, it is longer than 20 bytes and that saves
// at least 4 bytes; verbatim with its length otherwise.
func (w *Writer) SaveString(s []byte) error {
	if len(s) <= 11 {
		if v, ok := listpack.ParseInt(s); ok {
			var b [5]byte
			if enc, ok := appendEncodedInt(b[:0], v); ok {
				_, err := w.Write(enc)
				return err
			}
		}
	}
	if w.Compress && len(s) > 20 {
		if z := lzf.CompressLimit(w.zbuf[:0], s, len(s)-4); z != nil {
			w.zbuf = z[:0]
			return w.SaveLZFBlob(z, len(s))
		}
	}
	if err := w.SaveLen(uint64(len(s))); err != nil {
		return err
	}
	_, err := w.Write(s)
	return err
}

// SaveInt writes an integer the way Redis saves an int-encoded string object
// (rdbSaveLongLongAsStringObject): encoded when it fits 32 bits, else as its
// decimal text, never compressed.
func (w *Writer) SaveInt(v int64) error {
	var b [32]byte
	if enc, ok := appendEncodedInt(b[:0], v); ok {
		_, err := w.Write(enc)
		return err
	}
	txt := strconv.AppendInt(b[:0], v, 10)
	if err := w.SaveLen(uint64(len(txt))); err != nil {
		return err
	}
	_, err := w.Write(txt)
	return err
}

// SaveLZFBlob writes data, the LZF compression of origLen bytes, as an
// LZF-encoded string (rdbSaveLzfBlob): quicklists store compressed nodes so.
func (w *Writer) SaveLZFBlob(data []byte, origLen int) error {
	var b [19]byte
	h := append(b[:0], encVal<<6|EncLZF)
	h = AppendLen(h, uint64(len(data)))
	h = AppendLen(h, uint64(origLen))
	if _, err := w.Write(h); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// SaveBinaryDouble writes a double as 8 little-endian bytes
// (rdbSaveBinaryDoubleValue, ZSET_2 scores).
func (w *Writer) SaveBinaryDouble(f float64) error {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(f))
	_, err := w.Write(b[:])
	return err
}

// SaveMillisecondTime writes a unix time in ms as 8 little-endian bytes.
func (w *Writer) SaveMillisecondTime(ms int64) error {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(ms))
	_, err := w.Write(b[:])
	return err
}

// SaveAux writes an AUX field (rdbSaveAuxField).
func (w *Writer) SaveAux(key, val string) error {
	if err := w.SaveType(OpAux); err != nil {
		return err
	}
	if err := w.SaveString([]byte(key)); err != nil {
		return err
	}
	return w.SaveString([]byte(val))
}

// WriteMagic writes "REDIS" and the four-digit version.
func (w *Writer) WriteMagic(version int) error {
	var b [9]byte
	copy(b[:], "REDIS")
	v := version
	for i := 8; i >= 5; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	_, err := w.Write(b[:])
	return err
}

// WriteFooter writes the EOF opcode and the CRC64 of the whole file (0 with
// NoChecksum), then flushes.
func (w *Writer) WriteFooter() error {
	if err := w.SaveType(OpEOF); err != nil {
		return err
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], w.CRC())
	if _, err := w.Write(b[:]); err != nil {
		return err
	}
	return w.Flush()
}
