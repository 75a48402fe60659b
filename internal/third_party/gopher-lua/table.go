package lua

// keygrid: LTable is a Lua 5.1.5 table (ltable.c), not upstream's Go slice,
// Go maps and insertion-ordered key list: an array part sized as Lua sizes
// it, and a hash part of 2^k nodes placed by Lua's main positions with
// Lua's collision handling, so that `#t` (luaH_getn) and the order of
// next/pairs (luaH_next) are Redis's (KEYGRID.md, change 15).

import (
	"math"
	"math/bits"
	"unsafe"
)

// defaultArrayCap and defaultHashCap are upstream's sizes for NewTable,
// kept for the API; keygrid's NewTable makes an empty table, as
// lua_newtable does.
const defaultArrayCap = 32
const defaultHashCap = 32

// tableMaxBits is ltable.c MAXBITS: array indices up to 2^26 are counted
// for the array part.
const tableMaxBits = 26
const tableMaxASize = 1 << tableMaxBits

// tnode is a node of the hash part (ltable.c Node). key is Go nil for a
// node never used; val is LNil for no value (a free node, or a dead key,
// which stays until the next rehash as it does in Lua when no collection
// ran). next is the index of the next node of the chain, -1 for none.
// shash caches the hash of a string key.
type tnode struct {
	key   LValue
	val   LValue
	next  int32
	shash uint32
}

type lValueArraySorter struct {
	L      *LState
	Fn     *LFunction
	Values []LValue
}

func (lv lValueArraySorter) Len() int {
	return len(lv.Values)
}

func (lv lValueArraySorter) Swap(i, j int) {
	lv.Values[i], lv.Values[j] = lv.Values[j], lv.Values[i]
}

func (lv lValueArraySorter) Less(i, j int) bool {
	if lv.Fn != nil {
		lv.L.Push(lv.Fn)
		lv.L.Push(lv.Values[i])
		lv.L.Push(lv.Values[j])
		lv.L.Call(2, 1)
		return LVAsBool(lv.L.reg.Pop())
	}
	return lessThan(lv.L, lv.Values[i], lv.Values[j])
}

// newLTable is luaH_new: an array part of narray slots and a hash part
// for nhash keys (rounded up to a power of two; none for 0).
func newLTable(narray int, nhash int) *LTable {
	tb := &LTable{Metatable: LNil}
	if narray > 0 {
		tb.setArrayVector(narray)
	}
	if nhash > 0 {
		tb.setNodeVector(nhash)
	}
	return tb
}

// LuaStrHash is the string hash of Redis's Lua 5.1 (lstring.c
// luaS_newlstr, which Redis patched to hash every character).
func LuaStrHash(s string) uint32 {
	h := uint32(len(s))
	for i := len(s) - 1; i >= 0; i-- {
		h ^= (h << 5) + (h >> 2) + uint32(s[i])
	}
	return h
}

// tableArrayIndex is ltable.c arrayindex: the number as a C int (x86-64
// cvttsd2si: INT_MIN out of range) when it has an integer value, else -1.
func tableArrayIndex(n LNumber) int {
	f := float64(n)
	if f >= -2147483648 && f < 2147483648 {
		if i := int32(f); float64(i) == f {
			return int(i)
		}
	}
	return -1
}

// tableHashNum is ltable.c hashnum: the two 32-bit words of the double
// summed, modulo (size-1)|1; 0 (and -0) at node 0.
func tableHashNum(n LNumber, size int) int {
	if n == 0 {
		return 0
	}
	b := math.Float64bits(float64(n))
	return int((uint32(b) + uint32(b>>32)) % uint32((size-1)|1))
}

// mainPosition is ltable.c mainposition (the hash part is not empty).
// Objects are hashed by their address (Go's heap objects do not move).
func (tb *LTable) mainPosition(key LValue) int {
	size := len(tb.node)
	switch k := key.(type) {
	case LString:
		return int(LuaStrHash(string(k)) & uint32(size-1))
	case LNumber:
		return tableHashNum(k, size)
	case LBool:
		if k {
			return 1 & (size - 1)
		}
		return 0
	}
	p := (*[2]uintptr)(unsafe.Pointer(&key))[1]
	return int(uint32(p) % uint32((size-1)|1))
}

