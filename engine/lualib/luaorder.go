package lualib

// Lua 5.1 table traversal order.
//
// cjson.encode and cmsgpack.pack write object/map entries in the order
// next() visits them. In Lua 5.1 that is the array part, then the nodes of
// the hash part, whose layout depends on the key hashes, the table's size
// history and collision handling (ltable.c); gopher-lua iterates its array
// part and then its other keys in insertion order. To write the same bytes
// as Redis, entryOrder replays the insertion of the keys into a model of a
// Lua 5.1 table, growing it the way luaH_set/rehash/resize do, and reads
// the model back.
//
// The replay inserts gopher-lua's array-part keys first (ascending), then
// the other keys in their insertion order. That is exact for tables filled
// one key at a time without deletions (t[k] = v in a loop, cjson.decode,
// cmsgpack.unpack). A table constructor ({a = 1, b = 2}) presizes the table
// instead of growing it, which can place colliding keys differently; the
// entries written are the same either way. Tables with keys that Lua hashes
// by address (tables, functions, userdata) keep gopher-lua's order.

import (
	"math"
	"math/bits"

	lua "github.com/yuin/gopher-lua"
)

// luaStrHash is the string hash of Redis's Lua (lstring.c luaS_newlstr):
// seeded with the length. Stock Lua 5.1 samples only ~32 characters of long
// strings; Redis patched it to hash every character.
func luaStrHash(s string) uint32 {
	h := uint32(len(s))
	for i := len(s) - 1; i >= 0; i-- {
		h ^= (h << 5) + (h >> 2) + uint32(s[i])
	}
	return h
}

const (
	luaMaxBits  = 26 // MAXBITS
	luaMaxASize = 1 << luaMaxBits
)

// hashNode is a node of the modelled hash part: key indexes the keys being
// replayed (-1 empty), next chains colliding nodes (-1 none).
type hashNode struct{ key, next int }

// tableModel is a Lua 5.1 table holding the keys being replayed.
type tableModel struct {
	keys     []lua.LValue
	strHash  []uint32
	array    []int // key per array slot, -1 for nil
	nodes    []hashNode
	dummy    bool // the shared empty dummynode: no hash part
	lastfree int  // free-node scan position, from the end downwards
}

// arrayIndex is ltable.c arrayindex: the key as a C int when it is a
// number with an integer value, else -1.
func (t *tableModel) arrayIndex(k int) int {
	if n, ok := t.keys[k].(lua.LNumber); ok {
		if i := toInt32C(float64(n)); float64(i) == float64(n) {
			return int(i)
		}
	}
	return -1
}

func (t *tableModel) setNodeVector(size int) {
	if size == 0 {
		t.nodes = []hashNode{{-1, -1}}
		t.dummy = true
		t.lastfree = 0
		return
	}
	n := 1 << bits.Len(uint(size-1)) // twoto(ceillog2(size))
	t.nodes = make([]hashNode, n)
	for i := range t.nodes {
		t.nodes[i] = hashNode{-1, -1}
	}
	t.dummy = false
	t.lastfree = n
}

// mainPosition is ltable.c mainposition for the key types modelled.
func (t *tableModel) mainPosition(k int) int {
	size := uint32(len(t.nodes))
	switch x := t.keys[k].(type) {
	case lua.LString:
		return int(t.strHash[k] & (size - 1))
	case lua.LNumber:
		if x == 0 {
			return 0
		}
		b := math.Float64bits(float64(x))
		return int((uint32(b) + uint32(b>>32)) % ((size - 1) | 1))
	case lua.LBool:
		if x {
			return int(1 & (size - 1))
		}
		return 0
	}
	return 0
}

func (t *tableModel) freePos() int {
	for t.lastfree > 0 {
		t.lastfree--
		if t.nodes[t.lastfree].key == -1 {
			return t.lastfree
		}
	}
	return -1
}

// set is luaH_set of a key not yet in the table.
func (t *tableModel) set(k int) {
	if i := t.arrayIndex(k); i >= 1 && i <= len(t.array) {
		t.array[i-1] = k
		return
	}
	t.newKey(k)
}

