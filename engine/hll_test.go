package engine

// Tests of the HyperLogLog commands (hll.go). The format and the estimator are
// tested in engine/hyperloglog against vectors recorded from redis-server; here the
// commands' replies, encodings, propagation and events. hll_diff_test.go and
// internal/difftest/testdata/hll.txt compare with a live redis-server.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/hyperloglog"
)

func TestHLLCommands(t *testing.T) {
	st := newStrTester(t)
	st.script(`
		PFADD h => :1
		PFADD h => :0
		PFCOUNT h => :0
		PFADD h a b c => :1
		PFADD h a => :0
		PFCOUNT h => :3
		PFCOUNT h nokey => :3
		PFCOUNT nokey => :0
		PFDEBUG ENCODING h => sparse
		PFDEBUG DECODE h => "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
		PFMERGE m h => OK
		PFCOUNT m => :3
		PFDEBUG TODENSE m => :1
		PFDEBUG TODENSE m => :0
		PFDEBUG DECODE m => -ERR HLL encoding is not sparse
		PFDEBUG ENCODING m => dense
		PFCOUNT m h => :3
		PFDEBUG GETREG nokey => -ERR The specified key does not exist
		PFDEBUG nope h => -ERR Unknown PFDEBUG subcommand 'nope'
		PFDEBUG nope nokey => -ERR The specified key does not exist
		SET s x => OK
		PFADD s a => -WRONGTYPE Key is not a valid HyperLogLog string value.
		PFCOUNT s h => -WRONGTYPE Key is not a valid HyperLogLog string value.
		RPUSH l a => :1
		PFADD l a => -WRONGTYPE Operation against a key holding the wrong kind of value
		PFMERGE l h => -WRONGTYPE Operation against a key holding the wrong kind of value
		PFSELFTEST x => -ERR wrong number of arguments for 'pfselftest' command
		PFDEBUG GETREG => -ERR wrong number of arguments for 'pfdebug' command
	`)
}

// TestHLLEncodings: a new HLL is a raw string; an HLL stored by SET is embstr and
// becomes raw as soon as an HLL command touches it, even PFCOUNT (Redis's
// dbUnshareStringValue); TTLs survive; COPY copies.
func TestHLLEncodings(t *testing.T) {
	st := newStrTester(t)
	st.do("PFADD", "h", "a", "b", "c")
	if enc := st.enc("h"); enc != "raw" {
		t.Fatalf("new HLL encoding %s", enc)
	}
	v := st.do("GET", "h")
	val, _ := strconv.Unquote(v)
	st.do("SET", "e", val)
	if enc := st.enc("e"); enc != "embstr" {
		t.Fatalf("SET HLL encoding %s", enc)
	}
	st.script(`
		PFCOUNT e => :3
		OBJECT ENCODING e => "raw"
		EXPIRE e 100 => :1
		PFADD e d => :1
		TTL e => :100
		PFMERGE e h => OK
		TTL e => :100
		COPY e e2 => :1
		PFADD e2 x y z => :1
		PFCOUNT e => :4
		PFCOUNT e2 => :7
	`)
}

// TestHLLPropagation: PFADD propagates when a register changed, PFCOUNT when it wrote
// the cached cardinality (it is read-only but flagged may_replicate), PFDEBUG when
// it converted; the counts of changes are Redis's.
func TestHLLPropagation(t *testing.T) {
	st := newStrTester(t)
	var events []string
	st.s.onNotify = func(class NotifyClass, event string, key []byte, db int) {
		if class != NotifyKeyMiss && class != NotifyNew {
			events = append(events, event+" "+string(key))
		}
	}
	step := func(args string, dirty int64) {
		t.Helper()
		d0 := st.s.dirty
		st.do(splitArgs(t, args)...)
		if got := st.s.dirty - d0; got != dirty {
			t.Errorf("%s: dirty +%d, want +%d", args, got, dirty)
		}
	}
	step("PFADD h a b c", 4) // the key, and three registers
	step("PFADD h a", 0)
	step("PFCOUNT h", 1) // the cache was invalid
	step("PFCOUNT h", 0)
	step("PFCOUNT h h", 0)
	step("PFMERGE m h", 1)
	step("PFDEBUG TODENSE m", 1)
	step("PFDEBUG TODENSE m", 0)
	step("PFDEBUG GETREG h", 1) // converts a sparse HLL
	step("PFDEBUG ENCODING h", 0)
	want := []string{"PFADD h a b c", "PFCOUNT h", "PFMERGE m h", "PFDEBUG TODENSE m", "PFDEBUG GETREG h"}
	if strings.Join(st.propagated, "|") != strings.Join(want, "|") {
		t.Errorf("propagated %q, want %q", st.propagated, want)
	}
	if strings.Join(events, "|") != "pfadd h|pfadd m" {
		t.Errorf("events %q", events)
	}
}

