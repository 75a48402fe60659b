package stream

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/keygrid/keygrid/engine/listpack"
	"pgregory.net/rapid"
)

type modelEntry struct {
	id ID
	fv []string
}

// readAll returns the entries of [start, end] as the iterator yields them.
func readAll(s *Stream, start, end ID, rev bool) []modelEntry {
	var out []modelEntry
	var it Iterator
	it.Start(s, start, end, rev)
	for id, n, ok := it.Next(); ok; id, n, ok = it.Next() {
		e := modelEntry{id: id}
		for ; n > 0; n-- {
			f, v := it.Field()
			e.fv = append(e.fv, f.String(), v.String())
		}
		out = append(out, e)
	}
	return out
}

func toBytes(fv []string) [][]byte {
	b := make([][]byte, len(fv))
	for i, s := range fv {
		b[i] = []byte(s)
	}
	return b
}

// checkNodes validates every node and the counters against the model.
func checkNodes(t *rapid.T, s *Stream) {
	var live uint64
	var capSum int64
	s.Nodes(func(master ID, lp listpack.Listpack) bool {
		if err := ValidateNode(lp, true); err != nil {
			t.Fatalf("node %v: %v", master, err)
		}
		live += uint64(getInt(lp, lp.First()))
		capSum += int64(cap(lp))
		return true
	})
	if capSum != s.lpCap {
		t.Fatalf("tracked listpack capacity %d, actual %d", s.lpCap, capSum)
	}
	if live != s.Len() {
		t.Fatalf("nodes count %d live entries, stream length %d", live, s.Len())
	}
}

