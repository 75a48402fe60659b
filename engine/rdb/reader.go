package rdb

// Reader: the decoding side of the primitives (rdbLoadLen, rdbGenericLoadStringObject,
// rdbLoadDoubleValue, rdbLoadBinaryDoubleValue, rdbLoadMillisecondTime), buffered,
// counting the offset and the CRC64 of what it consumed.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/keygrid/keygrid/engine/lzf"
)

// Error is a decoding failure: where in the stream, and why.
type Error struct {
	Offset int64
	Reason string
	// Doing, Key and Type say what was being read, when known (check-rdb's
	// "additional info" lines); Type is -1 when no value was being read.
	Doing string
	Key   []byte
	Type  int
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (offset %d)", e.Reason, e.Offset)
}

// ErrTruncated is the reason of an Error for input that ends too early.
const reasonTruncated = "Unexpected EOF reading RDB file"

// reasonCRC is the reason of an Error for a checksum that does not match the
// bytes read (redis-check-rdb's wording; Result has both sums).
const reasonCRC = "RDB CRC error"

// IsChecksum reports whether err is an Error about a checksum mismatch.
func IsChecksum(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Reason == reasonCRC
}

// IsTruncated reports whether err is an Error about input that ended early.
func IsTruncated(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Reason == reasonTruncated
}

// readChunk bounds each allocation made for a length read from the input: a
// corrupt length cannot make the reader allocate more than it actually reads
// plus this much.
const readChunk = 1 << 20

// Reader reads RDB primitives from an io.Reader.
type Reader struct {
	r   io.Reader
	buf []byte
	pos int
	end int
	off int64 // bytes consumed
	// crc covers the input up to buf[crcPos]: the consumed bytes after it are
	// folded in at the next fill or CRC call, in bulk.
	crc    uint64
	crcPos int
	rerr   error // error from r, reported once the buffer is drained
	// Version is the file's RDB version (set by ReadMagic; payloads of DUMP set
	// it from their footer). Some encodings depend on it.
	Version int
	zbuf    []byte
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, 64<<10), Version: Version}
}

// NewBytesReader returns a Reader of b, read in place: no 64 KB buffer per call
// (RESTORE, and RESTORE-ASKING once per key of a MIGRATE, decode small payloads).
// b is never written to.
func NewBytesReader(b []byte) *Reader {
	// The input is all buffered and ends there: fill never runs, so never moves b.
	return &Reader{buf: b, end: len(b), rerr: io.EOF, Version: Version}
}

// Offset is the number of bytes consumed so far.
func (r *Reader) Offset() int64 { return r.off }

// CRC is the CRC64 of the bytes consumed so far.
func (r *Reader) CRC() uint64 {
	r.foldCRC()
	return r.crc
}

func (r *Reader) foldCRC() {
	r.crc = CRC64(r.crc, r.buf[r.crcPos:r.pos])
	r.crcPos = r.pos
}

// Corrupt returns an Error at the current offset.
func (r *Reader) Corrupt(format string, args ...any) error {
	return &Error{Offset: r.off, Reason: fmt.Sprintf(format, args...), Type: -1}
}

func (r *Reader) truncated() error {
	if r.rerr != nil && r.rerr != io.EOF {
		return &Error{Offset: r.off, Reason: r.rerr.Error(), Type: -1}
	}
	return &Error{Offset: r.off, Reason: reasonTruncated, Type: -1}
}