// newKey is ltable.c newkey.
func (t *tableModel) newKey(k int) {
	mp := t.mainPosition(k)
	if t.nodes[mp].key != -1 || t.dummy {
		n := t.freePos()
		if n < 0 {
			t.rehash(k)
			t.set(k)
			return
		}
		other := t.mainPosition(t.nodes[mp].key)
		if other != mp {
			// The colliding node is out of its main position: move it to
			// the free node and take its place.
			for t.nodes[other].next != mp {
				other = t.nodes[other].next
			}
			t.nodes[other].next = n
			t.nodes[n] = t.nodes[mp]
			t.nodes[mp] = hashNode{-1, -1}
		} else {
			// The new key goes to the free node, chained after mp.
			t.nodes[n].next = t.nodes[mp].next
			t.nodes[mp].next = n
			mp = n
		}
	}
	t.nodes[mp].key = k
}

// countInt is ltable.c countint.
func (t *tableModel) countInt(k int, nums *[luaMaxBits + 1]int) int {
	if i := t.arrayIndex(k); i > 0 && i <= luaMaxASize {
		nums[bits.Len(uint(i-1))]++ // ceillog2
		return 1
	}
	return 0
}

// rehash is ltable.c rehash: size the array part for the integer keys
// (more than half of each power-of-two range used) and the hash part for
// the rest, counting the key being inserted.
func (t *tableModel) rehash(ek int) {
	var nums [luaMaxBits + 1]int
	nasize := 0
	// numusearray
	i := 1
	for lg, ttlg := 0, 1; lg <= luaMaxBits; lg, ttlg = lg+1, ttlg*2 {
		lim := ttlg
		if lim > len(t.array) {
			lim = len(t.array)
			if i > lim {
				break
			}
		}
		lc := 0
		for ; i <= lim; i++ {
			if t.array[i-1] != -1 {
				lc++
			}
		}
		nums[lg] += lc
		nasize += lc
	}
	totaluse := nasize
	// numusehash
	if !t.dummy {
		for _, n := range t.nodes {
			if n.key != -1 {
				nasize += t.countInt(n.key, &nums)
				totaluse++
			}
		}
	}
	nasize += t.countInt(ek, &nums)
	totaluse++
	// computesizes
	a, na, n := 0, 0, 0
	for i, twotoi := 0, 1; twotoi/2 < nasize; i, twotoi = i+1, twotoi*2 {
		if nums[i] > 0 {
			a += nums[i]
			if a > twotoi/2 {
				n = twotoi
				na = a
			}
		}
		if a == nasize {
			break
		}
	}
	t.resize(n, totaluse-na)
}

// resize is ltable.c resize.
func (t *tableModel) resize(nasize, nhsize int) {
	oldArray := t.array
	oldNodes, oldDummy := t.nodes, t.dummy
	if nasize > len(oldArray) {
		grown := make([]int, nasize)
		copy(grown, oldArray)
		for i := len(oldArray); i < nasize; i++ {
			grown[i] = -1
		}
		t.array = grown
	}
	t.setNodeVector(nhsize)
	if nasize < len(oldArray) {
		t.array = append([]int(nil), oldArray[:nasize]...)
		for i := nasize; i < len(oldArray); i++ {
			if oldArray[i] != -1 {
				t.set(oldArray[i])
			}
		}
	}
	if !oldDummy {
		for i := len(oldNodes) - 1; i >= 0; i-- {
			if oldNodes[i].key != -1 {
				t.set(oldNodes[i].key)
			}
		}
	}
}

// entryOrder returns the permutation of keys (in insertion order) that
// Lua 5.1's next() would produce, or nil when a key type cannot be modelled.
func entryOrder(keys []lua.LValue) []int {
	t := tableModel{keys: keys, strHash: make([]uint32, len(keys))}
	for i, k := range keys {
		switch x := k.(type) {
		case lua.LString:
			t.strHash[i] = luaStrHash(string(x))
		case lua.LNumber, lua.LBool:
		default:
			return nil
		}
	}
	t.setNodeVector(0)
	for i := range keys {
		t.set(i)
	}
	order := make([]int, 0, len(keys))
	for _, k := range t.array {
		if k != -1 {
			order = append(order, k)
		}
	}
	for _, n := range t.nodes {
		if n.key != -1 {
			order = append(order, n.key)
		}
	}
	return order
}

// tableEntries returns t's pairs in Lua 5.1's next() order (see above).
func tableEntries(t *lua.LTable) (keys, vals []lua.LValue) {
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	if len(keys) < 2 {
		return keys, vals
	}
	order := entryOrder(keys)
	if order == nil {
		return keys, vals
	}
	k2 := make([]lua.LValue, len(keys))
	v2 := make([]lua.LValue, len(keys))
	for i, j := range order {
		k2[i], v2[i] = keys[j], vals[j]
	}
	return k2, v2
}