// TestStreamModel drives a stream and a sorted slice with the same random
// appends, deletions and trims (small node limits, so entries spread over many
// nodes) and compares every range read.
func TestStreamModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lim := Limits{
			NodeMaxBytes:   rapid.Int64Range(0, 300).Draw(t, "maxBytes"),
			NodeMaxEntries: rapid.Int64Range(0, 6).Draw(t, "maxEntries"),
		}
		s := New()
		var model []modelEntry
		var last, maxDel ID
		var added uint64
		now := int64(1000)
		fieldSets := [][]string{{"a"}, {"a", "b"}, {"b"}, {"12"}, {"a", "12"}}
		genFV := func(t *rapid.T) []string {
			fs := rapid.SampledFrom(fieldSets).Draw(t, "fields")
			var fv []string
			for _, f := range fs {
				v := rapid.SampledFrom([]string{"1", "x", "-7", "007", "12345678901", "long value of some length"}).Draw(t, "v")
				fv = append(fv, f, v)
			}
			return fv
		}
		add := func(t *rapid.T, id *ID, seqGiven bool) {
			fv := genFV(t)
			got, err := s.Add(toBytes(fv), id, seqGiven, now, lim)
			want := ID{}
			var wantErr error
			switch {
			case id == nil:
				want = NextID(last, uint64(now))
			case seqGiven:
				want = *id
			case last.Ms == id.Ms && last.Seq == MaxID.Seq:
				wantErr = ErrSeqExhausted
			case last.Ms == id.Ms:
				want = ID{last.Ms, last.Seq + 1}
			default:
				want = *id
			}
			if wantErr == nil && !last.Less(want) {
				wantErr = ErrIDTooSmall
			}
			if err != wantErr || (err == nil && got != want) {
				t.Fatalf("Add(%v) = %v, %v; want %v, %v", id, got, err, want, wantErr)
			}
			if err == nil {
				model = append(model, modelEntry{got, fv})
				last = got
				added++
			}
		}
		t.Repeat(map[string]func(*rapid.T){
			"addAuto": func(t *rapid.T) {
				now += rapid.Int64Range(-2, 3).Draw(t, "dt")
				add(t, nil, true)
			},
			"addExplicit": func(t *rapid.T) {
				id := ID{rapid.Uint64Range(0, uint64(now)+5).Draw(t, "ms"), rapid.Uint64Range(0, 3).Draw(t, "seq")}
				add(t, &id, true)
			},
			"addMsStar": func(t *rapid.T) {
				id := ID{Ms: last.Ms + rapid.Uint64Range(0, 2).Draw(t, "dms")}
				add(t, &id, false)
			},
			"delete": func(t *rapid.T) {
				var id ID
				if len(model) > 0 && rapid.Bool().Draw(t, "existing") {
					id = model[rapid.IntRange(0, len(model)-1).Draw(t, "i")].id
				} else {
					id = ID{rapid.Uint64Range(0, uint64(now)).Draw(t, "ms"), rapid.Uint64Range(0, 3).Draw(t, "seq")}
				}
				i := slices.IndexFunc(model, func(e modelEntry) bool { return e.id == id })
				if got := s.Delete(id); got != (i >= 0) {
					t.Fatalf("Delete(%v) = %v, model has it: %v", id, got, i >= 0)
				}
				if i >= 0 {
					model = slices.Delete(model, i, i+1)
					if maxDel.Less(id) {
						maxDel = id
					}
				}
			},
			"trim": func(t *rapid.T) {
				args := TrimArgs{Approx: rapid.Bool().Draw(t, "approx")}
				if rapid.Bool().Draw(t, "maxlen") {
					args.Strategy = TrimMaxLen
					args.MaxLen = rapid.Int64Range(0, int64(len(model))+2).Draw(t, "n")
				} else {
					args.Strategy = TrimMinID
					args.MinID = ID{rapid.Uint64Range(0, uint64(now)+2).Draw(t, "ms"), rapid.Uint64Range(0, 3).Draw(t, "seq")}
				}
				if args.Approx {
					args.Limit = rapid.Int64Range(0, 20).Draw(t, "limit")
				}
				// Exact trimming target.
				keepFrom := 0
				if args.Strategy == TrimMaxLen {
					keepFrom = max(0, len(model)-int(args.MaxLen))
				} else {
					for keepFrom < len(model) && model[keepFrom].id.Less(args.MinID) {
						keepFrom++
					}
				}
				n := s.Trim(args)
				if n < 0 || int(n) > keepFrom || (!args.Approx && int(n) != keepFrom) {
					t.Fatalf("Trim(%+v) removed %d, exact target %d", args, n, keepFrom)
				}
				if args.Approx && args.Limit > 0 && n > args.Limit {
					t.Fatalf("Trim(%+v) removed %d over the limit", args, n)
				}
				model = model[n:]
			},
			"": func(t *rapid.T) {
				if s.Len() != uint64(len(model)) || s.LastID != last || s.EntriesAdded != added {
					t.Fatalf("len %d last %v added %d; model %d %v %d", s.Len(), s.LastID, s.EntriesAdded, len(model), last, added)
				}
				checkNodes(t, s)
				all := readAll(s, ID{}, MaxID, false)
				if fmt.Sprint(all) != fmt.Sprint(model) {
					t.Fatalf("contents\n got %v\nwant %v", all, model)
				}
				if len(model) > 0 {
					if s.EdgeID(true, true) != model[0].id || s.LastValidID() != model[len(model)-1].id {
						t.Fatalf("edge IDs")
					}
				}
				// A random range, both ways.
				a := ID{rapid.Uint64Range(0, uint64(now)+1).Draw(t, "a"), rapid.Uint64Range(0, 3).Draw(t, "as")}
				b := ID{rapid.Uint64Range(0, uint64(now)+1).Draw(t, "b"), rapid.Uint64Range(0, 3).Draw(t, "bs")}
				var want []modelEntry
				for _, e := range model {
					if !e.id.Less(a) && !b.Less(e.id) {
						want = append(want, e)
					}
				}
				if got := readAll(s, a, b, false); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("range [%v,%v]\n got %v\nwant %v", a, b, got, want)
				}
				slices.Reverse(want)
				if got := readAll(s, a, b, true); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("reverse range [%v,%v]\n got %v\nwant %v", a, b, got, want)
				}
				for _, e := range model {
					if !s.Exists(e.id) {
						t.Fatalf("Exists(%v) false", e.id)
					}
				}
				if c := s.Clone(); fmt.Sprint(readAll(c, ID{}, MaxID, false)) != fmt.Sprint(model) {
					t.Fatalf("clone differs")
				} else {
					checkNodes(t, c)
				}
			},
		})
	})
}

