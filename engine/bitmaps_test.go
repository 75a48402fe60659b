package engine

// Tests of the bit commands (bitmaps.go): tables against the in-process strTester
// (strings_test.go), a model test of the BITFIELD field arithmetic, and randomized
// comparisons with a real redis-server.

import (
	"math/bits"
	"strconv"
	"strings"
	"testing"
)

func TestSetbitGetbit(t *testing.T) {
	st := newStrTester(t)
	st.c.db.Add([]byte("list"), TypeList, EncQuicklist)
	st.script(`
		SETBIT k 7 1 => :0
		GET k => "\x01"
		SETBIT k 7 1 => :1
		SETBIT k 7 0 => :1
		SETBIT k 0 1 => :0
		GET k => "\x80"
		SETBIT k 17 1 => :0
		GET k => "\x80\x00@"
		GETBIT k 0 => :1
		GETBIT k 1 => :0
		GETBIT k 17 => :1
		GETBIT k 1000 => :0
		GETBIT nokey 0 => :0
		SETBIT k -1 1 => -ERR bit offset is not an integer or out of range
		SETBIT k x 1 => -ERR bit offset is not an integer or out of range
		SETBIT k 4294967296 1 => -ERR bit offset is not an integer or out of range
		SETBIT k 4294967295 2 => -ERR bit is not an integer or out of range
		SETBIT k 0 -1 => -ERR bit is not an integer or out of range
		SETBIT k 0 x => -ERR bit is not an integer or out of range
		GETBIT k -1 => -ERR bit offset is not an integer or out of range
		GETBIT k 4294967296 => -ERR bit offset is not an integer or out of range
		SETBIT list 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
		GETBIT list 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
		SET n 1 => OK
		GETBIT n 2 => :1
		GETBIT n 7 => :1
		GETBIT n 6 => :0
	`)
	// An unchanged bit of an existing string is not a change: nothing propagates.
	n := len(st.propagated)
	st.do("SETBIT", "k", "0", "1")
	if len(st.propagated) != n {
		t.Errorf("a SETBIT that changed nothing was propagated: %q", st.propagated[n:])
	}
	st.do("SETBIT", "k", "100", "0") // grows the string: a change
	if len(st.propagated) != n+1 {
		t.Errorf("a SETBIT that grew the string was not propagated")
	}
	st.s.cfg.ProtoMaxBulkLen = 4
	st.script(`
		SETBIT k 31 1 => :0
		SETBIT k 32 1 => -ERR bit offset is not an integer or out of range
	`)
}

func TestBitcountBitpos(t *testing.T) {
	st := newStrTester(t)
	st.c.db.Add([]byte("list"), TypeList, EncQuicklist)
	st.script(`
		SET k foobar => OK
		BITCOUNT k => :26
		BITCOUNT k 0 0 => :4
		BITCOUNT k 1 1 => :6
		BITCOUNT k 1 1 BYTE => :6
		BITCOUNT k 5 30 BIT => :17
		BITCOUNT k -2 -1 => :7
		BITCOUNT k -1 -2 => :0
		BITCOUNT k -1 -2 FOO => :0
		BITCOUNT k 0 -1 FOO => -ERR syntax error
		BITCOUNT k 0 => -ERR syntax error
		BITCOUNT k a b => -ERR value is not an integer or out of range
		BITCOUNT nokey 0 => :0
		BITCOUNT nokey a b FOO => :0
		BITCOUNT list => -WRONGTYPE Operation against a key holding the wrong kind of value
		BITCOUNT list 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
		SET n 12 => OK
		BITCOUNT n => :6
		SET e "" => OK
		BITCOUNT e 0 -1 => :0
		BITCOUNT e 0 -1 BIT => :0
		SET p "\xff\xf0\x00" => OK
		BITPOS p 0 => :12
		BITPOS p 1 2 => :-1
		BITPOS p 0 2 => :16
		BITPOS p 0 0 0 => :-1
		BITPOS p 0 0 -1 => :12
		BITPOS p 1 2 -1 BYTE => :-1
		BITPOS p 1 7 15 BIT => :7
		BITPOS p 0 7 11 BIT => :-1
		BITPOS p 0 7 12 BIT => :12
		BITPOS p 0 9 -1 BIT => :12
		BITPOS p 0 9 BIT => -ERR value is not an integer or out of range
		BITPOS p 1 100 => :-1
		BITPOS p 0 100 => :-1
		BITPOS p 2 => -ERR The bit argument must be 1 or 0.
		BITPOS p x => -ERR value is not an integer or out of range
		BITPOS p 0 0 1 FOO => -ERR syntax error
		BITPOS p 0 0 x FOO => -ERR syntax error
		BITPOS p 0 x => -ERR value is not an integer or out of range
		BITPOS p 0 1 2 BIT 5 => -ERR syntax error
		BITPOS nokey 0 => :0
		BITPOS nokey 1 => :-1
		BITPOS nokey 1 x y z => :-1
		BITPOS list 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
		SET z "\x00\x00" => OK
		BITPOS z 1 => :-1
		BITPOS z 0 => :0
		SET f "\xff\xff" => OK
		BITPOS f 0 => :16
		BITPOS f 0 0 -1 => :-1
		BITPOS f 0 0 => :16
	`)
}

