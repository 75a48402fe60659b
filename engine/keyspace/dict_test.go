package keyspace

// Tests of the keyspace table: random operation sequences against a Go map (the
// "dumb model"), SCAN's guarantee while the table grows and shrinks between calls,
// random sampling, and the benchmarks of the hot path.

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// modelVal is what the model keeps per key.
type modelVal struct {
	val    string
	expire int64
}

// checkInvariants compares d with the model in full and checks the dict's internal
// bookkeeping: counts per table, chain membership, the volatile list and its indexes.
func checkInvariants(t *testing.T, d *Dict, model map[string]modelVal) {
	t.Helper()
	if d.Len() != len(model) {
		t.Fatalf("Len %d, model %d", d.Len(), len(model))
	}
	vols := 0
	for k, mv := range model {
		r := d.FindString(k)
		if r == 0 {
			t.Fatalf("key %q missing", k)
		}
		e := d.E(r)
		if e.Key() != k || e.Val() != mv.val || e.Expire != mv.expire {
			t.Fatalf("key %q: got (%q, %q, %d), want (%q, %d)", k, e.Key(), e.Val(), e.Expire, mv.val, mv.expire)
		}
		if mv.expire != 0 {
			vols++
			if e.vpos < 0 || int(e.vpos) >= len(d.vol) || d.vol[e.vpos] != r {
				t.Fatalf("key %q: bad volatile index %d", k, e.vpos)
			}
		} else if e.vpos != -1 {
			t.Fatalf("key %q without TTL has vpos %d", k, e.vpos)
		}
	}
	if d.VolatileLen() != vols {
		t.Fatalf("VolatileLen %d, model %d", d.VolatileLen(), vols)
	}
	// Every chained entry is counted once, in the table that holds it, and hashes to
	// its bucket; buckets of t[0] below rehashIdx are empty.
	total := 0
	for ti := 0; ti < 2; ti++ {
		tb := &d.t[ti]
		n := 0
		for b := range tb.buckets {
			if ti == 0 && d.rehashIdx > 0 && b < d.rehashIdx && tb.buckets[b] != 0 {
				t.Fatalf("bucket %d below rehashIdx %d not empty", b, d.rehashIdx)
			}
			for r := tb.buckets[b]; r != 0; r = d.E(r).next {
				e := d.E(r)
				if uint64(e.hash)&tb.mask != uint64(b) {
					t.Fatalf("entry %q in bucket %d of table %d, hash says %d", e.Key(), b, ti, uint64(e.hash)&tb.mask)
				}
				if e.vpos == freed {
					t.Fatalf("freed entry %d chained in table %d", r, ti)
				}
				n++
			}
		}
		if n != tb.used {
			t.Fatalf("table %d: %d chained, used %d", ti, n, tb.used)
		}
		total += n
	}
	if total != d.count {
		t.Fatalf("%d chained, count %d", total, d.count)
	}
	if d.rehashIdx < 0 && len(d.t[1].buckets) != 0 {
		t.Fatalf("not rehashing but t[1] has %d buckets", len(d.t[1].buckets))
	}
	seen := 0
	d.Each(func(r Ref) bool {
		e := d.E(r)
		if _, ok := model[e.Key()]; !ok {
			t.Fatalf("Each: unknown key %q", e.Key())
		}
		seen++
		return true
	})
	if seen != len(model) {
		t.Fatalf("Each visited %d, model %d", seen, len(model))
	}
}

// TestDictModel runs random operations against a map through several cycles of growth
// to thousands of keys and shrinkage back to a few, with rehashing left in progress
// (the cron's Rehash is called only now and then) so lookups, inserts and deletes run
// against two tables most of the time.
func TestDictModel(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { dictModelRun(t, seed) })
	}
}

