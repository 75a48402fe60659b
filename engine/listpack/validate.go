// validate.go: integrity checks for untrusted listpacks (RESTORE payloads, RDB
// files). The rules are Redis's lpValidateIntegrity and lpValidateNext, with all
// arithmetic in int so no length can wrap around.

package listpack

import (
	"errors"
	"fmt"
)

// ErrCorrupt is wrapped by every error Validate, ValidateFunc and FromZiplist
// return.
var ErrCorrupt = errors.New("listpack: corrupt")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Validate checks that b is a well-formed listpack. With deep false it checks the
// header only (total size, terminator), as Redis does when it will validate
// entries lazily; with deep true it walks every entry: encodings known, every
// length inside the buffer, each backlen matching its entry, the terminator right
// after the last entry, and the header count right unless it is 65535.
//
// Only a deep-validated listpack may be used with this package's other methods.
// Validate never panics, whatever b holds.
func Validate(b []byte, deep bool) error {
	if !deep {
		return validateHeader(b)
	}
	return ValidateFunc(b, nil)
}

// ValidateFunc is Validate(b, true) that also passes each entry, in order, to fn
// and stops with fn's error: the hook for checks that depend on the data type
// (an even count for hashes, no duplicate fields, parseable scores).
func ValidateFunc(b []byte, fn func(Entry) error) error {
	if err := validateHeader(b); err != nil {
		return err
	}
	size := len(b)
	eof := size - 1
	count := 0
	p := headerSize
	for b[p] != eofByte {
		next, err := validateEntry(b, p, eof)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(decode(b, p)); err != nil {
				return err
			}
		}
		count++
		p = next
	}
	if p != eof {
		return corrupt("terminator at offset %d, before the end (%d)", p, eof)
	}
	if n := headerCount(b); n != countUnknown && n != count {
		return corrupt("header counts %d entries, found %d", n, count)
	}
	return nil
}

func validateHeader(b []byte) error {
	if len(b) < headerSize+1 {
		return corrupt("%d bytes, shorter than header and terminator", len(b))
	}
	if n := totalBytes(b); n != len(b) {
		return corrupt("header says %d bytes, have %d", n, len(b))
	}
	if b[len(b)-1] != eofByte {
		return corrupt("no terminator")
	}
	return nil
}

// validateEntry checks the entry at p (p < eof, b[p] != 0xFF) and returns the
// position right after it. eof is the terminator's position.
func validateEntry(b []byte, p, eof int) (int, error) {
	c := b[p]
	hdr := 1 // bytes of encoding before the data
	switch {
	case c < 0xE0: // 7-bit uint, 6-bit string, 13-bit int
	case c < 0xF0:
		hdr = 2
	case c == enc32BitStr:
		hdr = 5
	case c >= enc16BitInt && c <= enc64BitInt:
	default:
		return 0, corrupt("unknown encoding 0x%02x at offset %d", c, p)
	}
	// The encoding's length bytes must leave room for at least the terminator.
	if p+hdr > eof {
		return 0, corrupt("entry header at offset %d runs past the end", p)
	}
	n := encodedSize(b, p)
	bl := backlenSize(n)
	next := p + n + bl
	if next > eof {
		return 0, corrupt("entry at offset %d (%d bytes) runs past the end", p, n+bl)
	}
	if decodeBacklen(b, next-1) != n {
		return 0, corrupt("backlen of entry at offset %d does not match its size %d", p, n)
	}
	return next, nil
}