// nodeMainPosition is mainPosition of the key of node i.
func (tb *LTable) nodeMainPosition(i int) int {
	n := &tb.node[i]
	if _, ok := n.key.(LString); ok {
		return int(n.shash & uint32(len(tb.node)-1))
	}
	return tb.mainPosition(n.key)
}

// setArrayVector is ltable.c setarrayvector: the array part grows to size
// slots, the new ones nil.
func (tb *LTable) setArrayVector(size int) {
	old := len(tb.array)
	if size <= cap(tb.array) {
		tb.array = tb.array[:size]
	} else {
		a := make([]LValue, size)
		copy(a, tb.array)
		tb.array = a
	}
	for i := old; i < size; i++ {
		tb.array[i] = LNil
	}
}

// setNodeVector is ltable.c setnodevector: 2^ceil(log2(size)) free nodes,
// or none (Lua's dummynode) for 0.
func (tb *LTable) setNodeVector(size int) {
	if size == 0 {
		tb.node = nil
		tb.lastfree = 0
		return
	}
	n := 1 << bits.Len(uint(size-1))
	tb.node = make([]tnode, n)
	for i := range tb.node {
		tb.node[i].val = LNil
		tb.node[i].next = -1
	}
	tb.lastfree = n
}

// strNode is the node holding string key s, or -1.
func (tb *LTable) strNode(s string) int {
	if tb.node == nil {
		return -1
	}
	h := LuaStrHash(s)
	i := int(h & uint32(len(tb.node)-1))
	for {
		n := &tb.node[i]
		if k, ok := n.key.(LString); ok && n.shash == h && string(k) == s {
			return i
		}
		if i = int(n.next); i < 0 {
			return -1
		}
	}
}

// numNode is the node holding number key x, or -1.
func (tb *LTable) numNode(x LNumber) int {
	if tb.node == nil {
		return -1
	}
	i := tableHashNum(x, len(tb.node))
	for {
		n := &tb.node[i]
		if k, ok := n.key.(LNumber); ok && k == x {
			return i
		}
		if i = int(n.next); i < 0 {
			return -1
		}
	}
}

// keyNode is the node holding key (any type), or -1.
func (tb *LTable) keyNode(key LValue) int {
	switch k := key.(type) {
	case LString:
		return tb.strNode(string(k))
	case LNumber:
		return tb.numNode(k)
	}
	if tb.node == nil {
		return -1
	}
	i := tb.mainPosition(key)
	for {
		n := &tb.node[i]
		if n.key == key {
			return i
		}
		if i = int(n.next); i < 0 {
			return -1
		}
	}
}

// slot is luaH_set: the value slot of key, the key added (its value nil)
// when the table does not hold it. key is neither nil nor NaN.
func (tb *LTable) slot(key LValue) *LValue {
	if n, ok := key.(LNumber); ok {
		if i := tableArrayIndex(n); uint(i-1) < uint(len(tb.array)) {
			return &tb.array[i-1]
		}
	}
	if i := tb.keyNode(key); i >= 0 {
		return &tb.node[i].val
	}
	return tb.newKey(key)
}

// getFreePos is ltable.c getfreepos: the scan for a free node goes down
// from lastfree and never back up.
func (tb *LTable) getFreePos() int {
	for tb.lastfree > 0 {
		tb.lastfree--
		if tb.node[tb.lastfree].key == nil {
			return tb.lastfree
		}
	}
	return -1
}