func dictModelRun(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 99))
	d := New()
	model := map[string]modelVal{}
	keyspace := 6000
	key := func() string { return "k" + strconv.Itoa(r.IntN(keyspace)) }
	ops := 120000
	if testing.Short() {
		ops = 30000
	}
	sawRehash, sawShrink := 0, 0
	for i := 0; i < ops; i++ {
		// Phases: grow (mostly inserts) then shrink (mostly deletes), 4 cycles.
		growing := (i/(ops/8))%2 == 0
		pInsert := 70
		if !growing {
			pInsert = 15
		}
		if d.IsRehashing() {
			sawRehash++
		}
		switch op := r.IntN(100); {
		case op < pInsert:
			k := key()
			v := strconv.Itoa(r.IntN(1000))
			if r.IntN(2) == 0 {
				ref, existed := d.Insert([]byte(k))
				_, inModel := model[k]
				if existed != inModel {
					t.Fatalf("op %d Insert(%q) existed=%v, model %v", i, k, existed, inModel)
				}
				e := d.E(ref)
				e.SetValString(v)
				mv := model[k]
				mv.val = v
				model[k] = mv
			} else if _, ok := model[k]; !ok {
				ref := d.InsertWithValue([]byte(k), []byte(v))
				if d.E(ref).Val() != v {
					t.Fatalf("InsertWithValue value %q", d.E(ref).Val())
				}
				model[k] = modelVal{val: v}
			}
		case op < pInsert+12:
			k := key()
			ref := d.Find([]byte(k))
			if _, ok := model[k]; ok != (ref != 0) {
				t.Fatalf("op %d Find(%q) = %d, model has it: %v", i, k, ref, ok)
			}
			if ref != 0 {
				d.Delete(ref)
				delete(model, k)
			}
		case op < pInsert+20:
			k := key()
			if ref := d.Find([]byte(k)); ref != 0 {
				ms := int64(0)
				if r.IntN(3) > 0 {
					ms = int64(1 + r.IntN(1e6))
				}
				d.SetExpire(ref, ms)
				mv := model[k]
				mv.expire = ms
				model[k] = mv
			}
		case op < pInsert+24:
			if ref := d.Random(); ref != 0 {
				if _, ok := model[d.E(ref).Key()]; !ok {
					t.Fatalf("Random returned unknown key %q", d.E(ref).Key())
				}
			} else if len(model) != 0 {
				t.Fatal("Random returned 0 on a non-empty dict")
			}
		case op < pInsert+27:
			if ref := d.RandomVolatile(); ref != 0 {
				if mv, ok := model[d.E(ref).Key()]; !ok || mv.expire == 0 {
					t.Fatalf("RandomVolatile returned %q (%v, expire %d)", d.E(ref).Key(), ok, mv.expire)
				}
			} else if d.VolatileLen() != 0 {
				t.Fatal("RandomVolatile returned 0 with volatile keys")
			}
		case op < pInsert+28:
			// What the cron does: shrink sparse tables, move some buckets.
			if d.ShrinkIfNeeded(); d.IsRehashing() {
				sawShrink++
			}
			d.Rehash(r.IntN(4))
		default:
			k := key()
			ref := d.Find([]byte(k))
			mv, ok := model[k]
			if ok != (ref != 0) {
				t.Fatalf("op %d Find(%q) = %d, model has it: %v", i, k, ref, ok)
			}
			if ok && d.E(ref).Val() != mv.val {
				t.Fatalf("Find(%q) value %q, model %q", k, d.E(ref).Val(), mv.val)
			}
		}
		if i%2000 == 0 {
			checkInvariants(t, d, model)
		}
	}
	checkInvariants(t, d, model)
	if sawRehash == 0 || sawShrink == 0 {
		t.Fatalf("the run never exercised rehashing (%d) or shrinking (%d)", sawRehash, sawShrink)
	}
	// Delete everything through Each and check the dict is empty and reusable.
	d.Each(func(r Ref) bool { d.Delete(r); return true })
	clear(model)
	checkInvariants(t, d, model)
	d.InsertWithValue([]byte("again"), []byte("v"))
	model["again"] = modelVal{val: "v"}
	checkInvariants(t, d, model)
}

