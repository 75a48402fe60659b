// idmap.go: an ordered map from ID to V, for the stream's nodes (master ID →
// listpack) and the pending entries lists of consumer groups and consumers.
//
// Redis keeps all of these in radix trees. Here they are a sorted list of
// chunks, each a sorted array of up to chunkMax keys with their values: lookups
// are two binary searches, appends at the end (the common case: IDs grow) touch
// only the last chunk, and a map of a million pending entries is ~16k
// pointer-free arrays of keys plus one array of values each, rather than a
// million tree nodes.

package stream

import "slices"

const (
	chunkMax = 128          // a full chunk splits in two halves
	chunkMin = chunkMax / 4 // a chunk this small merges with a neighbour when possible
)

type chunk[V any] struct {
	keys []ID
	vals []V
	// shared: a snapshot holds keys and vals (freeze, snapshot.go); own copies
	// them before they are written.
	shared bool
}

// own gives c arrays of its own before an in-place change when a snapshot
// holds the current ones.
func (c *chunk[V]) own() {
	if c.shared {
		c.keys = append(make([]ID, 0, max(len(c.keys), 16)), c.keys...)
		c.vals = append(make([]V, 0, max(len(c.vals), 16)), c.vals...)
		c.shared = false
	}
}

// idMap is an ordered map from ID to V. The zero value is an empty map.
type idMap[V any] struct {
	chunks []*chunk[V]
	n      int
}

// cursor points at one entry of an idMap; it is invalidated by any change to
// the map except through the cursor's own methods that say otherwise.
type cursor[V any] struct {
	m  *idMap[V]
	ci int // chunk index; out of range when the cursor is past either end
	i  int
}

// Len is the number of entries.
func (m *idMap[V]) Len() int { return m.n }

// findChunk returns the index of the chunk that holds, or would hold, id: the
// last chunk whose first key is <= id (0 when id precedes every chunk).
func (m *idMap[V]) findChunk(id ID) int {
	cs := m.chunks
	lo, hi := 0, len(cs) // first chunk whose first key > id
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if id.Less(cs[h].keys[0]) {
			hi = h
		} else {
			lo = h + 1
		}
	}
	if lo > 0 {
		lo--
	}
	return lo
}