// newKey is ltable.c newkey: key goes to its main position; when a node
// with a value is there, either that node is moved to a free node (it is
// not in its own main position) or key goes to the free node, chained
// after its main position. No free node: the table is rehashed.
func (tb *LTable) newKey(key LValue) *LValue {
	if tb.node == nil {
		tb.rehash(key)
		return tb.slot(key)
	}
	mp := tb.mainPosition(key)
	if tb.node[mp].val != LNil {
		f := tb.getFreePos()
		if f < 0 {
			tb.rehash(key)
			return tb.slot(key)
		}
		othern := tb.nodeMainPosition(mp)
		if othern != mp {
			for int(tb.node[othern].next) != mp {
				othern = int(tb.node[othern].next)
			}
			tb.node[othern].next = int32(f)
			tb.node[f] = tb.node[mp]
			tb.node[mp].next = -1
			tb.node[mp].val = LNil
		} else {
			tb.node[f].next = tb.node[mp].next
			tb.node[mp].next = int32(f)
			mp = f
		}
	}
	n := &tb.node[mp]
	n.key = key
	if s, ok := key.(LString); ok {
		n.shash = LuaStrHash(string(s))
	}
	return &n.val
}

// tableCountInt is ltable.c countint.
func tableCountInt(key LValue, nums *[tableMaxBits + 1]int) int {
	if n, ok := key.(LNumber); ok {
		if k := tableArrayIndex(n); k > 0 && k <= tableMaxASize {
			nums[bits.Len(uint(k-1))]++
			return 1
		}
	}
	return 0
}

// rehash is ltable.c rehash: the array part gets the largest power of two
// n such that more than n/2 of the integer keys 1..n are used (the new key
// counted), the hash part the other keys.
func (tb *LTable) rehash(ek LValue) {
	var nums [tableMaxBits + 1]int
	// numusearray
	nasize := 0
	i := 1
	for lg, ttlg := 0, 1; lg <= tableMaxBits; lg, ttlg = lg+1, ttlg*2 {
		lim := ttlg
		if lim > len(tb.array) {
			lim = len(tb.array)
			if i > lim {
				break
			}
		}
		lc := 0
		for ; i <= lim; i++ {
			if tb.array[i-1] != LNil {
				lc++
			}
		}
		nums[lg] += lc
		nasize += lc
	}
	totaluse := nasize
	// numusehash
	for j := len(tb.node) - 1; j >= 0; j-- {
		if n := &tb.node[j]; n.val != LNil {
			nasize += tableCountInt(n.key, &nums)
			totaluse++
		}
	}
	nasize += tableCountInt(ek, &nums)
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
	tb.resize(n, totaluse-na)
}

// resize is ltable.c resize: the array part grows or shrinks to nasize
// (the keys past it go to the hash part), a new hash part for nhsize keys,
// and the old nodes inserted again from the last to the first.
func (tb *LTable) resize(nasize, nhsize int) {
	oldasize := len(tb.array)
	oldnode := tb.node
	if nasize > oldasize {
		tb.setArrayVector(nasize)
	}
	tb.setNodeVector(nhsize)
	if nasize < oldasize {
		old := tb.array
		tb.array = old[:nasize]
		for i := nasize; i < oldasize; i++ {
			if v := old[i]; v != LNil {
				*tb.slot(LNumber(i + 1)) = v
			}
		}
		for i := nasize; i < oldasize; i++ {
			old[i] = nil
		}
	}
	for i := len(oldnode) - 1; i >= 0; i-- {
		if n := &oldnode[i]; n.val != LNil {
			*tb.slot(n.key) = n.val
		}
	}
}

// ResizeArray is luaH_resizearray (OP_SETLIST's presizing): the array part
// becomes nasize slots, the hash part rebuilt at its size.
func (tb *LTable) ResizeArray(nasize int) {
	tb.resize(nasize, len(tb.node))
}

// Len is luaH_getn: a border found by a binary search in the array part
// when its last slot is nil, else by unbound_search in the hash part. It
// never calls __len.
func (tb *LTable) Len() int {
	j := uint(len(tb.array))
	if j > 0 && tb.array[j-1] == LNil {
		i := uint(0)
		for j-i > 1 {
			m := (i + j) / 2
			if tb.array[m-1] == LNil {
				j = m
			} else {
				i = m
			}
		}
		return int(i)
	}
	if tb.node == nil {
		return int(j)
	}
	return tb.unboundSearch(j)
}

