package glob

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// The expected results below were checked against redis-server 7.0 with KEYS.
func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", false}, // the loop never runs on an empty string; KEYS special-cases "*"
		{"*", "abc", true},
		{"**", "abc", true},
		{"a*", "a", true},
		{"a**", "a", true},
		{"a*b", "ab", true},
		{"a*b", "axxb", true},
		{"a*b", "axxbc", false},
		{"*b*", "abc", true},
		{"h?llo", "hello", true},
		{"h?llo", "hllo", false},
		{"?", "", false},
		{"h[ae]llo", "hallo", true},
		{"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true},
		{"h[^e]llo", "hello", false},
		{"h[a-b]llo", "hbllo", true},
		{"h[b-a]llo", "hbllo", true}, // bounds in either order
		{"h[a-b]llo", "hcllo", false},
		{"[a-]", "a", true},  // range from 'a' to ']'
		{"[a-]", "]", true},  // ...which includes ']'
		{"[a-]", "-", false}, // ...and not '-'
		{"[", "a", false},
		{"[", "[", false},
		{"[a", "a", true}, // unterminated set closed by the end of the pattern
		{"ab[c", "abc", true},
		{"ab[c\\", "abc", true},
		{"[]", "]", false},
		{"[]]", "]", false},
		{"[^]", "x", true},
		{"[!a]", "a", true}, // '!' is not negation in Redis
		{"[!a]", "b", false},
		{"[\\]]", "]", true},
		{"[\\]", "]", true}, // escaped ']' then end of pattern
		{"[\\-]", "-", true},
		{"\\*", "*", true},
		{"\\*", "a", false},
		{"\\", "\\", true}, // a lone trailing backslash is literal
		{"a\\", "a", false},
		{"*\\", "x\\", true},
		{"a\\bc", "abc", true},
		{"*[", "abc", false},
		{"abc*[", "abc", false},
		{"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 60), false},
		{"a*a*", "aaaa", true},
	}
	for _, tc := range tests {
		if got := GlobMatchString(tc.pattern, tc.s, false); got != tc.want {
			t.Errorf("GlobMatchString(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
		if got := GlobMatch([]byte(tc.pattern), []byte(tc.s), false); got != tc.want {
			t.Errorf("GlobMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestGlobMatchNocase(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"HELLO", "hello", true},
		{"h*O", "hello", true},
		{"[A-C]x", "bx", true},
		{"[a-c]x", "BX", true},
		{"[^A]", "a", false},
		{"\\H", "h", true},
		{"maxmemory*", "MAXMEMORY-policy", true},
	}
	for _, tc := range tests {
		if got := GlobMatchString(tc.pattern, tc.s, true); got != tc.want {
			t.Errorf("nocase GlobMatchString(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// TestGlobPathological checks that backtracking is bounded (Redis CVE-2022-36021).
func TestGlobPathological(t *testing.T) {
	p := strings.Repeat("a*", 1000) + "b"
	s := strings.Repeat("a", 10000)
	if GlobMatchString(p, s, false) {
		t.Fatal("unexpected match")
	}
}

func TestGlobMatchAllocs(t *testing.T) {
	p, s := []byte("user:*:[a-f]?x"), []byte("user:12345:bzx")
	if n := testing.AllocsPerRun(100, func() { GlobMatch(p, s, false) }); n != 0 {
		t.Fatalf("GlobMatch allocates %v times", n)
	}
}

// randomGlob builds a pattern from the characters that matter to the matcher.
func randomGlob(r *rand.Rand, alphabet string) string {
	n := r.IntN(7)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// TestGlobAgainstRedis compares GlobMatch with redis-server's KEYS on random patterns
// over a fixed set of random keys.
func TestGlobAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("needs redis-server")
	}
	srv := testutil.StartRedis(t)
	c := srv.Conn(t)
	r := rand.New(rand.NewPCG(1, 2))
	const keyChars = "abAB-]^\\[*?"
	const patChars = "abAB-]^\\[*?"
	var keys []string
	seen := map[string]bool{}
	for len(keys) < 300 {
		k := randomGlob(r, keyChars)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
		if _, err := c.Do("SET", k, "1"); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3000; i++ {
		p := randomGlob(r, patChars)
		if p == "*" {
			continue // KEYS takes a shortcut for "*"
		}
		raw, err := c.Do("KEYS", p)
		if err != nil {
			t.Fatal(err)
		}
		v, err := testutil.ParseReply(raw)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, e := range v.Elems {
			want = append(want, e.Str)
		}
		var got []string
		for _, k := range keys {
			if GlobMatchString(p, k, false) {
				got = append(got, k)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("pattern %q: got %q, redis %q", p, got, want)
		}
	}
}

func BenchmarkGlobMatch(b *testing.B) {
	p, s := []byte("user:*:[a-f]?x*"), []byte("user:1234567890:bzxyz")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		GlobMatch(p, s, false)
	}
}