// TestHLLPromotion follows one key through its promotion to dense under
// hll-sparse-max-bytes, checking the sparse size never exceeds the limit.
func TestHLLPromotion(t *testing.T) {
	for _, limit := range []int64{0, 100, 3000} {
		st := newStrTester(t)
		st.s.cfg.HLLSparseMaxBytes = limit
		dense := false
		for i := 0; i < 3000 && !dense; i++ {
			st.do("PFADD", "h", "e"+strconv.Itoa(i))
			v := []byte(st.s.dbs[0].lookup([]byte("h")).Obj.(*strBuf).b)
			switch hyperloglog.Encoding(v) {
			case hyperloglog.Dense:
				dense = true
				if len(v) != hyperloglog.DenseSize {
					t.Fatalf("dense HLL of %d bytes", len(v))
				}
			default:
				if int64(len(v)) > max(limit, 18) {
					t.Fatalf("limit %d: sparse HLL of %d bytes", limit, len(v))
				}
			}
		}
		if !dense {
			t.Fatalf("limit %d: never promoted", limit)
		}
	}
}

// BenchmarkHLL runs PFADD and PFCOUNT through processInput as redis-benchmark
// sends them (one and sixteen per read): PFADD of random integers to one key (dense
// after a few hundred), PFCOUNT of that key (cached) and after every PFADD (the
// estimate recomputed), and PFCOUNT of two keys (the union).
func BenchmarkHLL(b *testing.B) {
	for _, bc := range []struct {
		name string
		cmds [][]string
	}{
		{"PFADD", [][]string{{"PFADD", "hll", "__rand__"}}},
		{"PFCOUNT-cached", [][]string{{"PFCOUNT", "hll"}}},
		{"PFADD+PFCOUNT", [][]string{{"PFADD", "hll", "__rand__"}, {"PFCOUNT", "hll"}}},
		{"PFCOUNT-union", [][]string{{"PFCOUNT", "hll", "hll2"}}},
		{"PFADD-sparse", [][]string{{"PFADD", "s", "__rand__"}}},
	} {
		for _, p := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/P%d", bc.name, p), func(b *testing.B) {
				s, c := benchClient(b)
				for i := 0; i < 100000; i++ {
					s.processInput(c, pipeline(1, "PFADD", "hll", strconv.Itoa(i)))
					if i < 50000 {
						s.processInput(c, pipeline(1, "PFADD", "hll2", strconv.Itoa(i*3)))
					}
					c.out = c.out[:0]
				}
				// A pipeline of p rounds of the commands, each with its own element.
				var bufs [][]byte
				for k := 0; k < 64; k++ {
					var buf []byte
					for j := 0; j < p; j++ {
						for _, cmd := range bc.cmds {
							args := append([]string(nil), cmd...)
							for i, a := range args {
								if a == "__rand__" {
									args[i] = strconv.Itoa((k*p + j) * 7919 % 100000)
								}
							}
							buf = append(buf, pipeline(1, args...)...)
						}
					}
					bufs = append(bufs, buf)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i += p {
					buf := bufs[(i/p)%len(bufs)]
					if bc.name == "PFADD-sparse" && i%256 == 0 {
						s.dbs[0].Delete([]byte("s")) // stay sparse
					}
					feedInput(b, s, c, buf)
				}
			})
		}
	}
}