func TestBitop(t *testing.T) {
	st := newStrTester(t)
	st.c.db.Add([]byte("list"), TypeList, EncQuicklist)
	st.script(`
		SET a "\xf0\x0f\xaa" => OK
		SET b "\xff\x01" => OK
		BITOP AND d a b => :3
		GET d => "\xf0\x01\x00"
		BITOP OR d a b => :3
		GET d => "\xff\x0f\xaa"
		BITOP XOR d a b => :3
		GET d => "\x0f\x0e\xaa"
		BITOP NOT d a => :3
		GET d => "\x0f\xf0U"
		BITOP NOT d a b => -ERR BITOP NOT must be called with a single source key.
		BITOP FOO d a => -ERR syntax error
		BITOP AND d a nokey => :3
		GET d => "\x00\x00\x00"
		BITOP OR d nokey a => :3
		BITOP AND d list a => -WRONGTYPE Operation against a key holding the wrong kind of value
		BITOP AND list a => :3
		GET list => "\xf0\x0f\xaa"
		BITOP OR d nokey nokey2 => :0
		GET d => (nil)
		BITOP and d a a => :3
		SET n 12 => OK
		BITOP NOT d n => :2
		GET d => "\xce\xcd"
	`)
	st.do("SET", "t", "v", "EX", "100")
	st.do("BITOP", "OR", "t", "a")
	if st.ttl("t") != 0 || st.enc("t") != "raw" {
		t.Errorf("BITOP destination: ttl %d encoding %s, want no TTL and raw", st.ttl("t"), st.enc("t"))
	}
	// Long inputs take the word-at-a-time path.
	long1 := strings.Repeat("\x5a", 37)
	long2 := strings.Repeat("\xa5\xff", 20)
	st.do("SET", "l1", long1)
	st.do("SET", "l2", long2)
	st.do("BITOP", "XOR", "lx", "l1", "l2")
	want := make([]byte, 40)
	for i := range want {
		var x byte
		if i < len(long1) {
			x = long1[i]
		}
		want[i] = x ^ long2[i]
	}
	if got := st.do("GET", "lx"); got != strconv.Quote(string(want)) {
		t.Errorf("long XOR = %s", got)
	}
}