// TestDictRefStable checks that an entry's address and Ref survive resizes, which the
// engine relies on (it keeps *Entry across inserts within one command).
func TestDictRefStable(t *testing.T) {
	d := New()
	r0 := d.InsertWithValue([]byte("first"), []byte("v"))
	e0 := d.E(r0)
	for i := 0; i < 50000; i++ {
		d.InsertWithValue([]byte(strconv.Itoa(i)), nil)
	}
	if d.E(r0) != e0 || e0.Key() != "first" || d.FindString("first") != r0 {
		t.Fatal("entry moved or lost across growth")
	}
}

// scanAll runs a full SCAN, calling between(step) after every call so the caller can
// change the table while the walk is in progress. It returns how often each key was
// returned.
func scanAll(d *Dict, between func(step int)) map[string]int {
	got := map[string]int{}
	var cur uint64
	for step := 0; ; step++ {
		cur = d.Scan(cur, func(r Ref) { got[d.E(r).Key()]++ })
		if cur == 0 {
			return got
		}
		between(step)
	}
}

// TestDictScanGuarantee checks SCAN's guarantee (KEYSPACE.md, requirement 1): a full
// iteration returns every key that was present from its start to its end at least
// once, while other keys are added and removed and the table grows, shrinks and
// rehashes between calls. Keys are split into a stable set, never deleted, which the
// scan must return, and transient ones that come and go.
func TestDictScanGuarantee(t *testing.T) {
	for _, tc := range []struct {
		name              string
		stable, transient int
		addPer, delPer    int // per Scan call
		addSteps          int // adding stops after this many calls (0: never)
		shrinkEvery       int // call ShrinkIfNeeded every n calls (0: never)
		rehash            int // Rehash(0..n) buckets per call, as the cron would
	}{
		{"stable", 5000, 0, 0, 0, 0, 0, 1},
		{"growing", 100, 0, 40, 0, 400, 0, 1},
		{"growing-fast", 10, 0, 300, 0, 100, 0, 0},
		{"shrinking", 500, 20000, 0, 300, 0, 1, 1},
		{"shrinking-no-rehash", 500, 20000, 0, 300, 0, 1, 0},
		{"grow-then-shrink", 300, 0, 200, 150, 100, 2, 2},
		{"churn", 1000, 2000, 30, 30, 1 << 30, 5, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(0); seed < 8; seed++ {
				r := rand.New(rand.NewPCG(seed, 7))
				d := New()
				ever := map[string]bool{}
				var transient []string
				next := 0
				add := func(stable bool) {
					k := "key:" + strconv.Itoa(next)
					next++
					d.InsertWithValue([]byte(k), nil)
					ever[k] = true
					if !stable {
						transient = append(transient, k)
					}
				}
				for i := 0; i < tc.stable; i++ {
					add(true)
				}
				stable := map[string]bool{}
				for k := range ever {
					stable[k] = true
				}
				for i := 0; i < tc.transient; i++ {
					add(false)
				}
				r.Shuffle(len(transient), func(i, j int) { transient[i], transient[j] = transient[j], transient[i] })
				sizes := map[int]bool{len(d.t[0].buckets): true}
				rehashingSeen := false
				got := scanAll(d, func(step int) {
					if step < tc.addSteps {
						for i := 0; i < tc.addPer; i++ {
							add(false)
						}
					}
					for i := 0; i < tc.delPer && len(transient) > 0; i++ {
						j := r.IntN(len(transient))
						k := transient[j]
						transient[j] = transient[len(transient)-1]
						transient = transient[:len(transient)-1]
						d.Delete(d.FindString(k))
					}
					if tc.shrinkEvery > 0 && step%tc.shrinkEvery == 0 {
						d.ShrinkIfNeeded()
					}
					if tc.rehash > 0 {
						d.Rehash(r.IntN(tc.rehash + 1))
					}
					sizes[len(d.t[0].buckets)] = true
					if d.IsRehashing() {
						rehashingSeen = true
					}
				})
				for k := range stable {
					if got[k] == 0 {
						t.Fatalf("seed %d: stable key %q was not returned (table sizes seen %v)", seed, k, sizes)
					}
				}
				for k := range got {
					if !ever[k] {
						t.Fatalf("seed %d: returned %q that never existed", seed, k)
					}
				}
				if tc.name != "stable" && (len(sizes) < 2 || !rehashingSeen) {
					t.Fatalf("seed %d: the table did not resize during the scan (sizes %v, rehashing %v)", seed, sizes, rehashingSeen)
				}
			}
		})
	}
}

