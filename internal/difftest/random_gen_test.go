package difftest

// The command generator of TestRandom (random_test.go): one function per command,
// drawing keys from a space of eight and arguments from small pools chosen to hit
// edge cases (limits, non-numbers, binary, long values), with option keywords
// sometimes in the wrong order or count.

import (
	"math/rand"
	"slices"
	"strconv"
	"strings"
)

type gen struct {
	r    *rand.Rand
	home []string // the keys the current command's type lives in, mostly
	xms  int      // grows: the millisecond part of stream ids, so XADD mostly succeeds
}

func (g *gen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }
func (g *gen) chance(p float64) bool    { return g.r.Float64() < p }
func (g *gen) n(lo, hi int) int         { return lo + g.r.Intn(hi-lo+1) }
func (g *gen) itoa(lo, hi int) string   { return strconv.Itoa(g.n(lo, hi)) }

// numKeys is the size of the key space: small, so that types collide. Key k12
// (keys numKeys..allKeys-1) is only ever given to the stream commands, so that a
// stream with consumer groups lives long enough for their state to grow.
const (
	numKeys = 12
	allKeys = 13
)

func (g *gen) key() string {
	if len(g.home) > 0 && g.chance(0.9) {
		return g.pick(g.home...)
	}
	return "k" + strconv.Itoa(g.r.Intn(numKeys))
}

// homes gives each type two keys of its own, mostly, so that commands find values
// of their type and still often enough one of another type (WRONGTYPE).
var homes = map[string][]string{
	"string": {"k0", "k1"}, "list": {"k2", "k3"}, "hash": {"k4", "k5"}, "set": {"k6", "k7"},
	"zset": {"k8", "k9"}, "stream": {"k12", "k12", "k10", "k3"}, "hll": {"k11", "k11", "k1"}, "geo": {"k9", "k8", "k1"},
}

// groupHome is where the consumer-group commands mostly go: k12, which only
// stream commands use.
var groupHome = []string{"k12", "k12", "k12", "k10"}

// familyOf maps a generator to the type whose home keys it uses ("" = any key).
func familyOf(name string) string {
	switch name {
	case "SET", "GET", "GETEX", "GETDEL", "GETSET", "GETRANGE", "SETRANGE", "APPEND", "STRLEN", "INCR", "MSET",
		"MGET", "SETNX", "LCS", "SETBIT", "GETBIT", "BITCOUNT", "BITPOS", "BITOP", "BITFIELD":
		return "string"
	}
	switch {
	case strings.HasPrefix(name, "PF"):
		return "hll"
	case strings.HasPrefix(name, "GEO"):
		return "geo"
	case strings.HasPrefix(name, "X"):
		return "stream"
	case name[0] == 'L' || name[0] == 'R' && name != "RENAME" && name != "RESTORE":
		return "list"
	case name[0] == 'H':
		return "hash"
	case name[0] == 'S' && name != "SET" && name != "SETRANGE" && name != "SETNX" && name != "SETBIT" && name != "SORT" && name != "SORTBY" && name != "SCAN":
		return "set"
	case name[0] == 'Z':
		return "zset"
	}
	return ""
}

func (g *gen) keys(lo, hi int) []string {
	ks := make([]string, g.n(lo, hi))
	for i := range ks {
		ks[i] = g.key()
	}
	return ks
}

var (
	longVal  = strings.Repeat("x", 100)
	longVal2 = strings.Repeat("ab", 40)

	valPool = []string{"", "a", "b", "abc", "hello", "foobar", "0", "1", "-1", "10", "3.14", "-2.5",
		"12345678901234567890", "9223372036854775807", "-9223372036854775808", "\x00\x01\xff", " 1",
		"0x10", "1e3", "inf", "nan", "-0", "007", longVal, longVal2, "\xff\xf0\x00", "1.5e1"}
	memberPool = []string{"a", "b", "c", "d", "e", "f", "1", "2", "3", "10", "-5", "100", "", "\x00",
		"1.5", "abc", longVal2, "9223372036854775807", "x y", "k0", "k4", "k5"}
	intPool = []string{"0", "1", "-1", "2", "3", "5", "7", "10", "-2", "-10", "100", "-100",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "4294967296", "1.5",
		"abc", "", " 1", "0x10", "inf", "nan", "+1", "1e2", "-0", "00", "18446744073709551615",
		"-9223372036854775809", "1 ", "9999", "10000"}
	floatPool = []string{"0", "1", "-1", "1.5", "-2.5", "0.1", "2", "3", "10", "100", "inf", "-inf",
		"+inf", "nan", "1e400", "-1e400", "1e308", "5e-324", "3.0", "abc", "", " 1", "0x10", "1e3",
		"-0", "1.7976931348623157e308", "0.30000000000000004", "12345678901234567", "1e-5", "1e17", "1e21",
		"4.9e-324", "1.23456789012345678", "123456789.123456789", "-1e-300", "0.5e1", "1E2", "2.50",
		".5", "5.", "infinity", "-Infinity", "1e-400", "4.9e-325", "1e-320", "0x1p-1074", "0x1.8p1",
		"1e4000", "1e-4000", "1.5 ", "1e", "--1", "1e+2"}
	idxPool = []string{"-100", "-10", "-3", "-2", "-1", "0", "1", "2", "3", "5", "10", "100",
		"9223372036854775807", "-9223372036854775808", "a", ""}
	countPool = []string{"0", "1", "2", "3", "5", "10", "100", "-1", "-2", "-5", "a", "1.5"}
	keywords  = []string{"NX", "XX", "GT", "LT", "CH", "INCR", "WITHSCORES", "LIMIT", "BYSCORE", "BYLEX",
		"REV", "COUNT", "MATCH", "KEEPTTL", "GET", "EX", "PX", "EXAT", "PXAT", "LEFT", "RIGHT",
		"BEFORE", "AFTER", "RANK", "MAXLEN", "WEIGHTS", "AGGREGATE", "SUM", "MIN", "MAX", "ALPHA",
		"DESC", "ASC", "STORE", "BYTE", "BIT", "WITHVALUES", "REPLACE", "DB", "LEN", "IDX", "TYPE",
		"PERSIST", "MINID", "LIMIT", "WITHCOORD", "WITHDIST", "ANY"}
)

func (g *gen) val() string {
	if g.chance(0.05) {
		return strings.Repeat(g.pick("a", "b", "1"), g.n(1, 300))
	}
	return g.pick(valPool...)
}
func (g *gen) member() string { return g.pick(memberPool...) }
func (g *gen) int() string    { return g.pick(intPool...) }
func (g *gen) float() string  { return g.pick(floatPool...) }
func (g *gen) idx() string    { return g.pick(idxPool...) }
func (g *gen) count() string  { return g.pick(countPool...) }