func TestBitfield(t *testing.T) {
	st := newStrTester(t)
	st.c.db.Add([]byte("list"), TypeList, EncQuicklist)
	st.script(`
		BITFIELD k SET i8 0 -100 GET i8 0 GET u8 0 => [:0 :-100 :156]
		BITFIELD k INCRBY i8 0 300 => [:-56]
		BITFIELD k OVERFLOW SAT INCRBY i8 0 -100 => [:-128]
		BITFIELD k OVERFLOW FAIL INCRBY i8 0 -1 => [(nil)]
		BITFIELD k OVERFLOW WRAP INCRBY i8 0 -1 => [:127]
		BITFIELD k SET u8 #1 255 GET u4 #2 GET u4 12 => [:0 :15 :15]
		BITFIELD k OVERFLOW SAT SET u8 0 -1 => [:127]
		BITFIELD k GET u8 0 => [:255]
		BITFIELD k OVERFLOW SAT SET u8 0 300 INCRBY u8 0 -400 => [:255 :0]
		BITFIELD k SET i64 0 -1 GET u63 0 GET i64 0 => [:71776119061217280 :9223372036854775807 :-1]
		BITFIELD k OVERFLOW SAT INCRBY i64 0 -9223372036854775807 INCRBY i64 0 -5 => [:-9223372036854775808 :-9223372036854775808]
		BITFIELD k OVERFLOW WRAP INCRBY i64 0 -1 => [:9223372036854775807]
		BITFIELD k GET u64 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
		BITFIELD k GET i65 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
		BITFIELD k GET I8 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
		BITFIELD k GET i0 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
		BITFIELD k GET u8 -1 => -ERR bit offset is not an integer or out of range
		BITFIELD k GET u8 #-1 => -ERR bit offset is not an integer or out of range
		BITFIELD k GET u8 ## => -ERR bit offset is not an integer or out of range
		BITFIELD k SET u8 0 x => -ERR value is not an integer or out of range
		BITFIELD k OVERFLOW FOO => -ERR Invalid OVERFLOW type specified
		BITFIELD k OVERFLOW => -ERR syntax error
		BITFIELD k FOO => -ERR syntax error
		BITFIELD k GET u8 => -ERR syntax error
		BITFIELD k SET u8 0 => -ERR syntax error
		BITFIELD k => []
		BITFIELD nokey GET u8 100 => [:0]
		BITFIELD list GET u8 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
		BITFIELD list SET u8 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
		BITFIELD list FOO => -ERR syntax error
		BITFIELD_RO k GET u8 0 GET i4 4 => [:127 :-1]
		BITFIELD_RO k SET u8 0 1 => -ERR BITFIELD_RO only supports the GET subcommand
		BITFIELD_RO list GET u8 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
		BITFIELD_RO k => []
		SET n 1 => OK
		BITFIELD n GET u8 0 => [:49]
		BITFIELD f OVERFLOW FAIL SET u4 8 100 => [(nil)]
		GET f => "\x00\x00"
	`)
	// An offset past proto-max-bulk-len is refused, also in the #N form.
	st.s.cfg.ProtoMaxBulkLen = 8
	st.script(`
		BITFIELD k GET u8 #7 => [:255]
		BITFIELD k GET u8 #8 => -ERR bit offset is not an integer or out of range
		BITFIELD k GET u8 64 => -ERR bit offset is not an integer or out of range
	`)
	st.raw("HELLO", "3")
	st.c.proto = 3
	if got := st.raw("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "100"); got != "*1\r\n_\r\n" {
		t.Errorf("RESP3 BITFIELD FAIL = %q", got)
	}
}

// TestBitfieldOverflowModel checks the overflow rules for every small width against
// plain arithmetic: wrap is modular, sat clamps, fail refuses any result out of range.
func TestBitfieldOverflowModel(t *testing.T) {
	for width := 1; width <= 8; width++ {
		umax := int64(1)<<width - 1
		smin, smax := -int64(1)<<(width-1), int64(1)<<(width-1)-1
		for v := int64(0); v <= umax; v++ {
			for incr := int64(-300); incr <= 300; incr++ {
				sum := v + incr
				over, got := unsignedOverflow(uint64(v), incr, width, bfWrap)
				if wantOver := sum < 0 || sum > umax; over != wantOver || over && int64(got) != sum&umax {
					t.Fatalf("u%d %d%+d wrap: %v %d", width, v, incr, over, got)
				}
				_, got = unsignedOverflow(uint64(v), incr, width, bfSat)
				if sum > umax && int64(got) != umax || sum < 0 && got != 0 {
					t.Fatalf("u%d %d%+d sat: %d", width, v, incr, got)
				}
				sv := v + smin // every signed value of the width
				ssum := sv + incr
				sover, sgot := signedOverflow(sv, incr, width, bfWrap)
				wrapped := ssum & umax
				if wrapped > smax {
					wrapped -= umax + 1
				}
				if wantOver := ssum < smin || ssum > smax; sover != wantOver || sover && sgot != wrapped {
					t.Fatalf("i%d %d%+d wrap: %v %d, want %d", width, sv, incr, sover, sgot, wrapped)
				}
				_, sgot = signedOverflow(sv, incr, width, bfSat)
				if ssum > smax && sgot != smax || ssum < smin && sgot != smin {
					t.Fatalf("i%d %d%+d sat: %d", width, sv, incr, sgot)
				}
			}
		}
	}
}

