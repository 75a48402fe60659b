package stream

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestGroupModel drives a consumer group's PEL with random deliveries, acks,
// claims, forced entries, consumer deletions and cursor removals, against a map
// of ID → owner, and checks that the group PEL and the consumers' PELs always
// agree (every pending ID is in exactly its owner's PEL).
func TestGroupModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := New()
		g := s.CreateGroup([]byte("g"), ID{}, InvalidEntriesRead)
		model := map[ID]string{} // ID → owner name ("" for an orphan)
		names := []string{"a", "b", "c", "d"}
		genID := func(t *rapid.T) ID {
			return ID{rapid.Uint64Range(1, 30).Draw(t, "ms"), rapid.Uint64Range(0, 2).Draw(t, "seq")}
		}
		consumer := func(t *rapid.T) *Consumer {
			name := rapid.SampledFrom(names).Draw(t, "consumer")
			if c := g.Consumer([]byte(name)); c != nil {
				return c
			}
			return g.CreateConsumer([]byte(name), 1)
		}
		t.Repeat(map[string]func(*rapid.T){
			"deliver": func(t *rapid.T) {
				id, c := genID(t), consumer(t)
				n := g.Deliver(id, c, 5)
				if n.Consumer != c || n.DeliveryCount != 1 || n.DeliveryTime != 5 {
					t.Fatalf("Deliver: %+v", n)
				}
				model[id] = c.Name
			},
			"ack": func(t *rapid.T) {
				id := genID(t)
				_, had := model[id]
				if got := g.Ack(id); got != had {
					t.Fatalf("Ack(%v) = %v, model %v", id, got, had)
				}
				delete(model, id)
			},
			"orphanThenOwn": func(t *rapid.T) {
				id := genID(t)
				if _, had := model[id]; had {
					return
				}
				n := g.AddOrphan(id, 7)
				c := consumer(t)
				g.SetOwner(id, n, c)
				model[id] = c.Name
			},
			"claim": func(t *rapid.T) {
				id := genID(t)
				n := g.Pending(id)
				if n == nil {
					return
				}
				c := consumer(t)
				g.SetOwner(id, n, c)
				model[id] = c.Name
			},
			"deleteConsumer": func(t *rapid.T) {
				name := rapid.SampledFrom(names).Draw(t, "name")
				c := g.Consumer([]byte(name))
				if c == nil {
					return
				}
				want := 0
				for id, owner := range model {
					if owner == name {
						want++
						delete(model, id)
					}
				}
				if got := g.DeleteConsumer(c); got != want {
					t.Fatalf("DeleteConsumer(%s) = %d, model %d", name, got, want)
				}
			},
			"cursorRemove": func(t *rapid.T) {
				start := genID(t)
				k := rapid.IntRange(1, 3).Draw(t, "k")
				i := 0
				for pc := g.SeekPending(start); pc.Valid(); i++ {
					if i%k == 0 {
						delete(model, pc.ID())
						pc.Remove()
					} else {
						pc.Next()
					}
				}
			},
			"": func(t *rapid.T) {
				if g.PendingLen() != len(model) {
					t.Fatalf("PEL has %d, model %d", g.PendingLen(), len(model))
				}
				perConsumer := map[string][]ID{}
				g.PendingAll(func(id ID, n *NACK) bool {
					owner, ok := model[id]
					if !ok || n.Consumer == nil || n.Consumer.Name != owner {
						t.Fatalf("PEL entry %v owned by %v, model %q (%v)", id, n.Consumer, owner, ok)
					}
					perConsumer[owner] = append(perConsumer[owner], id)
					return true
				})
				for _, c := range g.Consumers() {
					var ids []ID
					c.Pending(ID{}, func(id ID) bool { ids = append(ids, id); return true })
					if fmt.Sprint(ids) != fmt.Sprint(perConsumer[c.Name]) {
						t.Fatalf("consumer %s PEL %v, group says %v", c.Name, ids, perConsumer[c.Name])
					}
				}
				if !slices.IsSortedFunc(g.Consumers(), func(a, b *Consumer) int {
					if a.Name < b.Name {
						return -1
					}
					return 1
				}) {
					t.Fatalf("consumers not sorted")
				}
				if g.Orphans() {
					t.Fatalf("orphan left in the PEL")
				}
				// A clone has the same PELs with its own consumers.
				cl := s.Clone().Group([]byte("g"))
				if cl.PendingLen() != g.PendingLen() || len(cl.Consumers()) != len(g.Consumers()) {
					t.Fatalf("clone differs")
				}
				cl.PendingAll(func(id ID, n *NACK) bool {
					if n.Consumer == nil || g.Consumer([]byte(n.Consumer.Name)) == n.Consumer {
						t.Fatalf("clone NACK %v points at the original's consumer", id)
					}
					return true
				})
			},
		})
	})
}

// TestLag checks the read counters against Redis 7.0's rules.
func TestLag(t *testing.T) {
	s := New()
	g := s.CreateGroup([]byte("g"), ID{}, 0)
	if lag, ok := s.Lag(g); !ok || lag != 0 {
		t.Fatalf("empty stream lag %d %v", lag, ok)
	}
	for i := uint64(1); i <= 5; i++ {
		s.Add([][]byte{[]byte("f"), []byte("v")}, &ID{i, 0}, true, 0, Limits{})
	}
	if lag, ok := s.Lag(g); !ok || lag != 5 {
		t.Fatalf("lag %d %v, want 5", lag, ok)
	}
	s.Advance(g, ID{1, 0})
	s.Advance(g, ID{2, 0})
	if g.EntriesRead != 2 {
		t.Fatalf("entries read %d", g.EntriesRead)
	}
	// A tombstone ahead of the group makes the counter unknowable from it.
	s.Delete(ID{4, 0})
	s.MaxDeletedID = ID{4, 0}
	if _, ok := s.Lag(g); ok {
		t.Fatalf("lag known across a tombstone")
	}
	// Reading on (XREADGROUP delivers 3-0, then 5-0): the counter is lost at 3-0
	// and recovered at the last ID.
	s.Advance(g, ID{3, 0})
	if g.EntriesRead != InvalidEntriesRead {
		t.Fatalf("entries read after a tombstone %d, want invalid", g.EntriesRead)
	}
	s.Advance(g, ID{5, 0})
	if g.EntriesRead != 5 {
		t.Fatalf("entries read at the last ID %d, want 5", g.EntriesRead)
	}
	if lag, ok := s.Lag(g); !ok || lag != 0 {
		t.Fatalf("lag at the end %d %v", lag, ok)
	}
}