// unboundSearch is ltable.c unbound_search.
func (tb *LTable) unboundSearch(j uint) int {
	i := j
	j++
	for tb.RawGetInt(int(j)) != LNil {
		i = j
		j *= 2
		if j > math.MaxInt32 {
			i = 1
			for tb.RawGetInt(int(i)) != LNil {
				i++
			}
			return int(i - 1)
		}
	}
	for j-i > 1 {
		m := (i + j) / 2
		if tb.RawGetInt(int(m)) == LNil {
			j = m
		} else {
			i = m
		}
	}
	return int(i)
}

// Append sets t[#t+1] to a given LValue (nothing for nil).
func (tb *LTable) Append(value LValue) {
	if value == LNil {
		return
	}
	tb.RawSetInt(tb.Len()+1, value)
}

// Insert inserts a given LValue at position `i` in this table, shifting
// up the values from i to #t (ltablib.c tinsert).
func (tb *LTable) Insert(i int, value LValue) {
	e := tb.Len() + 1
	if i > e {
		e = i
	}
	for j := e; j > i; j-- {
		tb.RawSetInt(j, tb.RawGetInt(j-1))
	}
	tb.RawSetInt(i, value)
}

// MaxN returns the largest positive numeric key, 0 if there is none (Lua 5.1's
// ltablib.c maxn: every number key counts, fractional and huge ones too, so
// table.maxn({[1.5]=true}) is 1.5).
func (tb *LTable) MaxN() LNumber {
	var max LNumber
	tb.ForEach(func(k, _ LValue) {
		if n, ok := k.(LNumber); ok && n > max {
			max = n
		}
	})
	return max
}

// Remove removes from this table the element at a given position (-1: the
// last), shifting down the values after it (ltablib.c tremove).
func (tb *LTable) Remove(pos int) LValue {
	e := tb.Len()
	if pos == -1 {
		pos = e
	}
	if pos < 1 || pos > e {
		return LNil
	}
	oldval := tb.RawGetInt(pos)
	for ; pos < e; pos++ {
		tb.RawSetInt(pos, tb.RawGetInt(pos+1))
	}
	tb.RawSetInt(e, LNil)
	return oldval
}

// RawSet sets a given LValue to a given index without the __newindex
// metamethod (luaH_set: a key the table does not hold is added even when
// the value is nil). A nil or NaN key is ignored.
func (tb *LTable) RawSet(key LValue, value LValue) {
	switch k := key.(type) {
	case LNumber:
		if i := tableArrayIndex(k); uint(i-1) < uint(len(tb.array)) {
			tb.array[i-1] = value
			return
		}
		if k != k {
			return
		}
	case LString:
		tb.RawSetString(string(k), value)
		return
	case *LNilType:
		return
	case nil:
		return
	}
	if i := tb.keyNode(key); i >= 0 {
		tb.node[i].val = value
		return
	}
	*tb.newKey(key) = value
}

// RawSetInt sets a given LValue at a position `key` without the __newindex metamethod.
func (tb *LTable) RawSetInt(key int, value LValue) {
	if uint(key-1) < uint(len(tb.array)) {
		tb.array[key-1] = value
		return
	}
	tb.rawSetIntHash(key, value)
}

// rawSetIntHash is RawSetInt for a key outside the array part (apart, so
// that RawSetInt is inlined).
func (tb *LTable) rawSetIntHash(key int, value LValue) {
	k := LNumber(key)
	if i := tb.numNode(k); i >= 0 {
		tb.node[i].val = value
		return
	}
	*tb.newKey(k) = value
}

// RawSetString sets a given LValue to a given string index without the __newindex metamethod.
func (tb *LTable) RawSetString(key string, value LValue) {
	if i := tb.strNode(key); i >= 0 {
		tb.node[i].val = value
		return
	}
	*tb.newKey(LString(key)) = value
}

