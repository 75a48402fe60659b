package quicklist

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

// withPackedThreshold sets the large-element threshold for one test.
func withPackedThreshold(t *testing.T, sz uint64) {
	t.Helper()
	if !SetPackedThreshold(sz) {
		t.Fatalf("SetPackedThreshold(%d) refused", sz)
	}
	t.Cleanup(func() { SetPackedThreshold(0) })
}

// checkLarge verifies the large-node rule: every element of at least the threshold
// is alone in a node flagged large, and a large node holds one such element.
func checkLarge(t *testing.T, ql *Quicklist, ctx ...any) {
	t.Helper()
	for i := 0; i < ql.NodeCount(); i++ {
		nd := ql.node(i)
		lp := ql.view(i)
		for p := lp.First(); p >= 0; p = lp.Next(p) {
			n := len(lp.Get(p).AppendTo(nil))
			if isLarge(n) && (!nd.large || nd.count != 1) {
				t.Fatalf("%s: node %d (count %d, large %v) holds a large element of %d bytes", fmt.Sprint(ctx...), i, nd.count, nd.large, n)
			}
			if nd.large && !isLarge(n) {
				t.Fatalf("%s: large node %d holds a small element of %d bytes", fmt.Sprint(ctx...), i, n)
			}
		}
	}
}

// The model test with a low threshold, as Redis's unit/type/list runs its plain
// node tests after DEBUG QUICKLIST-PACKED-THRESHOLD 1b / 5b.
func TestLargeElementsModel(t *testing.T) {
	withPackedThreshold(t, 60)
	for _, fill := range []int{-2, 1, 3, 128} {
		for _, depth := range []int{0, 1, 2} {
			t.Run(fmt.Sprintf("fill%d-depth%d", fill, depth), func(t *testing.T) {
				runModel(t, uint64(fill*10+depth+7), fill, depth, 300)
			})
		}
	}
}

// Redis's "Test LSET with packed / plain combinations" and "packed is split in the
// middle", step by step, with the node layout checked after each.
func TestLargeElementsReplaceInsert(t *testing.T) {
	withPackedThreshold(t, 5)
	ql := New(-2, 0)
	for _, v := range []string{"aa", "bb", "cc", "dd", "ee"} {
		ql.PushTail([]byte(v))
	}
	if ql.NodeCount() != 1 {
		t.Fatalf("small elements: %d nodes, want 1", ql.NodeCount())
	}
	big := bytes.Repeat([]byte("e"), 10)
	ql.Replace(2, big) // packed -> large: split in the middle
	checkLarge(t, ql, "after LSET 2 large")
	if ql.NodeCount() != 3 {
		t.Fatalf("LSET large in the middle: %d nodes, want 3", ql.NodeCount())
	}
	want := []string{"aa", "bb", string(big), "dd", "ee"}
	for i, w := range want {
		if e, _ := ql.Index(i); string(e.AppendTo(nil)) != w {
			t.Fatalf("index %d = %q, want %q", i, e.AppendTo(nil), w)
		}
	}
	ql.Replace(2, []byte("cc")) // large -> packed
	checkLarge(t, ql, "after LSET 2 small")
	ql.Insert([]byte("bb"), big, true) // LINSERT AFTER inside a packed node
	checkLarge(t, ql, "after LINSERT large")
	ql.PushHead(big)
	ql.PushHead([]byte("x"))
	checkLarge(t, ql, "after pushes")
	got := contents(ql)
	want = []string{"x", string(big), "aa", "bb", string(big), "cc", "dd", "ee"}
	if len(got) != len(want) {
		t.Fatalf("contents %q, want %q", got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Fatalf("contents %q, want %q", got, want)
		}
	}
	check(t, ql)
}

func TestSetPackedThreshold(t *testing.T) {
	t.Cleanup(func() { SetPackedThreshold(0) })
	if SetPackedThreshold(1<<32 - 1<<20 + 1) {
		t.Error("a threshold above 4 GiB - 1 MiB was accepted")
	}
	if !SetPackedThreshold(0) || packedThreshold != defaultPackedThreshold {
		t.Errorf("0 did not restore the default: %d", packedThreshold)
	}
}

// Large nodes are serialized as Redis's PLAIN nodes: the element itself, LZF-
// compressed in the middle of a compressed list when the element (not a listpack
// of it) compresses well enough; AppendPlain (RDB loading) keeps a node PLAIN
// whatever the threshold.
func TestLargeNodesExport(t *testing.T) {
	withPackedThreshold(t, 5)
	ql := New(-2, 1)
	big := bytes.Repeat([]byte("x"), 100)
	ql.PushTail([]byte("a"))
	ql.PushTail(big)
	ql.PushTail([]byte("123456"))
	ql.PushTail([]byte("b"))
	var nodes []Node
	for nd := range ql.Nodes() {
		nodes = append(nodes, nd)
	}
	if len(nodes) != 4 || nodes[0].Plain || nodes[3].Plain || !nodes[1].Plain || !nodes[2].Plain {
		t.Fatalf("nodes %+v: want packed, PLAIN, PLAIN, packed", nodes)
	}
	if !nodes[1].Compressed || nodes[1].Size != 100 || len(nodes[1].Data) >= 100 {
		t.Fatalf("inner PLAIN node of 100 x: %+v, want its element LZF-compressed", nodes[1])
	}
	if nodes[2].Compressed || string(nodes[2].Data) != "123456" || nodes[2].Size != 6 {
		t.Fatalf("short PLAIN node: %+v, want the element uncompressed", nodes[2])
	}
	SetPackedThreshold(0)
	ql.AppendPlain([]byte("c"))
	ql.PushTail([]byte("d"))
	nodes = slices.Collect(ql.Nodes())
	if len(nodes) != 6 || !nodes[4].Plain || string(nodes[4].Data) != "c" || nodes[5].Plain {
		t.Fatalf("after AppendPlain and a push: %+v", nodes)
	}
}