func (g *gen) members(lo, hi int) []string {
	ms := make([]string, g.n(lo, hi))
	for i := range ms {
		ms[i] = g.member()
	}
	return ms
}

// score is a zset score: mostly small numbers, sometimes a float edge case.
func (g *gen) score() string {
	if g.chance(0.7) {
		return g.pick("0", "1", "2", "3", "-1", "1.5", "10", "2.5", "-3", "100")
	}
	return g.float()
}

// ttlSec and ttlMs are relative expire times large enough that no key expires
// during a run and spread so two of them are rarely close (GT/LT compare them).
func (g *gen) ttlSec() string { return g.itoa(100000, 200000) }
func (g *gen) ttlMs() string  { return g.itoa(100000000, 200000000) }
func (g *gen) absSec() string {
	return g.pick("4102444800", "4102444900", "4102445000", "1", "1700000000")
}
func (g *gen) absMs() string {
	return g.pick("4102444800000", "4102444850000", "4102445000000", "1", "1700000000000")
}

// expiry is an option of SET/GETEX-style commands: a unit and a value, sometimes wrong.
func (g *gen) expiry() []string {
	switch g.r.Intn(8) {
	case 0:
		return []string{"EX", g.ttlSec()}
	case 1:
		return []string{"PX", g.ttlMs()}
	case 2:
		return []string{"EXAT", g.absSec()}
	case 3:
		return []string{"PXAT", g.absMs()}
	case 4:
		return []string{"KEEPTTL"}
	case 5:
		return []string{g.pick("EX", "PX", "EXAT", "PXAT"), g.pick("0", "-1", "abc", "9223372036854775807", "1.5")}
	case 6:
		return []string{"PERSIST"}
	}
	return []string{g.pick("EX", "PX")}
}

// opts appends each option group with probability p, in random order.
func (g *gen) opts(args []string, p float64, groups ...[]string) []string {
	g.r.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	for _, o := range groups {
		if g.chance(p) {
			args = append(args, o...)
		}
	}
	return args
}

func cmd(args ...string) []string { return args }

func (g *gen) pairs(n int, a, b func() string) []string {
	var out []string
	for range n {
		out = append(out, a(), b())
	}
	return out
}

// genEntry is one command's generator and its weight.
type genEntry struct {
	name string
	w    int
	f    func(g *gen) []string
}

