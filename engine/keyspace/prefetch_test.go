package keyspace

import (
	"slices"
	"strconv"
	"testing"
)

// dictState is everything a lookahead must leave alone.
type dictState struct {
	buckets   [2][]Ref
	used      [2]int
	rehashIdx int
	count     int
	top       int32
	free      Ref
}

func stateOf(d *Dict) dictState {
	return dictState{
		buckets:   [2][]Ref{slices.Clone(d.t[0].buckets), slices.Clone(d.t[1].buckets)},
		used:      [2]int{d.t[0].used, d.t[1].used},
		rehashIdx: d.rehashIdx, count: d.count, top: d.top, free: d.free,
	}
}

func (a dictState) equal(b dictState) bool {
	return slices.Equal(a.buckets[0], b.buckets[0]) && slices.Equal(a.buckets[1], b.buckets[1]) &&
		a.used == b.used && a.rehashIdx == b.rehashIdx && a.count == b.count && a.top == b.top && a.free == b.free
}

// TestPrefetchFindsEntriesAndChangesNothing checks that the lookahead reaches the
// entry a lookup would find (at the head of its chain or one link further), in a
// settled table and in the middle of a resize (keys in both tables), for present and
// absent keys, and that it moves nothing: no rehash step, no bookkeeping.
func TestPrefetchFindsEntriesAndChangesNothing(t *testing.T) {
	d := New()
	n := 0
	// Insert until a resize starts, then stop in the middle of it: about half the
	// old buckets moved.
	for ; ; n++ {
		d.InsertWithValue([]byte("k"+strconv.Itoa(n)), []byte("v"))
		if d.IsRehashing() && n > 1000 {
			break
		}
	}
	for d.rehashIdx < len(d.t[0].buckets)/2 {
		d.Rehash(1)
	}
	// Some deletions, so the free list is in use too.
	for i := 0; i < n; i += 7 {
		d.Delete(d.FindString("k" + strconv.Itoa(i)))
	}
	for _, phase := range []string{"rehashing", "settled"} {
		if phase == "settled" {
			for d.Rehash(100) {
			}
		} else if !d.IsRehashing() {
			t.Fatal("test setup: the dict is not rehashing")
		}
		before := stateOf(d)
		checked, atHead := 0, 0
		for base := 0; base < n+200; base += PrefetchMax {
			var p Prefetch
			var keys []string
			for i := base; i < base+PrefetchMax; i++ {
				k := "k" + strconv.Itoa(i)
				p.Add(d, []byte(k))
				keys = append(keys, k)
			}
			if !p.Full() {
				t.Fatalf("%s: batch of %d keys not full", phase, p.Len())
			}
			p.Add(d, []byte("one too many"))
			if p.Len() != PrefetchMax {
				t.Fatalf("%s: a full batch took another key", phase)
			}
			hit := p.load()
			for i, k := range keys {
				want := d.find(HashString(k), []byte(k))
				got := p.r[i]
				switch {
				case hit&(1<<i) != 0:
					// The entry carrying the hash: the key itself (no 32-bit hash
					// collision among these few keys).
					if got != want {
						t.Fatalf("%s: %q: lookahead reached %d at the head, lookup finds %d", phase, k, got, want)
					}
					atHead++
				case want != 0 && got != want:
					// Not at the head: the lookahead stops one link further, which is
					// the key or another entry of its chain (a third or deeper link).
					if chainPos(d, k, want) == 2 {
						t.Fatalf("%s: %q is second in its chain; lookahead reached %d, want %d", phase, k, got, want)
					}
				}
				if want != 0 {
					checked++
				}
			}
			p.Run()
			if p.Len() != 0 || p.d[0] != nil {
				t.Fatalf("%s: Run left %d keys / a dict pointer in the batch", phase, p.Len())
			}
		}
		if checked == 0 || atHead < checked/2 {
			t.Fatalf("%s: %d present keys checked, %d found at the head", phase, checked, atHead)
		}
		if after := stateOf(d); !after.equal(before) {
			t.Fatalf("%s: the lookahead changed the dict", phase)
		}
	}
	// An empty dict and an empty key.
	var p Prefetch
	p.Add(New(), []byte("x"))
	if p.Len() != 0 {
		t.Fatal("a key of an empty dict was queued")
	}
	d.InsertWithValue(nil, nil)
	p.Add(d, nil)
	p.Add(d, []byte("absent"))
	if hit := p.load(); hit&1 == 0 || p.r[0] != d.FindString("") {
		t.Fatalf("empty key: hit %b, reached %d, want %d", hit, p.r[0], d.FindString(""))
	}
	p.Run()
	p.Add(d, []byte("k1"))
	p.Reset()
	if p.Len() != 0 || p.d[0] != nil {
		t.Fatal("Reset left keys in the batch")
	}
}

// chainPos is the 1-based position of entry r in the chain that holds key k.
func chainPos(d *Dict, k string, r Ref) int {
	h := HashString(k)
	for ti := 0; ti < 2; ti++ {
		tb := &d.t[ti]
		if len(tb.buckets) == 0 {
			break
		}
		pos := 1
		for c := tb.buckets[uint64(h)&tb.mask]; c != 0; c = d.E(c).next {
			if c == r {
				return pos
			}
			pos++
		}
	}
	return 0
}