// RawSetH sets a given LValue to a given index without the __newindex metamethod.
func (tb *LTable) RawSetH(key LValue, value LValue) {
	tb.RawSet(key, value)
}

// RawGet returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGet(key LValue) LValue {
	switch k := key.(type) {
	case LNumber:
		if i := tableArrayIndex(k); uint(i-1) < uint(len(tb.array)) {
			return tb.array[i-1]
		}
		if i := tb.numNode(k); i >= 0 {
			return tb.node[i].val
		}
		return LNil
	case LString:
		if i := tb.strNode(string(k)); i >= 0 {
			return tb.node[i].val
		}
		return LNil
	case *LNilType:
		return LNil
	case nil:
		return LNil
	}
	if i := tb.keyNode(key); i >= 0 {
		return tb.node[i].val
	}
	return LNil
}

// RawGetInt returns an LValue at position `key` without __index metamethod.
func (tb *LTable) RawGetInt(key int) LValue {
	if uint(key-1) < uint(len(tb.array)) {
		return tb.array[key-1]
	}
	return tb.rawGetIntHash(key)
}

// rawGetIntHash is RawGetInt for a key outside the array part.
func (tb *LTable) rawGetIntHash(key int) LValue {
	if i := tb.numNode(LNumber(key)); i >= 0 {
		return tb.node[i].val
	}
	return LNil
}

// RawGetH returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGetH(key LValue) LValue {
	return tb.RawGet(key)
}

// RawGetString returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGetString(key string) LValue {
	if i := tb.strNode(key); i >= 0 {
		return tb.node[i].val
	}
	return LNil
}

// ForEach iterates over this table of elements, yielding each in turn to
// a given function, in next's order.
func (tb *LTable) ForEach(cb func(LValue, LValue)) {
	for i := 0; i < len(tb.array); i++ {
		if v := tb.array[i]; v != LNil {
			cb(LNumber(i+1), v)
		}
	}
	for i := 0; i < len(tb.node); i++ {
		if n := &tb.node[i]; n.val != LNil {
			cb(n.key, n.val)
		}
	}
}

// findIndex is ltable.c findindex: the traversal position of key (-1 for
// nil; array slots first, then nodes), ok false for a key the table does
// not hold (a dead key, one whose value was set to nil, still counts).
func (tb *LTable) findIndex(key LValue) (int, bool) {
	if key == LNil || key == nil {
		return -1, true
	}
	if n, ok := key.(LNumber); ok {
		if i := tableArrayIndex(n); uint(i-1) < uint(len(tb.array)) {
			return i - 1, true
		}
	}
	if i := tb.keyNode(key); i >= 0 {
		return i + len(tb.array), true
	}
	return 0, false
}

// This function is equivalent to lua_next ( http://www.lua.org/manual/5.1/manual.html#lua_next ).
// It returns LNil, LNil at the end of the traversal and for a key the
// table does not hold (NextKey tells the two apart).
func (tb *LTable) Next(key LValue) (LValue, LValue) {
	k, v, _ := tb.NextKey(key)
	return k, v
}

// NextKey is luaH_next: the pair after key, ok false when the table does
// not hold key (Lua 5.1: "invalid key to 'next'").
func (tb *LTable) NextKey(key LValue) (LValue, LValue, bool) {
	i, ok := tb.findIndex(key)
	if !ok {
		return LNil, LNil, false
	}
	for i++; i < len(tb.array); i++ {
		if v := tb.array[i]; v != LNil {
			return LNumber(i + 1), v, true
		}
	}
	for i -= len(tb.array); i < len(tb.node); i++ {
		if n := &tb.node[i]; n.val != LNil {
			return n.key, n.val, true
		}
	}
	return LNil, LNil, true
}

// ArraySize and NodeSize are the sizes of the array and hash parts (Lua's
// sizearray and sizenode; 0 nodes for Lua's dummynode).
func (tb *LTable) ArraySize() int { return len(tb.array) }
func (tb *LTable) NodeSize() int  { return len(tb.node) }