var generators = []genEntry{
	// strings
	{"SET", 8, func(g *gen) []string {
		a := cmd("SET", g.key(), g.val())
		return g.opts(a, 0.3, []string{g.pick("NX", "XX")}, []string{"GET"}, g.expiry())
	}},
	{"GET", 6, func(g *gen) []string { return cmd("GET", g.key()) }},
	{"GETEX", 2, func(g *gen) []string { return g.opts(cmd("GETEX", g.key()), 0.6, g.expiry()) }},
	{"GETDEL", 1, func(g *gen) []string { return cmd("GETDEL", g.key()) }},
	{"GETSET", 1, func(g *gen) []string { return cmd("GETSET", g.key(), g.val()) }},
	{"GETRANGE", 2, func(g *gen) []string { return cmd(g.pick("GETRANGE", "SUBSTR"), g.key(), g.idx(), g.idx()) }},
	{"SETRANGE", 2, func(g *gen) []string {
		return cmd("SETRANGE", g.key(), g.pick("0", "1", "3", "5", "10", "100", "-1", "a", "536870912", "1073741824"),
			g.pick("", "x", "hello", "\x00\xff", longVal))
	}},
	{"APPEND", 2, func(g *gen) []string { return cmd("APPEND", g.key(), g.val()) }},
	{"STRLEN", 1, func(g *gen) []string { return cmd("STRLEN", g.key()) }},
	{"INCR", 3, func(g *gen) []string {
		switch g.r.Intn(5) {
		case 0:
			return cmd("INCR", g.key())
		case 1:
			return cmd("DECR", g.key())
		case 2:
			return cmd("INCRBY", g.key(), g.int())
		case 3:
			return cmd("DECRBY", g.key(), g.int())
		}
		return cmd("INCRBYFLOAT", g.key(), g.float())
	}},
	{"MSET", 2, func(g *gen) []string {
		return append(cmd(g.pick("MSET", "MSETNX")), g.pairs(g.n(1, 3), g.key, g.val)...)
	}},
	{"MGET", 2, func(g *gen) []string { return append(cmd("MGET"), g.keys(1, 4)...) }},
	{"SETNX", 1, func(g *gen) []string {
		switch g.r.Intn(3) {
		case 0:
			return cmd("SETEX", g.key(), g.pick(g.ttlSec(), "0", "-1", "a"), g.val())
		case 1:
			return cmd("PSETEX", g.key(), g.pick(g.ttlMs(), "0", "-1"), g.val())
		}
		return cmd("SETNX", g.key(), g.val())
	}},
	{"LCS", 1, func(g *gen) []string {
		return g.opts(cmd("LCS", g.key(), g.key()), 0.4, []string{"LEN"}, []string{"IDX"},
			[]string{"MINMATCHLEN", g.pick("0", "1", "2", "5", "-1", "a")}, []string{"WITHMATCHLEN"})
	}},
	// bitmaps
	{"SETBIT", 3, func(g *gen) []string {
		return cmd("SETBIT", g.key(), g.pick("0", "1", "7", "8", "15", "100", "1000", "-1", "a", "4294967296"), g.pick("0", "1", "1", "2", "a"))
	}},
	{"GETBIT", 1, func(g *gen) []string { return cmd("GETBIT", g.key(), g.pick("0", "1", "7", "100", "-1", "4294967296")) }},
	{"BITCOUNT", 2, func(g *gen) []string {
		a := cmd("BITCOUNT", g.key())
		if g.chance(0.7) {
			a = append(a, g.idx(), g.idx())
			if g.chance(0.5) {
				a = append(a, g.pick("BYTE", "BIT", "bit", "FOO"))
			}
		}
		return a
	}},
	{"BITPOS", 2, func(g *gen) []string {
		a := cmd("BITPOS", g.key(), g.pick("0", "1", "2"))
		if g.chance(0.7) {
			a = append(a, g.idx())
			if g.chance(0.6) {
				a = append(a, g.idx())
				if g.chance(0.5) {
					a = append(a, g.pick("BYTE", "BIT"))
				}
			}
		}
		return a
	}},
	{"BITOP", 2, func(g *gen) []string {
		return append(cmd("BITOP", g.pick("AND", "OR", "XOR", "NOT", "and", "FOO"), g.key()), g.keys(1, 3)...)
	}},
	{"BITFIELD", 2, func(g *gen) []string {
		name := g.pick("BITFIELD", "BITFIELD", "BITFIELD_RO")
		a := cmd(name, g.key())
		for range g.n(1, 3) {
			typ := g.pick("i8", "u8", "i1", "u1", "i5", "u16", "i32", "i64", "u63", "u64", "i65", "x8")
			off := g.pick("0", "1", "5", "8", "#1", "#2", "100", "-1", "a")
			switch g.r.Intn(4) {
			case 0:
				a = append(a, "GET", typ, off)
			case 1:
				a = append(a, "SET", typ, off, g.int())
			case 2:
				a = append(a, "INCRBY", typ, off, g.int())
			default:
				a = append(a, "OVERFLOW", g.pick("WRAP", "SAT", "FAIL", "foo"))
			}
		}
		return a
	}},
	// lists
	{"LPUSH", 6, func(g *gen) []string {
		return append(cmd(g.pick("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"), g.key()), g.members(1, 4)...)
	}},
	{"LPOP", 3, func(g *gen) []string {
		a := cmd(g.pick("LPOP", "RPOP"), g.key())
		if g.chance(0.4) {
			a = append(a, g.count())
		}
		return a
	}},
	{"LLEN", 1, func(g *gen) []string { return cmd("LLEN", g.key()) }},
	{"LRANGE", 3, func(g *gen) []string { return cmd("LRANGE", g.key(), g.idx(), g.idx()) }},
	{"LINDEX", 1, func(g *gen) []string { return cmd("LINDEX", g.key(), g.idx()) }},
	{"LSET", 1, func(g *gen) []string { return cmd("LSET", g.key(), g.idx(), g.member()) }},
	{"LINSERT", 2, func(g *gen) []string {
		return cmd("LINSERT", g.key(), g.pick("BEFORE", "AFTER", "before", "MIDDLE"), g.member(), g.member())
	}},
	{"LREM", 2, func(g *gen) []string { return cmd("LREM", g.key(), g.idx(), g.member()) }},
	{"LTRIM", 1, func(g *gen) []string { return cmd("LTRIM", g.key(), g.idx(), g.idx()) }},
	{"LPOS", 2, func(g *gen) []string {
		return g.opts(cmd("LPOS", g.key(), g.member()), 0.4, []string{"RANK", g.idx()},
			[]string{"COUNT", g.count()}, []string{"MAXLEN", g.count()})
	}},
	{"LMOVE", 2, func(g *gen) []string {
		if g.chance(0.3) {
			return cmd("RPOPLPUSH", g.key(), g.key())
		}
		return cmd("LMOVE", g.key(), g.key(), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT", "UP"))
	}},
	{"LMPOP", 2, func(g *gen) []string {
		ks := g.keys(1, 3)
		a := append(cmd("LMPOP", strconv.Itoa(len(ks))), ks...)
		if g.chance(0.1) {
			a[1] = g.pick("0", "-1", "5", "a")
		}
		a = append(a, g.pick("LEFT", "RIGHT"))
		if g.chance(0.4) {
			a = append(a, "COUNT", g.count())
		}
		return a
	}},
	// hashes
	{"HSET", 6, func(g *gen) []string {
		name := g.pick("HSET", "HSET", "HMSET", "HSETNX")
		n := g.n(1, 3)
		if name == "HSETNX" {
			n = 1
		}
		return append(cmd(name, g.key()), g.pairs(n, g.member, g.val)...)
	}},
	{"HGET", 2, func(g *gen) []string {
		switch g.r.Intn(4) {
		case 0:
			return append(cmd("HMGET", g.key()), g.members(1, 3)...)
		case 1:
			return cmd("HEXISTS", g.key(), g.member())
		case 2:
			return cmd("HSTRLEN", g.key(), g.member())
		}
		return cmd("HGET", g.key(), g.member())
	}},
	{"HDEL", 2, func(g *gen) []string { return append(cmd("HDEL", g.key()), g.members(1, 3)...) }},
	{"HLEN", 1, func(g *gen) []string { return cmd("HLEN", g.key()) }},
	{"HINCRBY", 2, func(g *gen) []string {
		if g.chance(0.5) {
			return cmd("HINCRBYFLOAT", g.key(), g.member(), g.float())
		}
		return cmd("HINCRBY", g.key(), g.member(), g.int())
	}},
	{"HGETALL", 2, func(g *gen) []string { return cmd(g.pick("HGETALL", "HKEYS", "HVALS"), g.key()) }},
	{"HRANDFIELD", 2, func(g *gen) []string {
		a := cmd("HRANDFIELD", g.key())
		if g.chance(0.7) {
			a = append(a, g.pick("0", "1", "2", "3", "5", "100", "-1", "-3", "-10", "a", "-9223372036854775808"))
			if g.chance(0.5) {
				a = append(a, "WITHVALUES")
			}
		}
		return a
	}},
	// sets
	{"SADD", 6, func(g *gen) []string { return append(cmd("SADD", g.key()), g.members(1, 4)...) }},
	{"SREM", 2, func(g *gen) []string { return append(cmd("SREM", g.key()), g.members(1, 3)...) }},
	{"SCARD", 1, func(g *gen) []string { return cmd("SCARD", g.key()) }},
	{"SISMEMBER", 2, func(g *gen) []string {
		if g.chance(0.5) {
			return append(cmd("SMISMEMBER", g.key()), g.members(1, 3)...)
		}
		return cmd("SISMEMBER", g.key(), g.member())
	}},
	{"SMEMBERS", 2, func(g *gen) []string { return cmd("SMEMBERS", g.key()) }},
	{"SPOP", 2, func(g *gen) []string {
		a := cmd("SPOP", g.key())
		if g.chance(0.6) {
			a = append(a, g.pick("0", "1", "2", "3", "5", "100", "-1", "a"))
		}
		return a
	}},
	{"SRANDMEMBER", 2, func(g *gen) []string {
		a := cmd("SRANDMEMBER", g.key())
		if g.chance(0.7) {
			a = append(a, g.pick("0", "1", "2", "3", "5", "100", "-1", "-3", "-10", "a", "-9223372036854775808"))
		}
		return a
	}},
	{"SMOVE", 1, func(g *gen) []string { return cmd("SMOVE", g.key(), g.key(), g.member()) }},
	{"SINTER", 3, func(g *gen) []string {
		switch g.r.Intn(3) {
		case 0:
			return append(cmd(g.pick("SINTER", "SUNION", "SDIFF")), g.keys(1, 3)...)
		case 1:
			return append(cmd(g.pick("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), g.key()), g.keys(1, 3)...)
		}
		ks := g.keys(1, 3)
		a := append(cmd("SINTERCARD", strconv.Itoa(len(ks))), ks...)
		if g.chance(0.1) {
			a[1] = g.pick("0", "-1", "5", "a")
		}
		if g.chance(0.4) {
			a = append(a, "LIMIT", g.count())
		}
		return a
	}},
	// sorted sets
	{"ZADD", 7, func(g *gen) []string {
		a := g.opts(cmd("ZADD", g.key()), 0.15, []string{g.pick("NX", "XX")}, []string{g.pick("GT", "LT")},
			[]string{"CH"}, []string{"INCR"})
		return append(a, g.pairs(g.n(1, 3), g.score, g.member)...)
	}},
	{"ZINCRBY", 2, func(g *gen) []string { return cmd("ZINCRBY", g.key(), g.score(), g.member()) }},
	{"ZSCORE", 2, func(g *gen) []string {
		if g.chance(0.5) {
			return append(cmd("ZMSCORE", g.key()), g.members(1, 3)...)
		}
		return cmd(g.pick("ZSCORE", "ZRANK", "ZREVRANK"), g.key(), g.member())
	}},
	{"ZCARD", 1, func(g *gen) []string { return cmd("ZCARD", g.key()) }},
	{"ZCOUNT", 2, func(g *gen) []string {
		if g.chance(0.5) {
			return cmd("ZLEXCOUNT", g.key(), g.lex(), g.lex())
		}
		return cmd("ZCOUNT", g.key(), g.scoreBound(), g.scoreBound())
	}},
	{"ZRANGE", 6, func(g *gen) []string { return g.zrange("ZRANGE", g.key()) }},
	{"ZRANGESTORE", 2, func(g *gen) []string { return g.zrange("ZRANGESTORE", g.key(), g.key()) }},
	{"ZRANGEBY", 3, func(g *gen) []string {
		name := g.pick("ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZREVRANGE")
		a := cmd(name, g.key())
		switch name {
		case "ZRANGEBYLEX", "ZREVRANGEBYLEX":
			a = append(a, g.lex(), g.lex())
		case "ZREVRANGE":
			a = append(a, g.idx(), g.idx())
		default:
			a = append(a, g.scoreBound(), g.scoreBound())
		}
		return g.opts(a, 0.4, []string{"WITHSCORES"}, []string{"LIMIT", g.idx(), g.idx()})
	}},
	{"ZREM", 2, func(g *gen) []string { return append(cmd("ZREM", g.key()), g.members(1, 3)...) }},
	{"ZREMRANGEBY", 2, func(g *gen) []string {
		switch g.r.Intn(3) {
		case 0:
			return cmd("ZREMRANGEBYRANK", g.key(), g.idx(), g.idx())
		case 1:
			return cmd("ZREMRANGEBYSCORE", g.key(), g.scoreBound(), g.scoreBound())
		}
		return cmd("ZREMRANGEBYLEX", g.key(), g.lex(), g.lex())
	}},
	{"ZPOPMIN", 2, func(g *gen) []string {
		a := cmd(g.pick("ZPOPMIN", "ZPOPMAX"), g.key())
		if g.chance(0.5) {
			a = append(a, g.count())
		}
		return a
	}},
	{"ZMPOP", 2, func(g *gen) []string {
		ks := g.keys(1, 3)
		a := append(cmd("ZMPOP", strconv.Itoa(len(ks))), ks...)
		if g.chance(0.1) {
			a[1] = g.pick("0", "-1", "5", "a")
		}
		a = append(a, g.pick("MIN", "MAX", "min"))
		if g.chance(0.4) {
			a = append(a, "COUNT", g.count())
		}
		return a
	}},
	{"ZRANDMEMBER", 2, func(g *gen) []string {
		a := cmd("ZRANDMEMBER", g.key())
		if g.chance(0.7) {
			a = append(a, g.pick("0", "1", "2", "3", "5", "100", "-1", "-3", "-10", "a"))
			if g.chance(0.5) {
				a = append(a, "WITHSCORES")
			}
		}
		return a
	}},
	{"ZSETOP", 4, func(g *gen) []string {
		name := g.pick("ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD")
		a := cmd(name)
		if strings.HasSuffix(name, "STORE") {
			a = append(a, g.key())
		}
		ks := g.keys(1, 3)
		for i := range ks {
			if g.chance(0.15) {
				ks[i] = g.pick("k6", "k7") // a set takes part with score 1
			}
		}
		a = append(a, strconv.Itoa(len(ks)))
		if g.chance(0.08) {
			a[len(a)-1] = g.pick("0", "-1", "5", "a")
		}
		a = append(a, ks...)
		switch name {
		case "ZINTERCARD":
			if g.chance(0.4) {
				a = append(a, "LIMIT", g.count())
			}
			return a
		case "ZDIFF", "ZDIFFSTORE":
		default:
			w := []string{"WEIGHTS"}
			for range len(ks) {
				w = append(w, g.pick("1", "2", "0", "-1", "0.5", "inf", "-inf", "a"))
			}
			if g.chance(0.1) {
				w = w[:len(w)-1]
			}
			a = g.opts(a, 0.3, w, []string{"AGGREGATE", g.pick("SUM", "MIN", "MAX", "AVG")})
		}
		if !strings.HasSuffix(name, "STORE") && g.chance(0.5) {
			a = append(a, "WITHSCORES")
		}
		return a
	}},
	// keys
	{"DEL", 5, func(g *gen) []string { return append(cmd(g.pick("DEL", "UNLINK", "EXISTS", "TOUCH")), g.keys(1, 3)...) }},
	{"TYPE", 2, func(g *gen) []string { return cmd("TYPE", g.key()) }},
	{"RENAME", 2, func(g *gen) []string { return cmd(g.pick("RENAME", "RENAMENX"), g.key(), g.key()) }},
	{"COPY", 2, func(g *gen) []string {
		return g.opts(cmd("COPY", g.key(), g.key()), 0.3, []string{"REPLACE"}, []string{"DB", g.pick("0", "1", "a", "-1")})
	}},
	{"EXPIRE", 3, func(g *gen) []string {
		var a []string
		switch g.r.Intn(5) {
		case 0:
			a = cmd("EXPIRE", g.key(), g.ttlSec())
		case 1:
			a = cmd("PEXPIRE", g.key(), g.ttlMs())
		case 2:
			a = cmd("EXPIREAT", g.key(), g.absSec())
		case 3:
			a = cmd("PEXPIREAT", g.key(), g.absMs())
		default:
			a = cmd(g.pick("EXPIRE", "PEXPIRE", "EXPIREAT"), g.key(), g.pick("-1", "0", "a", "9223372036854775807", "-9223372036854775808"))
		}
		if g.chance(0.4) {
			a = append(a, g.pick("NX", "XX", "GT", "LT", "FOO"))
			if g.chance(0.2) {
				a = append(a, g.pick("NX", "XX", "GT", "LT"))
			}
		}
		return a
	}},
	{"PERSIST", 1, func(g *gen) []string { return cmd("PERSIST", g.key()) }},
	{"TTL", 2, func(g *gen) []string {
		return cmd(g.pick("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"), g.key())
	}},
	{"OBJECT", 3, func(g *gen) []string {
		if g.chance(0.2) {
			// FREQ is an error without an LFU policy; REFCOUNT tells shared integers.
			return cmd("OBJECT", g.pick("REFCOUNT", "REFCOUNT", "FREQ", "FOO", "encoding"), g.key())
		}
		return cmd("OBJECT", "ENCODING", g.key())
	}},
	{"MEMORY", 2, func(g *gen) []string {
		// Exact but for a hash table or skiplist (see exec).
		a := cmd("MEMORY", "USAGE", g.key())
		if g.chance(0.3) {
			a = append(a, "SAMPLES", g.pick("0", "1", "2", "5", "-1", "a"))
		}
		return a
	}},
	{"MOVE", 1, func(g *gen) []string {
		if g.chance(0.2) {
			return cmd("SWAPDB", g.pick("0", "1"), g.pick("1", "0", "16", "a"))
		}
		return cmd("MOVE", g.key(), g.pick("1", "1", "0", "16", "a", "-1"))
	}},
	{"RELOAD", 1, func(g *gen) []string {
		// Encodings and values as an RDB load rebuilds them.
		if g.chance(0.7) {
			return cmd("DEBUG", "RELOAD")
		}
		g.home = homes["hll"]
		return cmd("PFDEBUG", g.pick("ENCODING", "DECODE", "TODENSE", "GETREG", "FOO"), g.key())
	}},
	{"BLOCKING", 2, func(g *gen) []string { return g.blocking() }},
	{"SORT", 2, func(g *gen) []string {
		name := g.pick("SORT", "SORT", "SORT_RO")
		a := cmd(name, g.key())
		groups := [][]string{{"LIMIT", g.idx(), g.idx()}, {"ALPHA"}, {g.pick("DESC", "ASC")}}
		if name == "SORT" {
			groups = append(groups, []string{"STORE", g.key()})
		}
		return g.opts(a, 0.4, groups...)
	}},
	{"SORTBY", 2, func(g *gen) []string {
		// BY and GET patterns: "k*" maps members 1, 2, 3, 10 to keys, "*" maps members
		// k0, k4, k5; "->f" reads a hash field. BY without a star is no sorting.
		name := g.pick("SORT", "SORT", "SORT_RO")
		a := cmd(name, g.key())
		groups := [][]string{{"BY", g.pick("k*", "k*->a", "*->a", "*->b", "*", "k*->1", "nosort", "k1", "x*", "*->")},
			{"LIMIT", g.pick("0", "1", "2", "-1"), g.pick("1", "2", "5", "-1", "100")}, {"ALPHA"}, {g.pick("DESC", "ASC")}}
		for range g.n(0, 3) {
			groups = append(groups, []string{"GET", g.pick("#", "#", "k*", "*", "*->a", "*->1", "k*->b", "k0", "*->")})
		}
		if name == "SORT" {
			groups = append(groups, []string{"STORE", g.key()})
		}
		return g.opts(a, 0.5, groups...)
	}},
	{"DUMP", 2, func(g *gen) []string {
		switch g.r.Intn(5) {
		case 0, 1:
			return cmd("DEBUG", "DIGEST-VALUE", g.key())
		case 2:
			// Its address and LRU clock are masked (see exec).
			return cmd("DEBUG", "OBJECT", g.key())
		}
		return cmd("DUMP", g.key())
	}},
	{"KEYS", 1, func(g *gen) []string {
		switch g.r.Intn(3) {
		case 0:
			return cmd("DBSIZE")
		case 1:
			return cmd("RANDOMKEY")
		}
		return cmd("KEYS", g.pick("*", "k[0-3]", "k?", "x*"))
	}},
	{"SCAN", 3, func(g *gen) []string {
		var a []string
		switch g.r.Intn(4) {
		case 0:
			a = cmd("SCAN", "0")
			if g.chance(0.3) {
				a = append(a, "TYPE", g.pick("string", "list", "set", "zset", "hash", "stream", "foo"))
			}
		case 1:
			a = cmd("SSCAN", g.key(), "0")
		case 2:
			a = cmd("HSCAN", g.key(), "0")
		default:
			a = cmd("ZSCAN", g.key(), "0")
		}
		if g.chance(0.05) {
			a[len(a)-1] = g.pick("abc", "-1", "18446744073709551616")
		}
		return g.opts(a, 0.3, []string{"MATCH", g.pick("*", "a*", "?", "k[1-5]", "*1*")}, []string{"COUNT", g.pick("1", "2", "10", "0", "-1", "a")})
	}},
	// HyperLogLog
	{"PFADD", 3, func(g *gen) []string {
		a := cmd("PFADD", g.key())
		for range g.n(0, 5) {
			if g.chance(0.3) {
				a = append(a, "e"+g.itoa(0, 5000))
			} else {
				a = append(a, g.member())
			}
		}
		return a
	}},
	{"PFCOUNT", 2, func(g *gen) []string {
		if g.chance(0.4) {
			return append(cmd("PFMERGE", g.key()), g.keys(0, 3)...)
		}
		return append(cmd("PFCOUNT"), g.keys(1, 3)...)
	}},
	// geo
	{"GEOADD", 3, func(g *gen) []string {
		a := g.opts(cmd("GEOADD", g.key()), 0.15, []string{g.pick("NX", "XX")}, []string{"CH"})
		for range g.n(1, 3) {
			m := g.member()
			a = append(a, g.geoCoord(m)...)
			a = append(a, m)
		}
		return a
	}},
	{"GEOPOS", 2, func(g *gen) []string {
		switch g.r.Intn(3) {
		case 0:
			return append(cmd("GEOPOS", g.key()), g.members(1, 3)...)
		case 1:
			return append(cmd("GEOHASH", g.key()), g.members(1, 3)...)
		}
		a := cmd("GEODIST", g.key(), g.member(), g.member())
		if g.chance(0.6) {
			a = append(a, g.pick("m", "km", "ft", "mi", "KM", "furlong"))
		}
		return a
	}},
	{"GEOSEARCH", 3, func(g *gen) []string {
		name := g.pick("GEOSEARCH", "GEOSEARCH", "GEOSEARCHSTORE")
		a := cmd(name)
		if name == "GEOSEARCHSTORE" {
			a = append(a, g.key())
		}
		a = append(a, g.key())
		if g.chance(0.5) {
			a = append(a, "FROMMEMBER", g.member())
		} else {
			a = append(a, "FROMLONLAT")
			a = append(a, g.geoCoord("")...)
		}
		unit := g.pick("m", "km", "mi", "ft", "km")
		if g.chance(0.5) {
			a = append(a, "BYRADIUS", g.pick("1", "100", "1000", "5000", "20000", "0", "-1", "a"), unit)
		} else {
			a = append(a, "BYBOX", g.pick("10", "1000", "40000", "0", "a"), g.pick("10", "1000", "40000", "-1"), unit)
		}
		groups := [][]string{{g.pick("ASC", "DESC")}, {"COUNT", g.pick("1", "2", "5", "0", "-1")}}
		if g.chance(0.2) {
			groups[1] = append(groups[1], "ANY")
		}
		if name == "GEOSEARCH" {
			groups = append(groups, []string{"WITHCOORD"}, []string{"WITHDIST"}, []string{"WITHHASH"})
		} else {
			groups = append(groups, []string{"STOREDIST"})
		}
		return g.opts(a, 0.4, groups...)
	}},
	{"GEORADIUS", 1, func(g *gen) []string {
		var a []string
		if g.chance(0.5) {
			a = append(cmd(g.pick("GEORADIUS", "GEORADIUS_RO"), g.key()), g.geoCoord("")...)
		} else {
			a = cmd(g.pick("GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"), g.key(), g.member())
		}
		a = append(a, g.pick("100", "1000", "5000", "0", "-1"), g.pick("km", "m", "mi", "ft"))
		groups := [][]string{{g.pick("ASC", "DESC")}, {"COUNT", g.pick("1", "2", "5", "0")}, {"WITHCOORD"}, {"WITHDIST"}, {"WITHHASH"}}
		if !strings.HasSuffix(a[0], "_RO") {
			groups = append(groups, []string{g.pick("STORE", "STOREDIST"), g.key()})
		}
		return g.opts(a, 0.35, groups...)
	}},
	// streams
	{"XADD", 5, func(g *gen) []string {
		a := cmd("XADD", g.key())
		a = g.opts(a, 0.15, []string{"NOMKSTREAM"}, g.trim())
		a = append(a, g.streamID(true))
		return append(a, g.pairs(g.n(1, 2), g.member, g.val)...)
	}},
	{"XRANGE", 3, func(g *gen) []string {
		name := g.pick("XRANGE", "XREVRANGE")
		a := cmd(name, g.key(), g.rangeID(), g.rangeID())
		if g.chance(0.3) {
			a = append(a, "COUNT", g.count())
		}
		return a
	}},
	{"XLEN", 1, func(g *gen) []string { return cmd("XLEN", g.key()) }},
	{"XDEL", 2, func(g *gen) []string { return append(cmd("XDEL", g.key()), g.streamID(false), g.streamID(false)) }},
	{"XTRIM", 2, func(g *gen) []string { return append(cmd("XTRIM", g.key()), g.trim()...) }},
	{"XGROUP", 3, func(g *gen) []string {
		g.home = groupHome
		grp := g.pick("g1", "g2")
		switch g.r.Intn(8) {
		case 0, 1, 2, 3, 4:
			a := cmd("XGROUP", "CREATE", g.key(), grp, g.pick("0", "$", "1-1", "3", "0-0"))
			if g.chance(0.5) {
				a = append(a, "MKSTREAM")
			}
			return g.opts(a, 0.3, []string{"ENTRIESREAD", g.pick("0", "1", "3", "-1", "a")})
		case 5, 6:
			a := cmd("XGROUP", "SETID", g.key(), grp, g.pick("0", "$", "1-1", "3", "5-0"))
			return g.opts(a, 0.3, []string{"ENTRIESREAD", g.pick("0", "1", "3", "-1", "a")})
		}
		return cmd("XGROUP", "DESTROY", g.key(), grp)
	}},
	{"XKEYDEL", 1, func(g *gen) []string {
		// k12 starts over now and then: it may have reached the last possible id.
		if g.chance(0.3) {
			return cmd(g.pick("DEL", "UNLINK"), "k12")
		}
		return cmd("XLEN", "k12")
	}},
	{"XINFO", 2, func(g *gen) []string {
		if g.chance(0.5) {
			return cmd("XINFO", "GROUPS", g.key())
		}
		a := cmd("XINFO", "STREAM", g.key())
		if g.chance(0.5) {
			// FULL: exact while the stream has no consumer (see exec).
			a = append(a, "FULL")
			if g.chance(0.5) {
				a = append(a, "COUNT", g.pick("0", "1", "2", "10", "-1", "a"))
			}
		}
		return a
	}},
	{"XREAD", 2, func(g *gen) []string {
		a := cmd("XREAD")
		a = g.opts(a, 0.3, []string{"COUNT", g.pick("1", "2", "5", "0", "-1", "a")}, []string{"BLOCK", g.pick("10", "-1", "a")})
		ks := g.keys(1, 2)
		a = append(a, "STREAMS")
		a = append(a, ks...)
		for range ks {
			a = append(a, g.pick(g.rangeID(), "$", "0", "0-0", "+"))
		}
		if g.chance(0.05) {
			a = a[:len(a)-1]
		}
		return a
	}},
	{"XREADGROUP", 4, func(g *gen) []string {
		g.home = groupHome
		k, grp, cons := g.key(), g.pick("g1", "g2"), g.pick("c1", "c2")
		switch g.r.Intn(7) {
		case 0, 1:
			a := cmd("XREADGROUP", "GROUP", grp, cons)
			a = g.opts(a, 0.4, []string{"COUNT", g.pick("1", "2", "5", "0", "-1")})
			if g.chance(0.1) {
				a = append(a, "NOACK")
			}
			return append(a, "STREAMS", k, g.pick(">", ">", "0", "0-0", g.rangeID()))
		case 2:
			return cmd("XACK", k, grp, g.streamID(false), g.streamID(false))
		case 3:
			switch g.r.Intn(3) {
			case 0:
				return cmd("XPENDING", k, grp)
			case 1:
				return cmd("XINFO", "CONSUMERS", k, grp)
			}
			// The extended form; idle times are compared within a margin (see exec).
			a := cmd("XPENDING", k, grp)
			if g.chance(0.3) {
				a = append(a, "IDLE", g.pick("0", "500000", "-1", "a"))
			}
			a = append(a, g.rangeID(), g.rangeID(), g.pick("1", "2", "10", "0", "-1", "a"))
			if g.chance(0.4) {
				a = append(a, cons)
			}
			return a
		case 4:
			return cmd("XGROUP", g.pick("CREATECONSUMER", "DELCONSUMER"), k, grp, cons)
		case 5:
			// A minimum idle time of 500000 ms tells entries delivered during the
			// run (idle about 0) from those XCLAIM IDLE or TIME made idle for ages.
			a := cmd("XAUTOCLAIM", k, grp, cons, g.pick("0", "0", "500000"), g.rangeID())
			return g.opts(a, 0.4, []string{"COUNT", g.pick("1", "2", "10", "0")}, []string{"JUSTID"})
		}
		a := cmd("XCLAIM", k, grp, cons, g.pick("0", "0", "500000"), g.streamID(false), g.streamID(false))
		return g.opts(a, 0.3, []string{"JUSTID"}, []string{"FORCE"}, []string{"RETRYCOUNT", g.pick("0", "3")},
			[]string{"LASTID", g.pick(g.rangeID(), g.streamID(false))},
			[]string{"IDLE", g.pick("0", "1000000", "-1")}, []string{"TIME", g.pick("1", "4102444800000", "-1")})
	}},
	{"RESTORE", 2, func(g *gen) []string {
		// The payload is redis-server's DUMP of a key (see exec), or garbage.
		src := "@DUMP:" + g.key()
		if g.chance(0.1) {
			src = g.pick("", "garbage", "\x00\x09")
		}
		a := cmd("RESTORE", g.key(), g.pick("0", "0", "0", "-1", "a"), src)
		if g.chance(0.2) {
			// An absolute expiry: in the past (the key is not created), far ahead, or wrong.
			a[2] = g.pick(g.absMs(), g.absMs(), "0", "-1")
			a = append(a, "ABSTTL")
		}
		return g.opts(a, 0.7, []string{"REPLACE"}, []string{g.pick("IDLETIME", "FREQ"), g.pick("0", "10", "255", "256", "-1", "a")})
	}},
	{"XSETID", 1, func(g *gen) []string {
		return g.opts(cmd("XSETID", g.key(), g.pick("5-5", "10-0", "1-1", "0-0", "100")), 0.3,
			[]string{"ENTRIESADDED", g.pick("0", "5", "100", "-1")}, []string{"MAXDELETEDID", g.pick("0-0", "1-1", "5-5", "200-0")})
	}},
	// server: encoding thresholds, so conversions happen at many sizes
	{"CONFIG", 1, func(g *gen) []string {
		if g.chance(0.15) {
			// List elements at least this long go to plain quicklist nodes.
			return cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", g.pick("1", "10", "50", "100", "1000", "0", "a"))
		}
		p := g.pick("hash-max-listpack-entries", "hash-max-listpack-value", "zset-max-listpack-entries",
			"zset-max-listpack-value", "set-max-intset-entries", "list-max-listpack-size", "list-compress-depth",
			"stream-node-max-entries", "stream-node-max-bytes", "hll-sparse-max-bytes")
		var v string
		switch p {
		case "list-max-listpack-size":
			v = g.pick("-1", "-2", "-5", "1", "2", "3", "4", "8")
		case "list-compress-depth":
			v = g.pick("0", "1", "2")
		case "hll-sparse-max-bytes":
			v = g.pick("0", "10", "100", "3000")
		case "stream-node-max-bytes":
			// Not 1: with it redis-server 7.0.15 crashed in XCLAIM (streamEntryExists,
			// lpFirst) on seed 5140, not reduced yet.
			v = g.pick("0", "50", "100", "200", "4096")
		case "hash-max-listpack-value", "zset-max-listpack-value":
			v = g.pick("0", "1", "3", "8", "64")
		default:
			v = g.pick("0", "1", "2", "3", "4", "128")
		}
		return cmd("CONFIG", "SET", p, v)
	}},
}

// configDefaults resets what the CONFIG generator changes.
var configDefaults = [][]string{
	{"hash-max-listpack-entries", "128"}, {"hash-max-listpack-value", "64"},
	{"zset-max-listpack-entries", "128"}, {"zset-max-listpack-value", "64"},
	{"set-max-intset-entries", "512"}, {"list-max-listpack-size", "-2"}, {"list-compress-depth", "0"},
	{"stream-node-max-entries", "100"}, {"stream-node-max-bytes", "4096"}, {"hll-sparse-max-bytes", "3000"},
}

func (g *gen) lex() string {
	return g.pick("-", "+", "[a", "(a", "[b", "(c", "[1", "(10", "[", "(", "a", "[\x00", "[x y")
}

func (g *gen) scoreBound() string {
	return g.pick("-inf", "+inf", "inf", "0", "1", "(1", "2", "(2", "1.5", "(1.5", "-1", "100", "(", "a", "nan", "(inf", "10")
}

func (g *gen) zrange(name string, keys ...string) []string {
	a := append(cmd(name), keys...)
	mode := g.r.Intn(3)
	switch mode {
	case 0:
		a = append(a, g.idx(), g.idx())
	case 1:
		a = append(a, g.scoreBound(), g.scoreBound(), "BYSCORE")
	default:
		a = append(a, g.lex(), g.lex(), "BYLEX")
	}
	// the by-keyword, already placed, moves sometimes
	if mode > 0 && g.chance(0.2) {
		i := len(a) - 1
		j := len(keys) + 1 + g.r.Intn(3)
		a[i], a[j] = a[j], a[i]
	}
	groups := [][]string{{"REV"}, {"LIMIT", g.idx(), g.idx()}}
	if name == "ZRANGE" {
		groups = append(groups, []string{"WITHSCORES"})
	}
	return g.opts(a, 0.35, groups...)
}

// geoCoord returns a longitude and latitude: for a member, one of two points of its
// own (so no two members share a position and distances rarely tie), sometimes an
// invalid one.
func (g *gen) geoCoord(member string) []string {
	if g.chance(0.08) {
		return g.pick2([][2]string{{"181", "0"}, {"0", "86"}, {"abc", "1"}, {"0", "inf"}, {"-180", "-85.05112878"}, {"180", "85.05112878"}})
	}
	h := 0
	for _, c := range []byte(member) {
		h = h*31 + int(c)
	}
	h = (h%1000+1000)%1000 + 1000*g.r.Intn(2)
	lon := -10 + float64(h%97)*0.21 + float64(h)*0.0001
	lat := 35 + float64(h%89)*0.13 + float64(h)*0.00007
	return []string{strconv.FormatFloat(lon, 'f', 6, 64), strconv.FormatFloat(lat, 'f', 6, 64)}
}

func (g *gen) pick2(xs [][2]string) []string {
	x := xs[g.r.Intn(len(xs))]
	return []string{x[0], x[1]}
}

// streamID is an entry id for XADD (auto=true allows "<ms>-*") or XDEL.
func (g *gen) streamID(auto bool) string {
	if auto && g.chance(0.2) {
		return g.pick("5-*", "10-*", "0-*", "a-*")
	}
	if auto && g.chance(0.05) {
		// A bare millisecond part: sequence 0, or the next one in that millisecond.
		g.xms += g.n(0, 1)
		return strconv.Itoa(g.xms)
	}
	if g.chance(0.1) {
		return g.pick("0-0", "abc", "18446744073709551615-18446744073709551615", "1-18446744073709551616", "-1")
	}
	if g.chance(0.7) {
		g.xms += g.n(0, 2)
		return strconv.Itoa(g.xms) + "-" + g.itoa(0, 3)
	}
	return g.itoa(max(0, g.xms-10), g.xms) + "-" + g.itoa(0, 3)
}

func (g *gen) rangeID() string {
	if g.chance(0.5) {
		id := g.itoa(max(0, g.xms-20), g.xms+1)
		if g.chance(0.5) {
			id += "-" + g.itoa(0, 3)
		}
		if g.chance(0.2) {
			id = "(" + id
		}
		return id
	}
	return g.pick("-", "+", "0", "1", "1-1", "(1-1", "3", "5-2", "(5", "(+", "(-", "abc", "18446744073709551615")
}

func (g *gen) trim() []string {
	a := []string{g.pick("MAXLEN", "MINID")}
	if g.chance(0.4) {
		a = append(a, g.pick("=", "~"))
	}
	if a[0] == "MAXLEN" {
		a = append(a, g.pick("0", "1", "2", "5", "10", "-1", "a"))
	} else {
		a = append(a, g.pick("0", "1-1", "abc", g.itoa(max(0, g.xms-20), g.xms), g.itoa(max(0, g.xms-20), g.xms)+"-1"))
	}
	if g.chance(0.15) {
		a = append(a, "LIMIT", g.pick("0", "1", "10", "-1"))
	}
	return a
}

// mutate breaks a command now and then: an argument dropped, repeated, swapped or a
// keyword inserted, to reach the parsers' error paths.
func (g *gen) mutate(a []string) []string {
	if len(a) < 2 {
		return a
	}
	a = append([]string(nil), a...)
	i := 1 + g.r.Intn(len(a)-1)
	switch g.r.Intn(4) {
	case 0:
		a = append(a[:i], a[i+1:]...)
	case 1:
		a = append(a[:i+1], a[i:]...)
	case 2:
		j := 1 + g.r.Intn(len(a)-1)
		a[i], a[j] = a[j], a[i]
	default:
		kw := g.pick(keywords...)
		a = append(a[:i], append([]string{kw}, a[i:]...)...)
	}
	return a
}

// next returns the next command.
func (g *gen) next() []string {
	total := 0
	for _, e := range generators {
		total += e.w
	}
	x := g.r.Intn(total)
	for _, e := range generators {
		if x < e.w {
			g.home = homes[familyOf(e.name)]
			a := e.f(g)
			if g.chance(0.04) && e.name != "BLOCKING" {
				a = g.mutate(a)
			}
			if shortTTL(a) || blocksForever(a) {
				return g.next()
			}
			return a
		}
		x -= e.w
	}
	panic("unreachable")
}

// shortTTL reports whether a (a mutated command, say SET k 191624461 PX 10) sets a
// relative expiry short enough that the key could expire during the run, at a
// different moment on each server.
func shortTTL(a []string) bool {
	short := func(v string, ms bool) bool {
		n, err := strconv.ParseInt(v, 10, 64)
		limit := int64(10000)
		if ms {
			limit *= 1000
		}
		return err == nil && n > 0 && n < limit
	}
	switch strings.ToUpper(a[0]) {
	case "SET", "GETEX":
		for i := 2; i+1 < len(a); i++ {
			if u := strings.ToUpper(a[i]); (u == "EX" || u == "PX") && short(a[i+1], u == "PX") {
				return true
			}
		}
	case "SETEX", "EXPIRE":
		return len(a) > 2 && short(a[2], false)
	case "PSETEX", "PEXPIRE":
		return len(a) > 2 && short(a[2], true)
	case "RESTORE":
		// A TTL in milliseconds, relative without ABSTTL.
		return len(a) > 2 && short(a[2], true) && !slices.ContainsFunc(a[3:], func(s string) bool { return strings.EqualFold(s, "ABSTTL") })
	}
	return false
}

// blocking is a blocking pop or move with a short timeout (never 0: with nothing to
// pop, both servers answer null after it), so only its immediate or timed-out reply
// is compared. next does not mutate these, which could make the timeout 0.
func (g *gen) blocking() []string {
	timeout := g.pick("0.01", "0.01", "0.02", "-1", "a")
	switch g.r.Intn(6) {
	case 0:
		g.home = homes["list"]
		return append(append(cmd(g.pick("BLPOP", "BRPOP")), g.keys(1, 3)...), timeout)
	case 1:
		g.home = homes["list"]
		if g.chance(0.3) {
			return cmd("BRPOPLPUSH", g.key(), g.key(), timeout)
		}
		return cmd("BLMOVE", g.key(), g.key(), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT"), timeout)
	case 2, 3:
		name, dir := "BLMPOP", g.pick("LEFT", "RIGHT")
		g.home = homes["list"]
		if g.chance(0.5) {
			name, dir = "BZMPOP", g.pick("MIN", "MAX")
			g.home = homes["zset"]
		}
		ks := g.keys(1, 3)
		a := append(cmd(name, timeout, strconv.Itoa(len(ks))), ks...)
		a = append(a, dir)
		if g.chance(0.4) {
			a = append(a, "COUNT", g.pick("1", "2", "5", "0", "-1", "a"))
		}
		return a
	}
	g.home = homes["zset"]
	return append(append(cmd(g.pick("BZPOPMIN", "BZPOPMAX")), g.keys(1, 3)...), timeout)
}

// blocksForever reports whether a (a mutated XREAD, say) is a blocking command with
// a timeout of 0, which would wait for ever when there is nothing to read.
func blocksForever(a []string) bool {
	name := strings.ToUpper(a[0])
	if name == "XREAD" || name == "XREADGROUP" {
		for i := 1; i+1 < len(a); i++ {
			if strings.EqualFold(a[i], "BLOCK") && a[i+1] == "0" {
				return true
			}
		}
		return false
	}
	if name[0] != 'B' || len(a) < 2 {
		return false
	}
	timeout := a[len(a)-1]
	if name == "BLMPOP" || name == "BZMPOP" {
		timeout = a[1]
	}
	f, err := strconv.ParseFloat(timeout, 64)
	return err == nil && f == 0
}
