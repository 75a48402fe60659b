package engine

// SORT and SORT_RO (Redis's sort.c): sort the elements of a list, set or sorted set
// numerically or lexicographically, by the elements themselves or by weights in
// other keys (BY pattern, with "->field" for hash fields), return them or values
// looked up through GET patterns, and optionally STORE the result as a list.
//
// The details follow Redis 7.0 exactly where they are observable:
//   - scores are parsed as C's strtod does (sortScore), and an element or weight
//     that is not a number fails the whole command after the sort;
//   - equal scores fall back to comparing the elements' bytes; ALPHA compares with
//     strcoll, which in the C and C.UTF-8 locales is strcmp: bytes up to the first
//     NUL; with STORE the comparison is binary on the whole strings;
//   - a plain sort is a stable merge sort (glibc's qsort), a BY sort with a LIMIT
//     that does not cover everything is Redis's partial quicksort (pqsort, ported
//     below), so even ties come out in Redis's order;
//   - "BY nosort" (a pattern without '*') keeps lists and sorted sets in their own
//     order (LIMIT reads just the range) and sets in iteration order, except with
//     STORE, where sets are sorted ALPHA so replicas store the same list;
//   - sorted sets are converted to the skiplist encoding first, as Redis does
//     (OBJECT ENCODING shows it);
//   - STORE writes a list created with quicklist defaults (fill -2, no compression)
//     whatever list-max-listpack-size says, as Redis's createQuicklistObject does.
//
// Where the result depends on hash-table order it can differ from Redis's, as it does
// between two Redis servers: SORT set BY nosort (without STORE) of a hashtable set,
// and ALPHA BY sorts of sets and sorted sets whose weights are equal or missing
// (Redis loads those elements in dict order; keygrid in its own set order and in
// score order). Redis 7.0 also does not clear errno before strtod, so once a score
// overflowed, its later SORTs refuse non-integer strings until some system call
// happens to change errno; keygrid judges each score on its own.

import (
	"bytes"
	"math"
	"math/big"
	"slices"
	"strconv"
	"sync"
)