// search returns the index of the first key >= id in keys, and whether it is id.
func search(keys []ID, id ID) (int, bool) {
	lo, hi := 0, len(keys)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if keys[h].Less(id) {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo, lo < len(keys) && keys[lo] == id
}

// Get returns a pointer to the value of id, valid until the map next changes.
func (m *idMap[V]) Get(id ID) *V {
	if m.n == 0 {
		return nil
	}
	c := m.chunks[m.findChunk(id)]
	if i, found := search(c.keys, id); found {
		c.own() // the caller may change the value
		return &c.vals[i]
	}
	return nil
}

// Has reports whether id is in the map.
func (m *idMap[V]) Has(id ID) bool { return m.Get(id) != nil }

// Set stores v at id, replacing any value there; it reports whether id is new.
func (m *idMap[V]) Set(id ID, v V) bool {
	if len(m.chunks) == 0 {
		m.chunks = []*chunk[V]{{keys: []ID{id}, vals: []V{v}}}
		m.n = 1
		return true
	}
	// Appending past the last key is the common case (new entries, deliveries
	// of new entries): skip the searches.
	last := m.chunks[len(m.chunks)-1]
	if last.keys[len(last.keys)-1].Less(id) {
		if len(last.keys) < chunkMax {
			last.keys = append(last.keys, id)
			last.vals = append(last.vals, v)
		} else {
			c := &chunk[V]{keys: make([]ID, 1, 16), vals: make([]V, 1, 16)}
			c.keys[0], c.vals[0] = id, v
			m.chunks = append(m.chunks, c)
		}
		m.n++
		return true
	}
	ci := m.findChunk(id)
	c := m.chunks[ci]
	c.own()
	i, found := search(c.keys, id)
	if found {
		c.vals[i] = v
		return false
	}
	c.keys = slices.Insert(c.keys, i, id)
	c.vals = slices.Insert(c.vals, i, v)
	m.n++
	if len(c.keys) > chunkMax {
		half := len(c.keys) / 2
		nc := &chunk[V]{
			keys: append(make([]ID, 0, chunkMax), c.keys[half:]...),
			vals: append(make([]V, 0, chunkMax), c.vals[half:]...),
		}
		var zero V
		for j := half; j < len(c.vals); j++ {
			c.vals[j] = zero // drop references held by the old array's tail
		}
		c.keys, c.vals = c.keys[:half], c.vals[:half]
		m.chunks = slices.Insert(m.chunks, ci+1, nc)
	}
	return true
}

// Delete removes id and returns its value.
func (m *idMap[V]) Delete(id ID) (V, bool) {
	var zero V
	if m.n == 0 {
		return zero, false
	}
	ci := m.findChunk(id)
	i, found := search(m.chunks[ci].keys, id)
	if !found {
		return zero, false
	}
	v := m.chunks[ci].vals[i]
	m.deleteAt(ci, i)
	return v, true
}

// deleteAt removes entry i of chunk ci, merging or dropping the chunk when it
// gets small, and returns the position of the entry that followed it.
func (m *idMap[V]) deleteAt(ci, i int) (int, int) {
	var zero V
	c := m.chunks[ci]
	c.own()
	if i == 0 && ci == 0 && len(c.keys) > 1 {
		// Deleting from the head of the first chunk (trimming, acks in order):
		// reslice instead of moving the rest.
		c.vals[0] = zero
		c.keys, c.vals = c.keys[1:], c.vals[1:]
	} else {
		copy(c.keys[i:], c.keys[i+1:])
		copy(c.vals[i:], c.vals[i+1:])
		c.vals[len(c.vals)-1] = zero
		c.keys, c.vals = c.keys[:len(c.keys)-1], c.vals[:len(c.vals)-1]
	}
	m.n--
	if len(c.keys) == 0 {
		m.chunks[ci] = nil
		m.chunks = slices.Delete(m.chunks, ci, ci+1)
		if len(m.chunks) == 0 {
			m.chunks = nil
		}
		return ci, 0
	}
	if len(c.keys) < chunkMin {
		// Merge with a neighbour when the two fit in one chunk.
		if ci+1 < len(m.chunks) && len(c.keys)+len(m.chunks[ci+1].keys) <= chunkMax {
			nx := m.chunks[ci+1]
			c.keys = append(c.keys, nx.keys...)
			c.vals = append(c.vals, nx.vals...)
			m.chunks = slices.Delete(m.chunks, ci+1, ci+2)
		} else if ci > 0 && len(c.keys)+len(m.chunks[ci-1].keys) <= chunkMax {
			pv := m.chunks[ci-1]
			at := len(pv.keys)
			pv.keys = append(pv.keys, c.keys...)
			pv.vals = append(pv.vals, c.vals...)
			m.chunks = slices.Delete(m.chunks, ci, ci+1)
			ci, i = ci-1, at+i
		}
	}
	if i >= len(m.chunks[ci].keys) {
		return ci + 1, 0
	}
	return ci, i
}

// First returns a cursor at the smallest key.
func (m *idMap[V]) First() cursor[V] { return cursor[V]{m, 0, 0} }

// Last returns a cursor at the largest key.
func (m *idMap[V]) Last() cursor[V] {
	if len(m.chunks) == 0 {
		return cursor[V]{m, -1, 0}
	}
	ci := len(m.chunks) - 1
	return cursor[V]{m, ci, len(m.chunks[ci].keys) - 1}
}

// SeekGE returns a cursor at the smallest key >= id.
func (m *idMap[V]) SeekGE(id ID) cursor[V] {
	if len(m.chunks) == 0 {
		return cursor[V]{m, 0, 0}
	}
	ci := m.findChunk(id)
	i, _ := search(m.chunks[ci].keys, id)
	if i == len(m.chunks[ci].keys) {
		return cursor[V]{m, ci + 1, 0}
	}
	return cursor[V]{m, ci, i}
}

// SeekLE returns a cursor at the largest key <= id.
func (m *idMap[V]) SeekLE(id ID) cursor[V] {
	if len(m.chunks) == 0 {
		return cursor[V]{m, -1, 0}
	}
	ci := m.findChunk(id)
	i, found := search(m.chunks[ci].keys, id)
	if found {
		return cursor[V]{m, ci, i}
	}
	cur := cursor[V]{m, ci, i}
	cur.Prev()
	return cur
}

// Valid reports whether the cursor points at an entry.
func (c *cursor[V]) Valid() bool {
	return c.ci >= 0 && c.ci < len(c.m.chunks) && c.i >= 0 && c.i < len(c.m.chunks[c.ci].keys)
}

// Key is the current key.
func (c *cursor[V]) Key() ID { return c.m.chunks[c.ci].keys[c.i] }

// Val is a pointer to the current value, valid until the map changes.
func (c *cursor[V]) Val() *V {
	ch := c.m.chunks[c.ci]
	ch.own() // the caller may change the value
	return &ch.vals[c.i]
}

// Next moves to the following entry (possibly past the end).
func (c *cursor[V]) Next() {
	c.i++
	if c.ci >= 0 && c.ci < len(c.m.chunks) && c.i >= len(c.m.chunks[c.ci].keys) {
		c.ci++
		c.i = 0
	}
}

// Prev moves to the preceding entry (possibly past the start).
func (c *cursor[V]) Prev() {
	c.i--
	if c.i < 0 {
		c.ci--
		if c.ci >= 0 && c.ci < len(c.m.chunks) {
			c.i = len(c.m.chunks[c.ci].keys) - 1
		}
	}
}

// Delete removes the current entry and moves the cursor to the entry that
// followed it; other cursors are invalidated.
func (c *cursor[V]) Delete() {
	c.ci, c.i = c.m.deleteAt(c.ci, c.i)
}

// All calls fn for every entry in order until fn returns false.
func (m *idMap[V]) All(fn func(id ID, v *V) bool) {
	for _, c := range m.chunks {
		c.own() // fn may change the values
		for i := range c.keys {
			if !fn(c.keys[i], &c.vals[i]) {
				return
			}
		}
	}
}

// clone returns a copy of the map with every value passed through cp.
func (m *idMap[V]) clone(cp func(V) V) idMap[V] {
	out := idMap[V]{n: m.n, chunks: make([]*chunk[V], len(m.chunks))}
	for i, c := range m.chunks {
		nc := &chunk[V]{keys: slices.Clone(c.keys), vals: make([]V, len(c.vals))}
		for j, v := range c.vals {
			nc.vals[j] = cp(v)
		}
		out.chunks[i] = nc
	}
	return out
}