// TestDictScanNoDuplicatesStable: without resizes a full scan returns each key once.
func TestDictScanNoDuplicatesStable(t *testing.T) {
	d := New()
	for i := 0; i < 10000; i++ {
		d.InsertWithValue([]byte(strconv.Itoa(i)), nil)
	}
	for d.IsRehashing() {
		d.Rehash(100)
	}
	got := scanAll(d, func(int) {})
	if len(got) != 10000 {
		t.Fatalf("scan returned %d distinct keys", len(got))
	}
	for k, n := range got {
		if n != 1 {
			t.Fatalf("key %q returned %d times", k, n)
		}
	}
}

func TestDictScanEmpty(t *testing.T) {
	d := New()
	if cur := d.Scan(0, func(Ref) { t.Fatal("callback on empty dict") }); cur != 0 {
		t.Fatalf("cursor %d", cur)
	}
	// A cursor from a bigger table, given to an emptied dict, ends the walk.
	for i := 0; i < 100; i++ {
		d.InsertWithValue([]byte(strconv.Itoa(i)), nil)
	}
	d.Each(func(r Ref) bool { d.Delete(r); return true })
	if cur := d.Scan(12345, func(Ref) {}); cur != 0 {
		t.Fatalf("cursor %d", cur)
	}
}

// TestDictRandom checks that Random and RandomVolatile return live entries and are
// close to uniform, also after many deletions left the slab full of holes.
func TestDictRandom(t *testing.T) {
	d := New()
	if d.Random() != 0 || d.RandomVolatile() != 0 {
		t.Fatal("empty dict returned an entry")
	}
	const n = 64
	for i := 0; i < 5000; i++ {
		d.InsertWithValue([]byte("junk"+strconv.Itoa(i)), nil)
	}
	for i := 0; i < n; i++ {
		r := d.InsertWithValue([]byte("k"+strconv.Itoa(i)), nil)
		if i%2 == 0 {
			d.SetExpire(r, 1000)
		}
	}
	// Leave only the n real keys: the slab is now ~99% holes and Random must fall
	// back to bucket sampling.
	for i := 0; i < 5000; i++ {
		d.Delete(d.FindString("junk" + strconv.Itoa(i)))
	}
	counts := map[string]int{}
	const draws = 64000
	for i := 0; i < draws; i++ {
		r := d.Random()
		if r == 0 || d.E(r).vpos == freed {
			t.Fatal("Random returned a dead entry")
		}
		counts[d.E(r).Key()]++
	}
	if len(counts) != n {
		t.Fatalf("Random reached %d of %d keys", len(counts), n)
	}
	// Bucket sampling is biased by chain length as in Redis; just require no key to
	// be starved or hugely favoured.
	for k, c := range counts {
		if c < draws/n/4 || c > draws/n*4 {
			t.Fatalf("key %s drawn %d times of %d (expected about %d)", k, c, draws, draws/n)
		}
	}
	vc := map[string]int{}
	for i := 0; i < draws; i++ {
		r := d.RandomVolatile()
		if d.E(r).Expire == 0 {
			t.Fatal("RandomVolatile returned a key without TTL")
		}
		vc[d.E(r).Key()]++
	}
	if len(vc) != n/2 {
		t.Fatalf("RandomVolatile reached %d of %d keys", len(vc), n/2)
	}
	for k, c := range vc {
		if c < draws/(n/2)/2 || c > draws/(n/2)*2 {
			t.Fatalf("volatile key %s drawn %d times", k, c)
		}
	}
}