var sortArgs = []Arg{
	{Name: "key", Type: "key", KeySpecIndex: 0},
	{Name: "pattern", Type: "pattern", KeySpecIndex: 1, Token: "BY", Optional: true},
	{Name: "offset_count", Type: "block", Token: "LIMIT", Optional: true, Args: []Arg{
		{Name: "offset", Type: "integer"},
		{Name: "count", Type: "integer"},
	}},
	{Name: "pattern", Type: "pattern", KeySpecIndex: 1, Token: "GET", Optional: true, Multiple: true, MultipleToken: true},
	{Name: "order", Type: "oneof", Optional: true, Args: []Arg{
		{Name: "asc", Type: "pure-token", Token: "ASC"},
		{Name: "desc", Type: "pure-token", Token: "DESC"},
	}},
	{Name: "sorting", Type: "pure-token", Token: "ALPHA", Optional: true},
}

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var sortCommands = []*Command{
	{Name: "sort", Arity: -2, Flags: FlagWrite | FlagDenyOOM, Cats: CatSet | CatSortedSet | CatList | CatDangerous, FirstKey: 1, LastKey: 1, Step: 1,
		Keys: sortGetKeys, KeyFlags: sortKeyFlags,
		KeySpecs: []KeySpec{
			{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0},
			{Notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", Flags: []string{"RO", "access"}, Unknown: true},
			{Notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array", Flags: []string{"OW", "update"}, Unknown: true},
		},
		Group: "generic", Since: "1.0.0", Complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
		Summary: "Sort the elements in a list, set or sorted set",
		Doc: &CmdDoc{Args: append(slices.Clip(sortArgs),
			Arg{Name: "destination", Type: "key", KeySpecIndex: 2, Token: "STORE", Optional: true})},
		Proc: sortCommand},
	{Name: "sort_ro", Arity: -2, Flags: FlagReadonly, Cats: CatSet | CatSortedSet | CatList | CatDangerous, FirstKey: 1, LastKey: 1, Step: 1,
		Keys: sortROGetKeys,
		KeySpecs: []KeySpec{
			{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0},
			{Notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", Flags: []string{"RO", "access"}, Unknown: true},
		},
		Group: "generic", Since: "7.0.0", Complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
		Summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
		Doc:     &CmdDoc{Args: sortArgs},
		Proc:    sortROCommand},
}

// sortGetKeys is Redis's sortGetKeys: the sorted key, and the destination of the
// last STORE. Options are skipped with their arguments; the scan is Redis's, quirks
// included (a STORE is recognised wherever an option name may stand).
func sortGetKeys(argv [][]byte) []int {
	keys := []int{1}
	store := 0
	skips := []struct {
		name string
		skip int
	}{{"limit", 2}, {"get", 1}, {"by", 1}}
	for i := 2; i < len(argv); i++ {
		for _, sk := range skips {
			if eqFold(argv[i], sk.name) {
				i += sk.skip
				break
			} else if eqFold(argv[i], "store") && i+1 < len(argv) {
				store = i + 1
				break
			}
		}
	}
	if store > 0 {
		keys = append(keys, store)
	}
	return keys
}

// sortKeyFlags gives the sorted key RO/access and the STORE destination OW/update.
func sortKeyFlags(argv [][]byte, pos int) []string {
	if pos == 1 {
		return []string{"RO", "access"}
	}
	return []string{"OW", "update"}
}

// sortROGetKeys: SORT_RO's only key is the one it sorts.
func sortROGetKeys(argv [][]byte) []int { return []int{1} }

// sortItem is one element to sort (Redis's redisSortObject).
type sortItem struct {
	obj   []byte
	score float64
	// cmp is the BY value for ALPHA sorts; hasCmp is false when the BY key or field
	// does not exist (such elements sort first).
	cmp    []byte
	hasCmp bool
}

// sortOrder is the comparison of one SORT call (Redis keeps it in globals for
// qsort's sake).
type sortOrder struct {
	desc, alpha, byPattern, store bool
}

func (o *sortOrder) compare(a, b *sortItem) int {
	var cmp int
	switch {
	case !o.alpha:
		switch {
		case a.score > b.score:
			cmp = 1
		case a.score < b.score:
			cmp = -1
		default:
			// Equal scores: compare the elements, so the result is deterministic.
			cmp = bytes.Compare(a.obj, b.obj)
		}
	case o.byPattern:
		switch {
		case !a.hasCmp || !b.hasCmp:
			if a.hasCmp == b.hasCmp {
				cmp = 0
			} else if !a.hasCmp {
				cmp = -1
			} else {
				cmp = 1
			}
		case o.store:
			cmp = bytes.Compare(a.cmp, b.cmp)
		default:
			cmp = bytes.Compare(cString(a.cmp), cString(b.cmp))
		}
	case o.store:
		cmp = bytes.Compare(a.obj, b.obj)
	default:
		cmp = bytes.Compare(cString(a.obj), cString(b.obj))
	}
	if o.desc {
		return -cmp
	}
	return cmp
}

// sortScratch holds one SORT call's working memory. It is pooled, so a SORT of a
// small collection allocates next to nothing.
type sortScratch struct {
	arena []byte     // the elements' bytes, one after the other
	offs  []int      // where each element starts in arena, and the end
	items []sortItem // the elements, with their scores or BY values
	perm  []int32    // the sorted order, as indexes into items
	key   []byte     // scratch for key names built from patterns
	num   [20]byte   // scratch for integers formatted as strings
	ord   sortOrder
}

var sortScratchPool = sync.Pool{New: func() any { return new(sortScratch) }}

func (sc *sortScratch) push(b []byte) {
	sc.offs = append(sc.offs, len(sc.arena))
	sc.arena = append(sc.arena, b...)
}

// cmp compares items a and b.
func (sc *sortScratch) cmp(a, b int32) int { return sc.ord.compare(&sc.items[a], &sc.items[b]) }

// release drops the references to values and returns sc to the pool, unless a big
// SORT grew it (such buffers are left to the garbage collector).
func (sc *sortScratch) release() {
	clear(sc.items)
	if cap(sc.arena) > 64<<10 || cap(sc.items) > 4096 {
		return
	}
	sc.arena, sc.offs, sc.items, sc.perm = sc.arena[:0], sc.offs[:0], sc.items[:0], sc.perm[:0]
	sortScratchPool.Put(sc)
}

// cString is b as a C function sees it: up to the first NUL byte.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE destination]
func sortCommand(c *Client) { c.sortGeneric(false) }

// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]
func sortROCommand(c *Client) { c.sortGeneric(true) }

// sortGeneric is Redis's sortCommandGeneric.
func (c *Client) sortGeneric(readonly bool) {
	argv := c.argv
	var (
		desc, alpha, dontsort bool
		limitStart            int64
		limitCount            int64 = -1
		sortBy, storeKey      []byte
		getPatterns           [][]byte
	)
	// BY and GET patterns read keys no ACL rule checks one by one: they need a
	// selector that allows SORT and reads every key (Redis's user_has_full_key_access).
	fullKeyAccess := c.aclUser == nil || !c.aclUser.restricted || c.cmd == nil ||
		c.aclUser.checkCmdUnrestrictedKeys(c.cmd, argv, aclRead)
	// The SQL-like options, in any order; later ones override earlier ones.
	for j := 2; j < len(argv); j++ {
		left := len(argv) - j - 1
		a := argv[j]
		switch {
		case eqFold(a, "asc"):
			desc = false
		case eqFold(a, "desc"):
			desc = true
		case eqFold(a, "alpha"):
			alpha = true
		case eqFold(a, "limit") && left >= 2:
			var ok bool
			if limitStart, ok = parseInt(argv[j+1]); !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			if limitCount, ok = parseInt(argv[j+2]); !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			j += 2
		case !readonly && eqFold(a, "store") && left >= 1:
			storeKey = argv[j+1]
			j++
		case eqFold(a, "by") && left >= 1:
			sortBy = argv[j+1]
			// A pattern without '*' names one fixed key: nothing to sort by.
			// (Once set, dontsort stays set even if a later BY has a '*', as in Redis.)
			if bytes.IndexByte(cString(sortBy), '*') < 0 {
				dontsort = true
			} else {
				// Weights in other keys cannot be found on other nodes.
				if c.srv.cfg.ClusterEnabled {
					c.ReplyError("ERR BY option of SORT denied in Cluster mode.")
					return
				}
				if !fullKeyAccess {
					c.ReplyError("ERR BY option of SORT denied due to insufficient ACL permissions.")
					return
				}
			}
			j++
		case eqFold(a, "get") && left >= 1:
			if c.srv.cfg.ClusterEnabled {
				c.ReplyError("ERR GET option of SORT denied in Cluster mode.")
				return
			}
			if !fullKeyAccess {
				c.ReplyError("ERR GET option of SORT denied due to insufficient ACL permissions.")
				return
			}
			getPatterns = append(getPatterns, argv[j+1])
			j++
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}

	// The key to sort: a list, a set or a sorted set; a missing key is an empty list.
	e := c.db.LookupRead(argv[1])
	typ := uint32(TypeList)
	if e != nil {
		typ = metaType(e.Meta)
		if typ != TypeSet && typ != TypeList && typ != TypeZSet {
			c.ReplyError(ErrWrongType)
			return
		}
	}

	// A set has no order of its own: when its elements are stored or a script
	// sorts, they are sorted ALPHA so that replicas and the AOF get the same list.
	if dontsort && typ == TypeSet && (storeKey != nil || c.isScript()) {
		dontsort = false
		alpha = true
		sortBy = nil
	}

	var zs *zsetObj
	// staleRange is the ERANGE that the conversion below leaves in Redis's errno:
	// its strtod of a subnormal score sets it, and the numeric sort, which tests
	// errno without clearing it, then refuses every element it converts.
	staleRange := false
	if typ == TypeZSet {
		// Redis converts a listpack sorted set to a skiplist first, for good (even
		// for SORT_RO): OBJECT ENCODING shows it.
		if zs = zsetOf(e); zs.sl == nil {
			staleRange = zs.lpScoreUnderflows()
			zs.convertToSkiplist()
			zsetSyncEnc(e, zs)
			c.srv.noteEntry(c.db, e) // a read command: account the new size
		}
	}

	vectorLen := int64(0)
	if e != nil {
		switch typ {
		case TypeList:
			vectorLen = int64(listOf(e).Len())
		case TypeSet:
			vectorLen = int64(setOf(e).size())
		case TypeZSet:
			vectorLen = int64(zs.length())
		}
	}

	// LIMIT sanity: clamp to the object's size, as Redis does.
	start := min(max(limitStart, 0), vectorLen)
	limitCount = min(max(limitCount, -1), vectorLen)
	end := vectorLen - 1
	if limitCount >= 0 {
		end = start + limitCount - 1
	}
	if start >= vectorLen {
		start = vectorLen - 1
		end = vectorLen - 2
	}
	if end >= vectorLen {
		end = vectorLen - 1
	}

	// Lists and sorted sets keep their own order when nothing is sorted: then only
	// the LIMIT range is loaded.
	if (typ == TypeZSet || typ == TypeList) && dontsort && (start != 0 || end != vectorLen-1) {
		vectorLen = end - start + 1
	}

	// Load the elements. Their bytes go to one arena; slices are taken at the end,
	// once the arena stops moving.
	sc := sortScratchPool.Get().(*sortScratch)
	defer sc.release()
	push := sc.push
	numBuf := &sc.num
	switch {
	case e == nil:
	case typ == TypeList && dontsort:
		if end >= start {
			l := listOf(e)
			idx, reverse := int(start), false
			if desc {
				idx, reverse = l.Len()-int(start)-1, true
			}
			it := l.Iter(idx, reverse)
			for n := int64(0); n < vectorLen; n++ {
				el, ok := it.Next()
				if !ok {
					break
				}
				push(entryBytes(el, numBuf[:]))
			}
			// The output loop below does not know about the range already applied.
			end -= start
			start = 0
		}
	case typ == TypeList:
		it := listOf(e).Iter(0, false)
		for el, ok := it.Next(); ok; el, ok = it.Next() {
			push(entryBytes(el, numBuf[:]))
		}
	case typ == TypeSet:
		setOf(e).each(func(el setElem) bool {
			push(el.bytes(numBuf))
			return true
		})
	case typ == TypeZSet && dontsort:
		// In score order from rank start (from the highest score when DESC).
		if vectorLen > 0 {
			p := zs.byRank(int(start))
			if desc {
				p = zs.byRank(zs.length() - 1 - int(start))
			}
			for n := int64(0); n < vectorLen && p >= 0; n++ {
				push(zs.memberAt(p, numBuf))
				p = zs.step(p, desc)
			}
		}
		end -= start
		start = 0
	case typ == TypeZSet:
		// Redis walks its member dict here; the order only shows for elements that
		// compare equal (ALPHA BY with equal or missing weights): see the file comment.
		for p := zs.first(); p >= 0; p = zs.next(p) {
			push(zs.memberAt(p, numBuf))
		}
	}
	sc.offs = append(sc.offs, len(sc.arena))
	items := slices.Grow(sc.items[:0], len(sc.offs)-1)[:len(sc.offs)-1]
	for i := range items {
		items[i] = sortItem{obj: sc.arena[sc.offs[i]:sc.offs[i+1]:sc.offs[i+1]]}
	}
	sc.items = items
	if end >= start && end >= int64(len(items)) {
		// Never: the value held fewer elements than it said (Redis asserts).
		end = max(int64(len(items))-1, start-1)
	}

	// Load the scores (or BY values) and sort.
	conversionError := false
	var order []int32 // the sorted order of items, when sorted
	if !dontsort {
		for i := range items {
			it := &items[i]
			byval := it.obj
			if sortBy != nil {
				v, ok := c.sortLookup(sortBy, it.obj, &sc.key)
				if !ok {
					continue // no weight: score 0, or "missing" for ALPHA
				}
				byval = v
			}
			if alpha {
				if sortBy != nil {
					it.cmp, it.hasCmp = byval, true
				}
				continue
			}
			score, ok := sortScore(byval)
			it.score = score
			if !ok {
				conversionError = true
			}
			if staleRange {
				// Redis checks errno only for values held as strings: a weight
				// that is an integer-encoded string is cast instead.
				if _, isInt := parseInt(byval); sortBy == nil || !isInt {
					conversionError = true
				}
			}
		}
		sc.ord = sortOrder{desc: desc, alpha: alpha, byPattern: sortBy != nil, store: storeKey != nil}
		// Sort a permutation rather than the items themselves: swapping 4-byte
		// indexes is cheaper than moving items that hold pointers.
		perm := slices.Grow(sc.perm[:0], len(items))[:len(items)]
		for i := range perm {
			perm[i] = int32(i)
		}
		sc.perm = perm
		if sortBy != nil && (start != 0 || end != int64(len(items))-1) {
			pqsort(perm, sc, int(start), int(end))
		} else {
			// glibc's qsort is a stable merge sort: equal items keep their order.
			// Breaking ties by original position gives that result from any sort.
			slices.SortFunc(perm, func(a, b int32) int {
				if c := sc.cmp(a, b); c != 0 {
					return c
				}
				return int(a - b)
			})
		}
		order = perm
	}
	// obj is the j-th element of the result.
	obj := func(j int64) []byte {
		if order != nil {
			return items[order[j]].obj
		}
		return items[j].obj
	}

	// Reply, or store the result as a list.
	n := end - start + 1
	outputLen := n
	if len(getPatterns) > 0 {
		outputLen = int64(len(getPatterns)) * n
	}
	if conversionError {
		c.ReplyError("ERR One or more scores can't be converted into double")
		return
	}
	if storeKey == nil {
		c.ReplyArray(int(outputLen))
		for j := start; j <= end; j++ {
			obj := obj(j)
			if len(getPatterns) == 0 {
				c.ReplyBulk(obj)
			}
			for _, pat := range getPatterns {
				if v, ok := c.sortLookup(pat, obj, &sc.key); ok {
					c.ReplyBulk(v)
				} else {
					c.ReplyNull()
				}
			}
		}
		return
	}
	// Redis builds the list with createQuicklistObject, whose options are the
	// quicklist defaults, not list-max-listpack-size / list-compress-depth.
	l := new(listValue)
	l.Init(-2, 0)
	for j := start; j <= end; j++ {
		obj := obj(j)
		if len(getPatterns) == 0 {
			l.PushTail(obj)
		}
		for _, pat := range getPatterns {
			v, ok := c.sortLookup(pat, obj, &sc.key)
			if !ok {
				v = nil // a missing value is stored as an empty string
			}
			l.PushTail(v)
		}
	}
	s, db := c.srv, c.db
	if outputLen > 0 {
		c.sortStore(storeKey, l)
		s.notifyKeyspace(NotifyList, "sortstore", storeKey, db.id)
		s.dirty += outputLen
	} else if db.Delete(storeKey) {
		s.signalModified(db, storeKey)
		s.notifyKeyspace(NotifyGeneric, "del", storeKey, db.id)
		s.dirty++
	}
	c.ReplyInt(outputLen)
}

// sortStore stores l at key as Redis's setKey does: whatever the key held is
// replaced, and its TTL goes.
func (c *Client) sortStore(key []byte, l *listValue) {
	db := c.db
	e := db.LookupWrite(key)
	if e == nil {
		e = db.Add(key, TypeList, EncQuicklist)
	} else {
		c.srv.signalOverwrite(db, key, e)
		e.ClearVal()
		if e.Expire != 0 {
			db.SetExpire(key, 0)
		}
		e.Meta = makeMeta(TypeList, EncQuicklist, metaLRU(e.Meta))
	}
	e.Obj = l
	c.srv.signalModified(db, key)
}

// sortLookup is Redis's lookupKeyByPattern: "#" is the element itself; otherwise the
// first '*' of the pattern is replaced by the element to name a key, whose string
// value is returned, or, when the pattern ends in "->field", the field of the hash
// at that key. A missing key or field, a key of another type or a pattern without
// '*' give ok=false. As in Redis, the pattern is read as a C string when searching
// for '#', '*' and "->" (up to a NUL byte) but used whole when building the key.
// buf is scratch for the key name. The value is valid until the keyspace changes.
func (c *Client) sortLookup(pattern, subst []byte, buf *[]byte) ([]byte, bool) {
	if len(pattern) > 0 && pattern[0] == '#' && (len(pattern) == 1 || pattern[1] == 0) {
		return subst, true
	}
	cpat := cString(pattern)
	star := bytes.IndexByte(cpat, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	hasField := false
	if f := bytes.Index(cpat[star+1:], []byte("->")); f >= 0 {
		f += star + 1
		if f+2 < len(cpat) {
			field, hasField = pattern[f+2:], true
		}
	}
	postfix := pattern[star+1:]
	if hasField {
		postfix = postfix[:len(postfix)-len(field)-2]
	}
	key := append(append(append((*buf)[:0], pattern[:star]...), subst...), postfix...)
	*buf = key
	e := c.db.LookupRead(key)
	if e == nil {
		return nil, false
	}
	if hasField {
		if metaType(e.Meta) != TypeHash {
			return nil, false
		}
		v, ok := hashGet(e, field)
		if !ok {
			return nil, false
		}
		if v.IsInt {
			return strconv.AppendInt(nil, v.Int, 10), true
		}
		return v.Str, true
	}
	if metaType(e.Meta) != TypeString {
		return nil, false
	}
	return stringValue(e), true
}

// --- scores ------------------------------------------------------------------------

// sortScore converts an element or weight to a double as SORT does: C's strtod on
// the string up to its first NUL, which must be consumed whole (leading white space
// is allowed, trailing is not), without overflow or underflow (ERANGE) and not NaN.
// The empty string is 0. Infinities, hexadecimal floats ("0x1.8p3", "0x10") and
// "1e5" forms are numbers, as for strtod.
func sortScore(b []byte) (float64, bool) {
	if n, ok := parseInt(b); ok {
		// The common case; Redis casts integer-encoded values, and strtod rounds
		// the same way.
		return float64(n), true
	}
	s := cString(b)
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	if i == len(s) {
		// No number at all: strtod consumes nothing, so only "" (nothing left to
		// see either) is accepted.
		return 0, i == 0
	}
	neg := false
	if s[i] == '+' || s[i] == '-' {
		neg = s[i] == '-'
		i++
	}
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "nan"):
		return math.NaN(), false
	case hasPrefixFold(rest, "inf"):
		if !eqFoldBytes(rest, "inf") && !eqFoldBytes(rest, "infinity") {
			return 0, false
		}
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	hex := len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') && (isHexDigit(rest[2]) ||
		rest[2] == '.' && len(rest) > 3 && isHexDigit(rest[3]))
	if hex {
		rest = rest[2:]
	}
	// Mantissa: digits with an optional point, at least one digit.
	digit := isDecDigit
	if hex {
		digit = isHexDigit
	}
	k, nonzero, ndig := 0, false, 0
	for ; k < len(rest) && digit(rest[k]); k++ {
		nonzero = nonzero || rest[k] != '0'
		ndig++
	}
	if k < len(rest) && rest[k] == '.' {
		k++
		for ; k < len(rest) && digit(rest[k]); k++ {
			nonzero = nonzero || rest[k] != '0'
			ndig++
		}
	}
	if ndig == 0 {
		return 0, false
	}
	mant := rest[:k]
	// Exponent: taken only when digits follow the marker (and its sign).
	exp := []byte(nil)
	if k < len(rest) && (!hex && (rest[k] == 'e' || rest[k] == 'E') || hex && (rest[k] == 'p' || rest[k] == 'P')) {
		m := k + 1
		if m < len(rest) && (rest[m] == '+' || rest[m] == '-') {
			m++
		}
		if m < len(rest) && isDecDigit(rest[m]) {
			for m < len(rest) && isDecDigit(rest[m]) {
				m++
			}
			exp = rest[k+1 : m]
			k = m
		}
	}
	if k != len(rest) {
		return 0, false // trailing characters
	}
	// Let strconv round, in Go's syntax (a hex float needs its 'p' exponent).
	num := make([]byte, 0, len(mant)+len(exp)+8)
	if hex {
		num = append(num, "0x"...)
	}
	num = append(num, mant...)
	if hex {
		num = append(num, 'p')
		if exp == nil {
			num = append(num, '0')
		}
	} else if exp != nil {
		num = append(num, 'e')
	}
	num = append(num, exp...)
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil {
		return f, false // overflow: ±Inf with ERANGE
	}
	if nonzero && math.Abs(f) <= 0x1p-1022 && underflows(string(num), f) {
		return f, false
	}
	if neg {
		f = -f
	}
	return f, true
}

// underflows reports whether glibc's strtod sets ERANGE for a non-zero number whose
// double is f (tiny: at most the smallest normal): when the result is tiny after
// rounding to 53 bits with an unbounded exponent, and inexact.
func underflows(num string, f float64) bool {
	if f == 0 {
		return true // a non-zero number that rounds to zero
	}
	x, _, err := big.ParseFloat(num, 0, 4096, big.ToNearestEven)
	if err != nil {
		return true
	}
	exact := x.Acc() == big.Exact
	if _, acc := x.Float64(); acc != big.Exact {
		exact = false
	}
	if exact {
		return false
	}
	r := new(big.Float).SetPrec(53).SetMode(big.ToNearestEven).Set(x)
	return r.Cmp(big.NewFloat(0x1p-1022)) < 0
}

func isDecDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// hasPrefixFold reports whether b starts with lower, ASCII case-insensitively.
func hasPrefixFold(b []byte, lower string) bool {
	return len(b) >= len(lower) && eqFold(b[:len(lower)], lower)
}

func eqFoldBytes(b []byte, lower string) bool { return len(b) == len(lower) && eqFold(b, lower) }

// --- Redis's partial quicksort (pqsort.c) --------------------------------------------

// pqsort sorts enough of v for elements lrange..rrange to be in place (and sorted),
// exactly as Redis's pqsort does (Bentley & McIlroy's quicksort, skipping the
// partitions outside the range), so ties end in Redis's order. v holds indexes of
// the items of sc.
func pqsort(v []int32, sc *sortScratch, lrange, rrange int) {
	// Redis compares byte addresses; with elements of es bytes the range is the
	// bytes from the first byte of element lrange to the last of element rrange.
	const es = 16
	p := pqsorter{v: v, sc: sc, lr: lrange * es, rr: (rrange+1)*es - 1}
	p.sort(0, len(v))
}

type pqsorter struct {
	v      []int32
	sc     *sortScratch
	lr, rr int
}

func (p *pqsorter) c(i, j int) int { return p.sc.cmp(p.v[i], p.v[j]) }
func (p *pqsorter) swap(i, j int)  { p.v[i], p.v[j] = p.v[j], p.v[i] }

// vecswap swaps n elements from i with n from j, pair by pair.
func (p *pqsorter) vecswap(i, j, n int) {
	for ; n > 0; n-- {
		p.swap(i, j)
		i++
		j++
	}
}

func (p *pqsorter) med3(a, b, c int) int {
	if p.c(a, b) < 0 {
		if p.c(b, c) < 0 {
			return b
		}
		if p.c(a, c) < 0 {
			return c
		}
		return a
	}
	if p.c(b, c) > 0 {
		return b
	}
	if p.c(a, c) < 0 {
		return a
	}
	return c
}

// inRange reports whether elements [a, a+n) overlap the range to sort.
func (p *pqsorter) inRange(a, n int) bool {
	const es = 16
	l, r := a*es, (a+n)*es-1
	return !(p.lr < l && p.rr < l || p.lr > r && p.rr > r)
}

func (p *pqsorter) sort(a, n int) {
	for {
		if n < 7 {
			for pm := a + 1; pm < a+n; pm++ {
				for pl := pm; pl > a && p.c(pl-1, pl) > 0; pl-- {
					p.swap(pl, pl-1)
				}
			}
			return
		}
		pm := a + n/2
		if n > 7 {
			pl, pn := a, a+n-1
			if n > 40 {
				d := n / 8
				pl = p.med3(pl, pl+d, pl+2*d)
				pm = p.med3(pm-d, pm, pm+d)
				pn = p.med3(pn-2*d, pn-d, pn)
			}
			pm = p.med3(pl, pm, pn)
		}
		p.swap(a, pm)
		pa, pb := a+1, a+1
		pc, pd := a+n-1, a+n-1
		for {
			for pb <= pc {
				r := p.c(pb, a)
				if r > 0 {
					break
				}
				if r == 0 {
					p.swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := p.c(pc, a)
				if r < 0 {
					break
				}
				if r == 0 {
					p.swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			p.swap(pb, pc)
			pb++
			pc--
		}
		pn := a + n
		r := min(pa-a, pb-pa)
		p.vecswap(a, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		p.vecswap(pb, pn-r, r)
		if r = pb - pa; r > 1 && p.inRange(a, r) {
			p.sort(a, r)
		}
		r = pd - pc
		if r <= 1 {
			return
		}
		// Iterate rather than recurse on the right part.
		a, n = pn-r, r
		if !p.inRange(a, n) {
			return
		}
	}
}

// lpScoreUnderflows reports whether reading the scores of a listpack sorted set
// sets ERANGE in Redis (zzlGetScore's strtod of a score written as text, such as a
// subnormal one: "4.9406564584124654e-324").
func (z *zsetObj) lpScoreUnderflows() bool {
	for p := z.lp.First(); p >= 0; p = z.lp.Next(z.lp.Next(p)) {
		e := z.lp.Get(z.lp.Next(p))
		if e.IsInt {
			continue
		}
		if _, ok := sortScore(e.Str); !ok {
			return true
		}
	}
	return false
}
