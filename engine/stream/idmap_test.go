package stream

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestIDMapModel runs random operations on an idMap and on a sorted slice and
// expects the same contents, lookups and cursor walks.
func TestIDMapModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var m idMap[int]
		model := map[ID]int{}
		// Small ID space so inserts, deletes and seeks collide often; IDs grow
		// over time to exercise the append path.
		genID := func(t *rapid.T, label string) ID {
			return ID{rapid.Uint64Range(0, 40).Draw(t, label+"ms"), rapid.Uint64Range(0, 12).Draw(t, label+"seq")}
		}
		sorted := func() []ID {
			ids := make([]ID, 0, len(model))
			for id := range model {
				ids = append(ids, id)
			}
			slices.SortFunc(ids, ID.Cmp)
			return ids
		}
		t.Repeat(map[string]func(*rapid.T){
			"set": func(t *rapid.T) {
				id := genID(t, "")
				v := rapid.Int().Draw(t, "v")
				_, had := model[id]
				if got := m.Set(id, v); got == had {
					t.Fatalf("Set(%v) new=%v, model had=%v", id, got, had)
				}
				model[id] = v
			},
			"append": func(t *rapid.T) {
				n := rapid.IntRange(1, 300).Draw(t, "n")
				ids := sorted()
				next := ID{41, 0}
				if len(ids) > 0 && !ids[len(ids)-1].Less(next) {
					next, _ = ids[len(ids)-1].Incr()
				}
				for i := 0; i < n; i++ {
					m.Set(next, i)
					model[next] = i
					next, _ = next.Incr()
				}
			},
			"delete": func(t *rapid.T) {
				id := genID(t, "")
				v, ok := m.Delete(id)
				mv, mok := model[id]
				if ok != mok || v != mv {
					t.Fatalf("Delete(%v) = %v,%v; model %v,%v", id, v, ok, mv, mok)
				}
				delete(model, id)
			},
			"deleteHead": func(t *rapid.T) {
				n := rapid.IntRange(1, 200).Draw(t, "n")
				for _, id := range sorted() {
					if n == 0 {
						break
					}
					c := m.First()
					if !c.Valid() || c.Key() != id {
						t.Fatalf("First = %v, want %v", c.Key(), id)
					}
					c.Delete()
					delete(model, id)
					n--
				}
			},
			"cursorDelete": func(t *rapid.T) {
				// Delete every k-th entry while walking, as XAUTOCLAIM does.
				k := rapid.IntRange(1, 4).Draw(t, "k")
				ids := sorted()
				c := m.First()
				for i, id := range ids {
					if !c.Valid() || c.Key() != id {
						t.Fatalf("walk at %d: cursor %v, want %v", i, c.Key(), id)
					}
					if i%k == 0 {
						c.Delete()
						delete(model, id)
					} else {
						c.Next()
					}
				}
				if c.Valid() {
					t.Fatalf("cursor valid past the end")
				}
			},
			"get": func(t *rapid.T) {
				id := genID(t, "")
				p := m.Get(id)
				mv, ok := model[id]
				if (p != nil) != ok || (ok && *p != mv) {
					t.Fatalf("Get(%v) = %v; model %v,%v", id, p, mv, ok)
				}
			},
			"seek": func(t *rapid.T) {
				id := genID(t, "")
				ids := sorted()
				ge, le := -1, -1
				for i, x := range ids {
					if ge < 0 && !x.Less(id) {
						ge = i
					}
					if !id.Less(x) {
						le = i
					}
				}
				c := m.SeekGE(id)
				if (ge >= 0) != c.Valid() || (ge >= 0 && c.Key() != ids[ge]) {
					t.Fatalf("SeekGE(%v) wrong", id)
				}
				c = m.SeekLE(id)
				if (le >= 0) != c.Valid() || (le >= 0 && c.Key() != ids[le]) {
					t.Fatalf("SeekLE(%v) wrong: valid %v", id, c.Valid())
				}
			},
			"": func(t *rapid.T) {
				ids := sorted()
				if m.Len() != len(ids) {
					t.Fatalf("Len %d, model %d", m.Len(), len(ids))
				}
				i := 0
				for c := m.First(); c.Valid(); c.Next() {
					if c.Key() != ids[i] || *c.Val() != model[ids[i]] {
						t.Fatalf("forward walk at %d", i)
					}
					i++
				}
				if i != len(ids) {
					t.Fatalf("forward walk saw %d of %d", i, len(ids))
				}
				for c := m.Last(); c.Valid(); c.Prev() {
					i--
					if c.Key() != ids[i] {
						t.Fatalf("backward walk at %d", i)
					}
				}
				for _, ch := range m.chunks {
					if len(ch.keys) == 0 || len(ch.keys) > chunkMax || len(ch.keys) != len(ch.vals) {
						t.Fatalf("bad chunk size %d", len(ch.keys))
					}
				}
				cl := m.clone(func(v int) int { return v })
				if cl.Len() != m.Len() {
					t.Fatalf("clone len")
				}
			},
		})
	})
}

func BenchmarkIDMapAppendDeleteHead(b *testing.B) {
	b.ReportAllocs()
	var m idMap[NACK]
	id := ID{1, 0}
	for i := 0; i < b.N; i++ {
		m.Set(id, NACK{})
		id, _ = id.Incr()
		if m.Len() > 1000 {
			c := m.First()
			c.Delete()
		}
	}
}