func TestParseID(t *testing.T) {
	// Expectations checked against redis-server 7.0.15 (XADD and XRANGE).
	tests := []struct {
		in       string
		mode     ParseMode
		missing  uint64
		want     ID
		seqGiven bool
		ok       bool
	}{
		{"1-2", 0, 0, ID{1, 2}, true, true},
		{"5", 0, 7, ID{5, 7}, true, true},
		{"-", 0, 0, ID{}, true, true},
		{"+", 0, 0, MaxID, true, true},
		{"-", Strict, 0, ID{}, false, false},
		{"+", Strict, 0, ID{}, false, false},
		{"01", 0, 0, ID{1, 0}, true, true},
		{" 1", 0, 0, ID{1, 0}, true, true},
		{"+1", 0, 0, ID{1, 0}, true, true},
		{"1-+5", 0, 0, ID{1, 5}, true, true},
		{"1--0", 0, 0, ID{1, 0}, true, true},
		{"1--05", 0, 0, ID{1, 18446744073709551611}, true, true},
		{"1- 5", 0, 0, ID{1, 5}, true, true},
		{"1--5", 0, 0, ID{}, false, false},
		{"-5", 0, 0, ID{}, false, false},
		{"18446744073709551615", 0, 0, ID{18446744073709551615, 0}, true, true},
		{"18446744073709551616", 0, 0, ID{}, false, false},
		{"1-18446744073709551616", 0, 0, ID{}, false, false},
		{"", 0, 0, ID{}, false, false},
		{"1-", 0, 0, ID{}, false, false},
		{"1-x", 0, 0, ID{}, false, false},
		{"0x10", 0, 0, ID{}, false, false},
		{"5 ", 0, 0, ID{}, false, false},
		{"1.5", 0, 0, ID{}, false, false},
		{"3-*", SeqStar, 0, ID{3, 0}, false, true},
		{"3-*", 0, 0, ID{}, false, false},
		{"3-**", SeqStar, 0, ID{}, false, false},
		{"7\x00junk", 0, 0, ID{7, 0}, true, true},
	}
	for _, tc := range tests {
		id, sg, ok := ParseID([]byte(tc.in), tc.missing, tc.mode)
		if ok != tc.ok || (ok && (id != tc.want || sg != tc.seqGiven)) {
			t.Errorf("ParseID(%q, %d, %d) = %v, %v, %v; want %v, %v, %v", tc.in, tc.missing, tc.mode, id, sg, ok, tc.want, tc.seqGiven, tc.ok)
		}
	}
}

func TestIncrDecr(t *testing.T) {
	if id, ok := MaxID.Incr(); ok || id != (ID{}) {
		t.Errorf("Incr(max) = %v, %v", id, ok)
	}
	if id, ok := (ID{}).Decr(); ok || id != MaxID {
		t.Errorf("Decr(0-0) = %v, %v", id, ok)
	}
	if id, _ := (ID{1, MaxID.Seq}).Incr(); id != (ID{2, 0}) {
		t.Errorf("Incr carry = %v", id)
	}
	if id, _ := (ID{2, 0}).Decr(); id != (ID{1, MaxID.Seq}) {
		t.Errorf("Decr borrow = %v", id)
	}
	if s := (ID{5, 18446744073709551615}).String(); s != "5-18446744073709551615" {
		t.Errorf("String = %s", s)
	}
}

func TestRaxNodeCount(t *testing.T) {
	count := func(ids ...ID) int {
		return raxNodeCount(len(ids), func(fn func([16]byte)) {
			for _, id := range ids {
				fn(id.Key())
			}
		})
	}
	if n := count(); n != 1 {
		t.Errorf("empty: %d", n)
	}
	if n := count(ID{1, 1}); n != 2 {
		t.Errorf("one key: %d", n)
	}
	// Two keys differing in the last byte: root chain, branch node, two leaves.
	if n := count(ID{1, 1}, ID{1, 2}); n != 4 {
		t.Errorf("two keys: %d", n)
	}
}

func BenchmarkAdd(b *testing.B) {
	b.ReportAllocs()
	s := New()
	fv := [][]byte{[]byte("field"), []byte("value"), []byte("n"), []byte(strconv.Itoa(42))}
	lim := Limits{NodeMaxBytes: 4096, NodeMaxEntries: 100}
	for i := 0; i < b.N; i++ {
		if _, err := s.Add(fv, nil, true, int64(i/10), lim); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRange100(b *testing.B) {
	s := New()
	fv := [][]byte{[]byte("field"), []byte("value")}
	lim := Limits{NodeMaxBytes: 4096, NodeMaxEntries: 100}
	for i := 0; i < 10000; i++ {
		s.Add(fv, nil, true, int64(i), lim)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var it Iterator
		it.Start(s, ID{uint64(i % 9000), 0}, MaxID, false)
		for j := 0; j < 100; j++ {
			_, n, ok := it.Next()
			if !ok {
				b.Fatal("short")
			}
			for ; n > 0; n-- {
				it.Field()
			}
		}
	}
}
