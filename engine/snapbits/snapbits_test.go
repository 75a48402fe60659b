package snapbits

import (
	"math/rand/v2"
	"testing"
)

// TestSetModel checks Set against a plain []bool under random clears and walks,
// sizes around word boundaries included.
func TestSetModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int32{0, 1, 63, 64, 65, 127, 128, 1000} {
		for round := 0; round < 20; round++ {
			s := New(n)
			model := make([]bool, n)
			for i := range model {
				model[i] = true
			}
			next := int32(0)
			for steps := 0; ; steps++ {
				if steps > 4*int(n)+10 {
					t.Fatalf("n=%d: walk does not end", n)
				}
				if n > 0 && r.IntN(3) == 0 { // a copy-before-write or a reused slot
					i := r.Int32N(n + 10)
					s.Clear(i)
					if i < n {
						model[i] = false
					}
					continue
				}
				for i := int32(-1); i <= n+1; i += 1 + r.Int32N(7) {
					if got, want := s.Has(i), i >= 0 && i < n && model[i]; got != want {
						t.Fatalf("n=%d: Has(%d) = %v, want %v", n, i, got, want)
					}
				}
				want := int32(-1)
				for i := next; i < n; i++ {
					if model[i] {
						want = i
						break
					}
				}
				got := s.Next()
				if got != want {
					t.Fatalf("n=%d: Next = %d, want %d", n, got, want)
				}
				if got < 0 {
					if !s.Done() {
						t.Fatalf("n=%d: walk over but not Done", n)
					}
					break
				}
				model[got] = false
				next = got + 1
			}
		}
	}
	var zero Set
	if zero.Next() != -1 || !zero.Done() || zero.Has(0) {
		t.Fatal("the zero Set must be empty and walked")
	}
}