// fill reads more input; false when none is left.
func (r *Reader) fill() bool {
	if r.rerr != nil {
		return false
	}
	if r.pos > 0 {
		r.foldCRC()
		copy(r.buf, r.buf[r.pos:r.end])
		r.end -= r.pos
		r.pos, r.crcPos = 0, 0
	}
	for r.end < len(r.buf) {
		n, err := r.r.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	return true
}

// ReadByte reads one byte.
func (r *Reader) ReadByte() (byte, error) {
	if r.pos == r.end && !r.fill() {
		return 0, r.truncated()
	}
	b := r.buf[r.pos]
	r.pos++
	r.off++
	return b, nil
}

// LoadType reads a type or opcode byte.
func (r *Reader) LoadType() (byte, error) { return r.ReadByte() }

// ReadInto fills p. On a short input the error's offset is where the read
// started, as Redis's rioRead reports nothing consumed for a failed read.
func (r *Reader) ReadInto(p []byte) error {
	start := r.off
	for len(p) > 0 {
		if r.pos == r.end && !r.fill() {
			err := r.truncated().(*Error)
			err.Offset = start
			return err
		}
		n := copy(p, r.buf[r.pos:r.end])
		r.pos += n
		r.off += int64(n)
		p = p[n:]
	}
	return nil
}

// ReadFull reads n bytes into a new slice. The slice grows as the input
// arrives, so a huge corrupt n fails at the end of the input rather than
// allocating n bytes up front.
func (r *Reader) ReadFull(n uint64) ([]byte, error) {
	if n > math.MaxInt/2 {
		return nil, r.Corrupt("length %d too large", n)
	}
	if n <= readChunk {
		b := make([]byte, n)
		return b, r.ReadInto(b)
	}
	b := make([]byte, 0, readChunk)
	for uint64(len(b)) < n {
		k := min(n-uint64(len(b)), readChunk)
		b = append(b, make([]byte, k)...)
		if err := r.ReadInto(b[uint64(len(b))-k:]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Skip consumes n bytes without keeping them.
func (r *Reader) Skip(n uint64) error {
	var tmp [4096]byte
	for n > 0 {
		k := min(n, uint64(len(tmp)))
		if err := r.ReadInto(tmp[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// LoadLen reads a length; encoded is true when the byte announced a special
// string encoding instead (n is then the EncInt8.. EncLZF kind).
func (r *Reader) LoadLen() (n uint64, encoded bool, err error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case encVal:
		return uint64(b & 0x3f), true, nil
	case len6Bit:
		return uint64(b & 0x3f), false, nil
	case len14Bit:
		b2, err := r.ReadByte()
		return uint64(b&0x3f)<<8 | uint64(b2), false, err
	}
	switch b {
	case len32Bit:
		var x [4]byte
		err := r.ReadInto(x[:])
		return uint64(binary.BigEndian.Uint32(x[:])), false, err
	case len64Bit:
		var x [8]byte
		err := r.ReadInto(x[:])
		return binary.BigEndian.Uint64(x[:]), false, err
	}
	return 0, false, r.Corrupt("Unknown length encoding %d in rdbLoadLen()", b>>6)
}

// LoadPlainLen reads a length that must not be a string encoding.
func (r *Reader) LoadPlainLen() (uint64, error) {
	n, enc, err := r.LoadLen()
	if err == nil && enc {
		err = r.Corrupt("unexpected encoded length")
	}
	return n, err
}

// LoadString reads a string in any of its encodings into a new slice; integer
// encodings come back as their decimal text.
func (r *Reader) LoadString() ([]byte, error) {
	s, _, isInt, err := r.loadStringOrInt()
	if isInt {
		return strconv.AppendInt(nil, s2i(s), 10), err
	}
	return s, err
}

// LoadStringOrInt is LoadString that returns integer encodings as integers
// (isInt true, v the value), the way Redis keeps them (RDB_LOAD_ENC).
func (r *Reader) LoadStringOrInt() (s []byte, v int64, isInt bool, err error) {
	s, v, isInt, err = r.loadStringOrInt()
	if isInt {
		v = s2i(s)
		s = nil
	}
	return
}

// s2i carries an integer through loadStringOrInt's byte slot without allocating.
func s2i(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) }

func (r *Reader) loadStringOrInt() ([]byte, int64, bool, error) {
	n, enc, err := r.LoadLen()
	if err != nil {
		return nil, 0, false, err
	}
	if !enc {
		b, err := r.ReadFull(n)
		return b, 0, false, err
	}
	if n == EncLZF {
		b, err := r.loadLZF()
		return b, 0, false, err
	}
	v, err := r.loadIntEnc(n)
	if n > EncInt32 { // unknown encoding
		return nil, 0, false, err
	}
	var out [8]byte
	binary.LittleEndian.PutUint64(out[:], uint64(v))
	return out[:], v, true, err
}

// loadIntEnc reads the integer of string encoding kind n (EncInt8..EncInt32).
func (r *Reader) loadIntEnc(n uint64) (int64, error) {
	var x [4]byte
	switch n {
	case EncInt8:
		err := r.ReadInto(x[:1])
		return int64(int8(x[0])), err
	case EncInt16:
		err := r.ReadInto(x[:2])
		return int64(int16(binary.LittleEndian.Uint16(x[:]))), err
	case EncInt32:
		err := r.ReadInto(x[:4])
		return int64(int32(binary.LittleEndian.Uint32(x[:]))), err
	}
	return 0, r.Corrupt("Unknown RDB string encoding type %d", n)
}

func (r *Reader) loadLZF() ([]byte, error) { return r.loadLZFInto(nil) }

// loadLZFInto is loadLZF decompressing into dst's storage when it is large
// enough (the compressed bytes go through the Reader's zbuf).
func (r *Reader) loadLZFInto(dst []byte) ([]byte, error) {
	clen, err := r.LoadPlainLen()
	if err != nil {
		return nil, err
	}
	ulen, err := r.LoadPlainLen()
	if err != nil {
		return nil, err
	}
	c, err := r.readAppend(r.zbuf[:0], clen)
	if err != nil {
		return nil, err
	}
	r.zbuf = c[:0]
	// An LZF stream expands at most about 264/2 times per byte pair, so a
	// claimed size far beyond that is corrupt: checking it first keeps a
	// corrupt header from allocating gigabytes.
	if ulen > uint64(len(c))*140+64 || ulen > math.MaxInt32*4 {
		return nil, r.Corrupt("Invalid LZF compressed string")
	}
	out, err := lzf.Decompress(dst, c, int(ulen))
	if err != nil || len(out) == 0 && ulen != 0 {
		return nil, r.Corrupt("Invalid LZF compressed string")
	}
	return out, nil
}

// LoadDouble reads a double in the old string form (rdbLoadDoubleValue): a length
// byte (253 nan, 254 +inf, 255 -inf) and that many bytes of text.
func (r *Reader) LoadDouble() (float64, error) {
	n, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	var b [256]byte
	if err := r.ReadInto(b[:n]); err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(b[:n]), 64)
	if err != nil {
		// strtod takes the longest valid prefix; ParseFloat refuses
		// out-of-range values with a usable ±Inf/0.
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, nil
		}
		return 0, r.Corrupt("invalid double %q", b[:n])
	}
	return f, nil
}

// LoadBinaryDouble reads 8 little-endian bytes of a double.
func (r *Reader) LoadBinaryDouble() (float64, error) {
	var b [8]byte
	err := r.ReadInto(b[:])
	return math.Float64frombits(binary.LittleEndian.Uint64(b[:])), err
}

// LoadMillisecondTime reads 8 little-endian bytes of unix time in ms.
func (r *Reader) LoadMillisecondTime() (int64, error) {
	var b [8]byte
	err := r.ReadInto(b[:])
	return int64(binary.LittleEndian.Uint64(b[:])), err
}

// LoadTime32 reads the old 4-byte expire time in seconds (EXPIRETIME opcode).
func (r *Reader) LoadTime32() (int64, error) {
	var b [4]byte
	err := r.ReadInto(b[:])
	return int64(int32(binary.LittleEndian.Uint32(b[:]))), err
}

// ReadMagic reads "REDIS" and the version, and checks the version is one this
// package reads (1..MaxVersion).
func (r *Reader) ReadMagic() error {
	var b [9]byte
	if err := r.ReadInto(b[:]); err != nil {
		return err
	}
	if string(b[:5]) != "REDIS" {
		return &Error{Offset: 0, Reason: "Wrong signature trying to load DB from file", Type: -1}
	}
	v := 0
	for _, c := range b[5:] {
		if c < '0' || c > '9' {
			return &Error{Offset: 5, Reason: "Can't handle RDB format version " + string(b[5:]), Type: -1}
		}
		v = v*10 + int(c-'0')
	}
	if v < 1 || v > MaxVersion {
		return &Error{Offset: 5, Reason: fmt.Sprintf("Can't handle RDB format version %d", v), Type: -1}
	}
	r.Version = v
	return nil
}

// Rest returns the input after what was consumed: the buffered bytes, then the
// rest of the underlying reader (an AOF with an RDB preamble continues with
// commands after the RDB's checksum).
func (r *Reader) Rest() io.Reader {
	r.foldCRC()
	buffered := append([]byte(nil), r.buf[r.pos:r.end]...)
	r.pos, r.crcPos = r.end, r.end
	if r.rerr != nil {
		return bytesReader(buffered)
	}
	return io.MultiReader(bytesReader(buffered), r.r)
}

type byteSliceReader struct{ b []byte }

func bytesReader(b []byte) io.Reader { return &byteSliceReader{b} }

func (s *byteSliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}