func TestFindBitAndPopcount(t *testing.T) {
	for n := 0; n < 40; n++ {
		for _, fill := range []byte{0, 0xff, 0x0f} {
			p := make([]byte, n)
			for i := range p {
				p[i] = fill
			}
			for pos := -1; pos < n*8; pos += 3 {
				q := append([]byte(nil), p...)
				if pos >= 0 {
					q[pos/8] ^= 0x80 >> (pos % 8)
				}
				for bit := int64(0); bit <= 1; bit++ {
					want := int64(-1)
					for i := 0; i < n*8; i++ {
						if int64(q[i/8]>>(7-i%8)&1) == bit {
							want = int64(i)
							break
						}
					}
					if want == -1 && bit == 0 {
						want = int64(n) * 8
					}
					if got := findBit(q, bit); got != want {
						t.Fatalf("findBit(%x, %d) = %d, want %d", q, bit, got, want)
					}
				}
				var count int64
				for _, b := range q {
					count += int64(bits.OnesCount8(b))
				}
				if got := bitPopcount(q); got != count {
					t.Fatalf("bitPopcount(%x) = %d, want %d", q, got, count)
				}
			}
		}
	}
}

// TestBitmapsAgainstRedis runs random bit commands against redis-server and keygrid
// and compares the replies byte for byte: BITPOS and BITCOUNT ranges, BITFIELD
// overflow handling and BITOP lengths are where the quirks are.
func TestBitmapsAgainstRedis(t *testing.T) {
	ref, st := redisForDiff(t), newStrTester(t)
	rng := newDiffRand(t)
	keys := []string{"a", "b", "c"}
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	idx := func() string {
		switch rng.IntN(4) {
		case 0:
			return strconv.Itoa(rng.IntN(80) - 40)
		case 1:
			return strconv.Itoa(rng.IntN(10) - 5)
		default:
			return strconv.Itoa(rng.IntN(30))
		}
	}
	randBytes := func() string {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			switch rng.IntN(4) {
			case 0:
				b[i] = 0
			case 1:
				b[i] = 0xff
			default:
				b[i] = byte(rng.IntN(256))
			}
		}
		return string(b)
	}
	types := []string{"u1", "u3", "u8", "u13", "u32", "u63", "i1", "i5", "i8", "i16", "i33", "i64"}
	for i := 0; i < 6000; i++ {
		if i%1000 == 0 {
			diffProto(t, ref, st, 2+i/1000%2) // RESP2 and RESP3 in turn
		}
		k := pick(keys)
		var cmd []string
		switch rng.IntN(10) {
		case 0:
			cmd = []string{"SET", k, randBytes()}
		case 1:
			cmd = []string{"SETBIT", k, strconv.Itoa(rng.IntN(200)), strconv.Itoa(rng.IntN(2))}
		case 2:
			cmd = []string{"GETBIT", k, strconv.Itoa(rng.IntN(200))}
		case 3:
			cmd = []string{"BITCOUNT", k}
			if rng.IntN(4) > 0 {
				cmd = append(cmd, idx(), idx())
				if m := rng.IntN(3); m > 0 {
					cmd = append(cmd, []string{"BIT", "BYTE"}[m-1])
				}
			}
		case 4, 5:
			cmd = []string{"BITPOS", k, strconv.Itoa(rng.IntN(2))}
			if n := rng.IntN(4); n > 0 {
				cmd = append(cmd, idx())
				if n > 1 {
					cmd = append(cmd, idx())
				}
				if n > 2 {
					cmd = append(cmd, []string{"BIT", "BYTE"}[rng.IntN(2)])
				}
			}
		case 6:
			cmd = []string{"BITOP", []string{"AND", "OR", "XOR", "NOT"}[rng.IntN(4)], k, pick(keys)}
			if cmd[1] != "NOT" {
				cmd = append(cmd, pick(keys))
			}
		case 7, 8:
			cmd = []string{"BITFIELD", k}
			for n := rng.IntN(4); n >= 0; n-- {
				typ := pick(types)
				off := strconv.Itoa(rng.IntN(100))
				if rng.IntN(4) == 0 {
					off = "#" + strconv.Itoa(rng.IntN(5))
				}
				switch rng.IntN(4) {
				case 0:
					cmd = append(cmd, "GET", typ, off)
				case 1:
					cmd = append(cmd, "SET", typ, off, strconv.FormatInt(rng.Int64()>>rng.IntN(64), 10))
				case 2:
					cmd = append(cmd, "INCRBY", typ, off, strconv.FormatInt(rng.Int64()>>rng.IntN(64)-rng.Int64()>>rng.IntN(64), 10))
				default:
					cmd = append(cmd, "OVERFLOW", []string{"WRAP", "SAT", "FAIL"}[rng.IntN(3)])
				}
			}
		default:
			cmd = []string{"GET", k}
		}
		diffStep(t, ref, st, cmd)
	}
}
