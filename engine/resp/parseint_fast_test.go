package resp

import (
	"strconv"
	"testing"
)

// string2ll is the reference: Redis's rules (optional '-', digits, no leading zero but
// "0" itself, within int64) spelled with strconv.
func string2ll(b []byte) (int64, bool) {
	s := string(b)
	if s == "" || s == "-" || s[0] == '+' || (len(s) > 1 && s[0] == '0') || (len(s) > 1 && s[0] == '-' && s[1] == '0') {
		return 0, false
	}
	for i, c := range s {
		if (c < '0' || c > '9') && !(i == 0 && c == '-') {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// TestParseIntFastPath checks ParseInt's unsigned fast path (up to 18 digits) and its
// general path give string2ll's answers around every length and bound.
func TestParseIntFastPath(t *testing.T) {
	cases := []string{"", "0", "00", "01", "-", "-0", "-01", "+1", " 1", "1 ", "1a", "a", "\x00", "9",
		"10", "123", "999999999999999999", "1000000000000000000", "9223372036854775807",
		"9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
		"18446744073709551616", "99999999999999999999", "123456789012345678901", "12:", "1/", "1\r"}
	for n := 1; n <= 21; n++ {
		for _, d := range "0123456789" {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(d)
			}
			cases = append(cases, string(b), "1"+string(b), "-"+string(b), string(b)+"x")
		}
	}
	for _, s := range cases {
		v, ok := ParseInt([]byte(s))
		wv, wok := string2ll([]byte(s))
		if v != wv || ok != wok {
			t.Errorf("ParseInt(%q) = %d, %v; string2ll gives %d, %v", s, v, ok, wv, wok)
		}
	}
}