func TestDictClear(t *testing.T) {
	d := New()
	for i := 0; i < 100; i++ {
		d.SetExpire(d.InsertWithValue([]byte(strconv.Itoa(i)), nil), 5)
	}
	d.Clear()
	if d.Len() != 0 || d.VolatileLen() != 0 || d.FindString("1") != 0 || d.Random() != 0 {
		t.Fatal("Clear left entries")
	}
	checkInvariants(t, d, map[string]modelVal{})
}

func TestDictFindAllocs(t *testing.T) {
	d := New()
	for i := 0; i < 1000; i++ {
		d.InsertWithValue([]byte("key:"+strconv.Itoa(i)), []byte("v"))
	}
	k := []byte("key:500")
	if n := testing.AllocsPerRun(1000, func() { d.Find(k) }); n != 0 {
		t.Fatalf("Find allocates %v times", n)
	}
}

func benchKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	return keys
}

func BenchmarkDict(b *testing.B) {
	for _, size := range []int{1000, 1000000} {
		keys := benchKeys(size)
		d := New()
		for _, k := range keys {
			d.InsertWithValue(k, []byte("xxx"))
		}
		for d.IsRehashing() {
			d.Rehash(1000)
		}
		b.Run(fmt.Sprintf("Find/hit/%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if d.Find(keys[i%size]) == 0 {
					b.Fatal("miss")
				}
			}
		})
		miss := []byte("no-such-key")
		b.Run(fmt.Sprintf("Find/miss/%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				d.Find(miss)
			}
		})
		b.Run(fmt.Sprintf("Random/%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				d.Random()
			}
		})
	}
	b.Run("InsertDelete", func(b *testing.B) {
		keys := benchKeys(1 << 16)
		d := New()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			k := keys[i&(1<<16-1)]
			if r := d.Find(k); r != 0 {
				d.Delete(r)
			} else {
				d.InsertWithValue(k, []byte("xxx"))
			}
		}
	})
	b.Run("Insert/grow", func(b *testing.B) {
		keys := benchKeys(1 << 20)
		b.ReportAllocs()
		b.ResetTimer()
		var d *Dict
		for i := 0; i < b.N; i++ {
			if i&(1<<20-1) == 0 {
				d = New()
			}
			d.InsertWithValue(keys[i&(1<<20-1)], []byte("xxx"))
		}
	})
	b.Run("Scan/100k", func(b *testing.B) {
		keys := benchKeys(100000)
		d := New()
		for _, k := range keys {
			d.InsertWithValue(k, nil)
		}
		n := 0
		fn := func(Ref) { n++ }
		b.ReportAllocs()
		b.ResetTimer()
		var cur uint64
		for i := 0; i < b.N; i++ {
			cur = d.Scan(cur, fn)
		}
	})
}

// TestDictRehashPaused: while a walk has rehashing paused, neither operations nor the
// cron's Rehash move buckets, and Rehash reports no work so the cron does not spin.
func TestDictRehashPaused(t *testing.T) {
	d := New()
	for i := 0; i < 1000; i++ {
		d.InsertWithValue([]byte(strconv.Itoa(i)), nil)
	}
	for d.IsRehashing() {
		d.Rehash(10)
	}
	d.PauseRehash()
	for i := 1000; i < 1100; i++ { // crosses 1024: a resize starts
		d.InsertWithValue([]byte(strconv.Itoa(i)), nil)
	}
	if !d.IsRehashing() {
		t.Fatal("no resize started")
	}
	idx := d.rehashIdx
	d.FindString("5")
	if d.Rehash(100) || d.rehashIdx != idx {
		t.Fatal("buckets moved while rehashing was paused")
	}
	d.ResumeRehash()
	if !d.Rehash(1) || d.rehashIdx == idx {
		t.Fatal("rehash did not resume")
	}
	for d.Rehash(100) {
	}
	model := map[string]modelVal{}
	for i := 0; i < 1100; i++ {
		model[strconv.Itoa(i)] = modelVal{}
	}
	checkInvariants(t, d, model)
}
