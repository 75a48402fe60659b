package engine

// The sorted set value (Redis's t_zset.c object layer): a *zsetObj in Entry.Obj, in
// one of Redis 7.0's two encodings, which OBJECT ENCODING reports:
//
//   - listpack: member, score, member, score, ... sorted by (score, member bytes),
//     byte for byte Redis's (members that are canonical integers and integral scores
//     are integer entries; other scores are their "%.17g" text), while the set has at
//     most zset-max-listpack-entries members of at most zset-max-listpack-value bytes;
//   - skiplist: an engine/skiplist List (the zskiplist and its member index).
//
// Conversions happen where Redis makes them: ZADD creates a listpack unless the
// limits are 0 or the first member is too long, a listpack converts on the insert
// that would pass a limit and never converts back, and the results of ZUNIONSTORE,
// ZINTERSTORE, ZDIFFSTORE, ZRANGESTORE and GEO*STORE are created with the encoding
// their size calls for (zsetConvertToListpackIfNeeded, zrangeResultBeginStore).
//
// Positions (zpos) let one loop walk either encoding: a listpack byte offset of a
// member entry, or a skiplist node; -1 is "none". They are valid until the set is
// next modified.

import (
	"bytes"
	"errors"
	"math"
	"strconv"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/engine/skiplist"
)

// zsetObj is a sorted set. Exactly one of lp and sl is in use, as enc says.
type zsetObj struct {
	lp listpack.Listpack // EncListpack
	sl *skiplist.List    // EncSkiplist
}

// zpos is a position in a zset; -1 is none.
type zpos int

// zsetLimits are zset-max-listpack-entries and zset-max-listpack-value.
type zsetLimits struct{ entries, value int }

func (s *Server) zsetLimits() zsetLimits {
	return zsetLimits{
		entries: int(min(s.cfg.ZsetMaxListpackEntries, math.MaxInt32)),
		value:   int(min(s.cfg.ZsetMaxListpackValue, math.MaxInt32)),
	}
}

// newZsetFor is the set ZADD creates for a first member of firstLen bytes (Redis
// 7.0's zaddGenericCommand: a skiplist when listpacks are disabled or the member is
// too long for one).
func newZsetFor(firstLen int, lim zsetLimits) *zsetObj {
	if lim.entries == 0 || lim.value < firstLen {
		return &zsetObj{sl: skiplist.New()}
	}
	return &zsetObj{lp: listpack.New()}
}

// newZsetSized is the set Redis's zrangeResultBeginStore creates for a result of
// length members (-1: unknown).
func newZsetSized(length int, lim zsetLimits) *zsetObj {
	if length > lim.entries {
		return &zsetObj{sl: skiplist.New()}
	}
	return &zsetObj{lp: listpack.New()}
}

func (z *zsetObj) enc() uint32 {
	if z.sl != nil {
		return EncSkiplist
	}
	return EncListpack
}

// length is the number of members (Redis's zsetLength).
func (z *zsetObj) length() int {
	if z.sl != nil {
		return z.sl.Len()
	}
	return z.lp.Len() / 2
}

// --- scores -----------------------------------------------------------------------------

// zstrtod parses the longest prefix of s that C's strtod accepts (glibc: leading
// white space, a sign, decimal or hexadecimal digits with an optional point and
// exponent, "inf", "infinity", "nan", "nan(...)"; case-insensitive). It returns the
// value, the bytes used (0 when no number starts s) and whether the value overflowed
// to ±Inf or underflowed to 0 (errno ERANGE in the cases Redis's string2d rejects).
func zstrtod(s []byte) (v float64, n int, erange bool) {
	i := 0
	for i < len(s) && zisSpace(s[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := s[i:]
	if zhasFoldPrefix(rest, "inf") {
		k := 3
		if zhasFoldPrefix(rest, "infinity") {
			k = 8
		}
		return sign(math.Inf(1)), i + k, false
	}
	if zhasFoldPrefix(rest, "nan") {
		k := 3
		if k < len(rest) && rest[k] == '(' {
			j := k + 1
			for j < len(rest) && (zisAlnum(rest[j]) || rest[j] == '_') {
				j++
			}
			if j < len(rest) && rest[j] == ')' {
				k = j + 1
			}
		}
		return math.NaN(), i + k, false
	}
	// Hexadecimal: 0x, then hex digits with an optional point, then an optional
	// binary exponent.
	if len(rest) >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		j, digits, nonzero := 2, 0, false
		for j < len(rest) && zisHex(rest[j]) {
			nonzero = nonzero || rest[j] != '0'
			j++
			digits++
		}
		if j < len(rest) && rest[j] == '.' {
			j++
			for j < len(rest) && zisHex(rest[j]) {
				nonzero = nonzero || rest[j] != '0'
				j++
				digits++
			}
		}
		if digits > 0 {
			mant := rest[:j]
			if j < len(rest) && (rest[j] == 'p' || rest[j] == 'P') {
				if e := zscanExp(rest[j+1:]); e > 0 {
					j += 1 + e
				}
			}
			buf := make([]byte, 0, j+3)
			if neg {
				buf = append(buf, '-')
			}
			buf = append(buf, rest[:j]...)
			if len(mant) == j {
				buf = append(buf, 'p', '0')
			}
			f, err := strconv.ParseFloat(string(buf), 64)
			return f, i + j, zrange(f, err, nonzero)
		}
		// "0x" without digits: the number is the "0".
		return sign(0), i + 1, false
	}
	j, digits, nonzero := 0, 0, false
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		nonzero = nonzero || rest[j] != '0'
		j++
		digits++
	}
	if j < len(rest) && rest[j] == '.' {
		j++
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			nonzero = nonzero || rest[j] != '0'
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	if j < len(rest) && (rest[j] == 'e' || rest[j] == 'E') {
		if e := zscanExp(rest[j+1:]); e > 0 {
			j += 1 + e
		}
	}
	f, err := strconv.ParseFloat(string(s[start:i+j]), 64)
	return f, i + j, zrange(f, err, nonzero)
}

// zrange reports the ERANGE cases string2d rejects: overflow to ±Inf, or a non-zero
// number that rounds to 0.
func zrange(f float64, err error, nonzero bool) bool {
	return err != nil && math.IsInf(f, 0) || f == 0 && nonzero
}

// zscanExp returns the length of an exponent's [sign] digits at the start of s, or 0.
func zscanExp(s []byte) int {
	j := 0
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	d := j
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == d {
		return 0
	}
	return j
}

func zisSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
func zisHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
func zisAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func zhasFoldPrefix(s []byte, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// zparseDouble is Redis's getDoubleFromObject (string2d): the whole argument must be
// a number, without leading space, not NaN, not out of range.
func zparseDouble(b []byte) (float64, bool) {
	if len(b) == 0 || zisSpace(b[0]) {
		return 0, false
	}
	// Fast path: short plain integers, the common score.
	if len(b) <= 15 {
		if n, ok := parseInt(b); ok {
			return float64(n), true
		}
	}
	f, n, erange := zstrtod(b)
	if n != len(b) || erange || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// zlpScore converts a listpack score entry (Redis's zzlGetScore: strtod of at most
// 127 bytes, whatever follows the number ignored).
func zlpScore(e listpack.Entry) float64 {
	if e.IsInt {
		return float64(e.Int)
	}
	s := e.Str
	if len(s) > 127 {
		s = s[:127]
	}
	if zplainNumber(s) {
		// The common case, text written with %.17g: strconv rounds as strtod does,
		// overflow and underflow included.
		if f, err := strconv.ParseFloat(string(s), 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return f
		}
	}
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	f, _, _ := zstrtod(s)
	return f
}

// zplainNumber reports whether s has only the characters of decimal float text, for
// which strconv.ParseFloat and strtod agree whenever ParseFloat accepts the text.
func zplainNumber(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

// zscoreBytes appends the listpack form of a score (Redis's zzlInsertAt: an integer
// when double2ll says it is one, else d2string's text).
func zscoreBytes(b []byte, f float64) []byte {
	if ll, ok := zdouble2ll(f); ok {
		return strconv.AppendInt(b, ll, 10)
	}
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return resp.AppendG17(b, f)
}

// zdouble2ll is Redis's double2ll: f as an integer when it is one within ±2^62.
func zdouble2ll(f float64) (int64, bool) {
	if f < -float64(math.MaxInt64/2) || f > float64(math.MaxInt64/2) {
		return 0, false
	}
	ll := int64(f)
	if float64(ll) == f {
		return ll, true
	}
	return 0, false
}

// --- member lookups ---------------------------------------------------------------------

// lpFind returns the position of member in the listpack and its score (Redis's
// zzlFind).
func (z *zsetObj) lpFind(member []byte) (zpos, float64) {
	p := z.lp.Find(z.lp.First(), member, 1)
	if p < 0 {
		return -1, 0
	}
	return zpos(p), zlpScore(z.lp.Get(z.lp.Next(p)))
}

// score returns member's score (Redis's zsetScore).
func (z *zsetObj) score(member []byte) (float64, bool) {
	if z.sl != nil {
		n, ok := z.sl.Find(member)
		if !ok {
			return 0, false
		}
		return z.sl.Score(n), true
	}
	p, s := z.lpFind(member)
	return s, p >= 0
}

// lpInsert inserts (member, score) in order (Redis's zzlInsert).
func (z *zsetObj) lpInsert(member []byte, score float64) {
	var sb [32]byte
	sbytes := zscoreBytes(sb[:0], score)
	lp := z.lp
	var nb [20]byte
	for p := lp.First(); p >= 0; {
		sp := lp.Next(p)
		s := zlpScore(lp.Get(sp))
		if s > score || s == score && bytes.Compare(zlpMember(lp.Get(p), &nb), member) > 0 {
			q := z.lp.InsertBefore(p, member)
			z.lp.InsertAfter(q, sbytes)
			return
		}
		p = lp.Next(sp)
	}
	z.lp.Append(member)
	z.lp.Append(sbytes)
}

// zlpMember returns a listpack entry's bytes, formatting an integer into buf.
func zlpMember(e listpack.Entry, buf *[20]byte) []byte {
	if e.IsInt {
		return strconv.AppendInt(buf[:0], e.Int, 10)
	}
	return e.Str
}

// lpDelete removes the pair at p.
func (z *zsetObj) lpDelete(p zpos) { z.lp.Delete(int(p), 2) }

// zadd flags (Redis's ZADD_IN_* and ZADD_OUT_*).
type zaddFlags uint8

const (
	zaddIncr zaddFlags = 1 << iota
	zaddNX
	zaddXX
	zaddGT
	zaddLT
)

type zaddOut uint8

const (
	zaddOutNaN zaddOut = 1 << iota
	zaddOutAdded
	zaddOutUpdated
	zaddOutNop
)

// add is Redis's zsetAdd: add member or update its score under the flags. It
// returns what happened and the member's new score; zaddOutNaN means nothing was
// done because the score (or the incremented one) is NaN.
func (z *zsetObj) add(score float64, member []byte, fl zaddFlags, lim zsetLimits) (zaddOut, float64) {
	if math.IsNaN(score) {
		return zaddOutNaN, 0
	}
	incr, nx, xx, gt, lt := fl&zaddIncr != 0, fl&zaddNX != 0, fl&zaddXX != 0, fl&zaddGT != 0, fl&zaddLT != 0
	if z.sl == nil {
		p, cur := z.lpFind(member)
		switch {
		case p >= 0:
			if nx {
				return zaddOutNop, 0
			}
			if incr {
				score += cur
				if math.IsNaN(score) {
					return zaddOutNaN, 0
				}
			}
			if lt && score >= cur || gt && score <= cur {
				return zaddOutNop, 0
			}
			if score != cur {
				z.lpDelete(p)
				z.lpInsert(member, score)
				return zaddOutUpdated, score
			}
			return 0, score
		case xx:
			return zaddOutNop, 0
		case z.lp.Len()/2+1 > lim.entries || len(member) > lim.value || !z.lp.SafeToAdd(len(member)):
			z.convertToSkiplist()
		default:
			z.lpInsert(member, score)
			return zaddOutAdded, score
		}
	}
	sl := z.sl
	if n, ok := sl.Find(member); ok {
		if nx {
			return zaddOutNop, 0
		}
		cur := sl.Score(n)
		if incr {
			score += cur
			if math.IsNaN(score) {
				return zaddOutNaN, 0
			}
		}
		if lt && score >= cur || gt && score <= cur {
			return zaddOutNop, 0
		}
		if score != cur {
			sl.UpdateScore(n, score)
			return zaddOutUpdated, score
		}
		return 0, score
	}
	if xx {
		return zaddOutNop, 0
	}
	sl.Insert(score, member)
	return zaddOutAdded, score
}

// del removes member and reports whether it was there (Redis's zsetDel).
func (z *zsetObj) del(member []byte) bool {
	if z.sl != nil {
		n, ok := z.sl.Find(member)
		if ok {
			z.sl.Delete(n)
		}
		return ok
	}
	p, _ := z.lpFind(member)
	if p < 0 {
		return false
	}
	z.lpDelete(p)
	return true
}

// rank returns member's 0-based rank, from the top when reverse, or -1 (Redis's
// zsetRank).
func (z *zsetObj) rank(member []byte, reverse bool) int {
	n := z.length()
	var r int
	if z.sl != nil {
		x, ok := z.sl.Find(member)
		if !ok {
			return -1
		}
		r = z.sl.Rank(x)
	} else {
		p := z.lp.Find(z.lp.First(), member, 1)
		if p < 0 {
			return -1
		}
		for q := z.lp.First(); q != p; q = z.lp.Next(z.lp.Next(q)) {
			r++
		}
	}
	if reverse {
		return n - 1 - r
	}
	return r
}

// convertToSkiplist turns a listpack into a skiplist (Redis's zsetConvert): the
// pairs are already in order, so the list is built by appending.
func (z *zsetObj) convertToSkiplist() {
	lp := z.lp
	n := lp.Len() / 2
	var nb [20]byte
	p := lp.First()
	z.sl = skiplist.BuildSorted(n, func(int) (float64, []byte) {
		m := zlpMember(lp.Get(p), &nb)
		sp := lp.Next(p)
		s := zlpScore(lp.Get(sp))
		p = lp.Next(sp)
		return s, m
	})
	z.lp = nil
}

// convertToListpack turns a skiplist into a listpack (Redis's zsetConvert).
func (z *zsetObj) convertToListpack() {
	lp := listpack.New()
	var sb [32]byte
	for n := z.sl.First(); n != 0; n = z.sl.Next(n) {
		lp.Append(z.sl.Member(n))
		lp.Append(zscoreBytes(sb[:0], z.sl.Score(n)))
	}
	z.lp, z.sl = lp, nil
}

// convertToListpackIfNeeded is Redis's zsetConvertToListpackIfNeeded, for sets built
// as skiplists whose final size fits a listpack.
func (z *zsetObj) convertToListpackIfNeeded(maxelelen, totelelen int, lim zsetLimits) {
	if z.sl == nil {
		return
	}
	if z.sl.Len() <= lim.entries && maxelelen <= lim.value && totelelen <= listpack.MaxSafeSize {
		z.convertToListpack()
	}
}

// --- positions --------------------------------------------------------------------------

func (z *zsetObj) first() zpos {
	if z.sl != nil {
		return zslPos(z.sl.First())
	}
	return zpos(z.lp.First())
}

func (z *zsetObj) last() zpos {
	if z.sl != nil {
		return zslPos(z.sl.Last())
	}
	if p := z.lp.Last(); p >= 0 {
		return zpos(z.lp.Prev(p))
	}
	return -1
}

func zslPos(n skiplist.Node) zpos {
	if n == 0 {
		return -1
	}
	return zpos(n)
}

func (z *zsetObj) next(p zpos) zpos {
	if z.sl != nil {
		return zslPos(z.sl.Next(skiplist.Node(p)))
	}
	sp := z.lp.Next(int(p))
	if sp < 0 {
		return -1
	}
	return zpos(z.lp.Next(sp))
}

func (z *zsetObj) prev(p zpos) zpos {
	if z.sl != nil {
		return zslPos(z.sl.Prev(skiplist.Node(p)))
	}
	sp := z.lp.Prev(int(p))
	if sp < 0 {
		return -1
	}
	return zpos(z.lp.Prev(sp))
}

// step moves forward, or backward when reverse.
func (z *zsetObj) step(p zpos, reverse bool) zpos {
	if reverse {
		return z.prev(p)
	}
	return z.next(p)
}

// memberAt returns the member at p (a view valid until the set changes), formatting
// an integer listpack entry into buf.
func (z *zsetObj) memberAt(p zpos, buf *[20]byte) []byte {
	if z.sl != nil {
		return z.sl.Member(skiplist.Node(p))
	}
	return zlpMember(z.lp.Get(int(p)), buf)
}

// scoreAt returns the score at p.
func (z *zsetObj) scoreAt(p zpos) float64 {
	if z.sl != nil {
		return z.sl.Score(skiplist.Node(p))
	}
	return zlpScore(z.lp.Get(z.lp.Next(int(p))))
}

// byRank returns the position of 0-based rank r (which must be in range).
func (z *zsetObj) byRank(r int) zpos {
	if z.sl != nil {
		return zslPos(z.sl.ByRank(r))
	}
	return zpos(z.lp.Seek(2 * r))
}

// firstInRange returns the lowest position with a score in r, or -1 (Redis's
// zzlFirstInRange / zslFirstInRange).
func (z *zsetObj) firstInRange(r *skiplist.Range) zpos {
	if z.sl != nil {
		return zslPos(z.sl.FirstInRange(r))
	}
	if !z.lpInRange(r) {
		return -1
	}
	for p := z.first(); p >= 0; p = z.next(p) {
		if s := z.scoreAt(p); r.GteMin(s) {
			if r.LteMax(s) {
				return p
			}
			return -1
		}
	}
	return -1
}

// lastInRange returns the highest position with a score in r, or -1.
func (z *zsetObj) lastInRange(r *skiplist.Range) zpos {
	if z.sl != nil {
		return zslPos(z.sl.LastInRange(r))
	}
	if !z.lpInRange(r) {
		return -1
	}
	for p := z.last(); p >= 0; p = z.prev(p) {
		if s := z.scoreAt(p); r.LteMax(s) {
			if r.GteMin(s) {
				return p
			}
			return -1
		}
	}
	return -1
}

// lpInRange is Redis's zzlIsInRange.
func (z *zsetObj) lpInRange(r *skiplist.Range) bool {
	if r.Empty() {
		return false
	}
	last := z.last()
	if last < 0 || !r.GteMin(z.scoreAt(last)) {
		return false
	}
	return r.LteMax(z.scoreAt(z.first()))
}

// firstInLex returns the lowest position with a member in r, or -1.
func (z *zsetObj) firstInLex(r *skiplist.LexRange) zpos {
	if z.sl != nil {
		return zslPos(z.sl.FirstInLex(r))
	}
	if !z.lpInLexRange(r) {
		return -1
	}
	var nb [20]byte
	for p := z.first(); p >= 0; p = z.next(p) {
		if m := z.memberAt(p, &nb); r.GteMin(m) {
			if r.LteMax(m) {
				return p
			}
			return -1
		}
	}
	return -1
}

// lastInLex returns the highest position with a member in r, or -1.
func (z *zsetObj) lastInLex(r *skiplist.LexRange) zpos {
	if z.sl != nil {
		return zslPos(z.sl.LastInLex(r))
	}
	if !z.lpInLexRange(r) {
		return -1
	}
	var nb [20]byte
	for p := z.last(); p >= 0; p = z.prev(p) {
		if m := z.memberAt(p, &nb); r.LteMax(m) {
			if r.GteMin(m) {
				return p
			}
			return -1
		}
	}
	return -1
}

// lpInLexRange is Redis's zzlIsInLexRange.
func (z *zsetObj) lpInLexRange(r *skiplist.LexRange) bool {
	if r.Empty() {
		return false
	}
	last := z.last()
	var nb [20]byte
	if last < 0 || !r.GteMin(z.memberAt(last, &nb)) {
		return false
	}
	return r.LteMax(z.memberAt(z.first(), &nb))
}

// --- range parsing ----------------------------------------------------------------------

// zparseRangeBound parses one bound of a score range (Redis's zslParseRange): "(" makes
// it exclusive; the rest is strtod's, which must end the argument (or stop at a NUL
// byte, as C's string end) and not be NaN. Leading space and "" (0) pass, as in Redis.
func zparseRangeBound(b []byte) (v float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		b, ex = b[1:], true
	}
	f, n, _ := zstrtod(b)
	if n < len(b) && b[n] != 0 || math.IsNaN(f) {
		return 0, false, false
	}
	return f, ex, true
}

// zparseRange parses min and max of a score range; false means Redis's "min or max is
// not a float".
func zparseRange(min, max []byte) (skiplist.Range, bool) {
	var r skiplist.Range
	var ok bool
	if r.Min, r.MinEx, ok = zparseRangeBound(min); !ok {
		return r, false
	}
	if r.Max, r.MaxEx, ok = zparseRangeBound(max); !ok {
		return r, false
	}
	return r, true
}

// zparseLexBound parses one bound of a lex range (Redis's zslParseLexRangeItem).
// Redis reads the argument as a C string, so "+" and "-" may be followed by a NUL.
func zparseLexBound(b []byte) (skiplist.LexBound, bool) {
	if len(b) == 0 {
		return skiplist.LexBound{}, false
	}
	switch b[0] {
	case '+', '-':
		if len(b) > 1 && b[1] != 0 {
			return skiplist.LexBound{}, false
		}
		inf := 1
		if b[0] == '-' {
			inf = -1
		}
		return skiplist.LexBound{Inf: inf, Ex: true}, true
	case '(':
		return skiplist.LexBound{Value: b[1:], Ex: true}, true
	case '[':
		return skiplist.LexBound{Value: b[1:]}, true
	}
	return skiplist.LexBound{}, false
}

// zparseLexRange parses min and max of a lex range; false means Redis's "min or max
// not valid string range item". The bounds view the arguments.
func zparseLexRange(min, max []byte) (skiplist.LexRange, bool) {
	lo, ok1 := zparseLexBound(min)
	hi, ok2 := zparseLexBound(max)
	return skiplist.LexRange{Min: lo, Max: hi}, ok1 && ok2
}

// --- lookups and storing ----------------------------------------------------------------

// zsetOf returns the zset of an entry known to hold one.
func zsetOf(e *keyspace.Entry) *zsetObj { return e.Obj.(*zsetObj) }

// lookupZsetRead looks key up for reading; ok is false after replying WRONGTYPE. z is
// nil when the key does not exist.
func (c *Client) lookupZsetRead(key []byte) (z *zsetObj, ok bool) {
	e := c.db.LookupRead(key)
	if e == nil {
		return nil, true
	}
	if metaType(e.Meta) != TypeZSet {
		c.ReplyError(ErrWrongType)
		return nil, false
	}
	return zsetOf(e), true
}

// lookupZsetWrite is lookupZsetRead for commands about to modify the key.
func (c *Client) lookupZsetWrite(key []byte) (e *keyspace.Entry, z *zsetObj, ok bool) {
	e = c.db.LookupWrite(key)
	if e == nil {
		return nil, nil, true
	}
	if metaType(e.Meta) != TypeZSet {
		c.ReplyError(ErrWrongType)
		return nil, nil, false
	}
	return e, zsetOf(e), true
}

// zsetSyncEnc records z's encoding in its entry after a conversion.
func zsetSyncEnc(e *keyspace.Entry, z *zsetObj) {
	if metaEnc(e.Meta) != z.enc() {
		setTypeEnc(e, TypeZSet, z.enc())
	}
}

// zsetStore stores z at key as Redis's setKey does: whatever key held is replaced and
// its TTL goes.
func (c *Client) zsetStore(key []byte, z *zsetObj) {
	db := c.db
	e := db.LookupWrite(key)
	if e == nil {
		e = db.Add(key, TypeZSet, z.enc())
	} else {
		c.srv.signalOverwrite(db, key, e)
		e.ClearVal()
		if e.Expire != 0 {
			db.SetExpire(key, 0)
		}
		// A new object: a fresh LRU clock, or under an LFU policy the old key's
		// counter, as Redis's dbOverwrite keeps it.
		clock := c.srv.lruClock()
		if c.srv.evict.lfu {
			clock = metaLRU(e.Meta)
		}
		e.Meta = makeMeta(TypeZSet, z.enc(), clock)
	}
	e.Obj = z
	c.srv.signalModified(db, key)
}

// zsetDeleteKey deletes key after its last member went (the caller notifies "del").
func (c *Client) zsetDeleteKey(key []byte) {
	c.db.Delete(key)
}

// --- COPY, MEMORY USAGE, accounting -------------------------------------------------------

// CloneValue implements valueCloner (COPY): a copy with the same encoding, as Redis's
// zsetDup.
func (z *zsetObj) CloneValue() any {
	if z.sl != nil {
		return &zsetObj{sl: z.sl.Clone()}
	}
	return &zsetObj{lp: z.lp.Clone()}
}

// Sizes of Redis 7.0's structures that MEMORY USAGE counts for a skiplist zset.
const (
	zsetStructSize   = 16  // sizeof(zset)
	zskiplistSize    = 32  // sizeof(zskiplist)
	zsetDictSize     = 56  // sizeof(dict)
	zslHeaderAlloc   = 640 // the header node: 24 + 32 levels * 16 bytes, jemalloc class
	zslNodeAvgAlloc  = 48  // a node of the most common level (24 + 16 bytes, class 48)
	zsetDictEntry    = 24  // sizeof(dictEntry)
	zsetMinDictSlots = 4
)

// MemoryUsage implements memoryUser with Redis's objectComputeSize for sorted sets:
// the robj and the listpack; or the robj, zset, skiplist and dict structs, the dict's
// buckets, the header node and the average of the first samples members (an sds, a
// dictEntry and a node) times the count. Node sizes depend on random levels in Redis,
// so the figure for a skiplist is an estimate there too.
func (z *zsetObj) MemoryUsage(samples int) int64 {
	if z.sl == nil {
		return robjSize + jemallocSize(int64(len(z.lp.Bytes())))
	}
	n := z.sl.Len()
	slots := zsetMinDictSlots
	for slots < n {
		slots <<= 1
	}
	size := int64(robjSize + zsetStructSize + zskiplistSize + zsetDictSize + 8*slots + zslHeaderAlloc)
	k, elesize := 0, int64(0)
	for x := z.sl.First(); x != 0 && (samples <= 0 || k < samples); x = z.sl.Next(x) {
		m := len(z.sl.Member(x))
		elesize += sdsAllocSize(m, m, true) + zsetDictEntry + zslNodeAvgAlloc
		k++
	}
	if k > 0 {
		size += elesize / int64(k) * int64(n)
	}
	return size
}

// memSize implements memSizer (maxmemory accounting): the heap the value holds.
func (z *zsetObj) memSize() int64 {
	size := goAllocSize(32) // the zsetObj
	if z.sl != nil {
		return size + int64(z.sl.Bytes())
	}
	return size + goAllocSize(cap(z.lp))
}

// zcellRange is min <= score < max (geo cell ranges).
func zcellRange(min, max float64) skiplist.Range {
	return skiplist.Range{Min: min, Max: max, MaxEx: true}
}
