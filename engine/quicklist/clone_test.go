package quicklist

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// nodeBytes is what ql.bytes must equal: the capacity of every node's buffer.
func nodeBytes(ql *Quicklist) int {
	n := 0
	for i := 0; i < ql.NodeCount(); i++ {
		n += cap(ql.node(i).data)
	}
	return n
}

// TestMemBytesAndClone runs random operations and checks after each that the running
// byte count matches a walk of the nodes, and that a clone has the same contents,
// settings and nodes while sharing no buffer with the original.
func TestMemBytesAndClone(t *testing.T) {
	for _, fill := range []int{-2, -1, 1, 3, 16} {
		for _, depth := range []int{0, 1, 2} {
			t.Run(fmt.Sprintf("fill%d-depth%d", fill, depth), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(fill+10), uint64(depth)))
				ql := New(fill, depth)
				for step := 0; step < 400; step++ {
					v := randValue(r)
					switch k := r.IntN(10); {
					case k < 3:
						ql.PushHead(v)
					case k < 6:
						ql.PushTail(v)
					case k == 6:
						ql.PopHead()
					case k == 7:
						if ql.Len() > 0 {
							e, _ := ql.Index(r.IntN(ql.Len()))
							ql.Insert(e.AppendTo(nil), v, r.IntN(2) == 0)
						}
					case k == 8:
						if ql.Len() > 0 {
							ql.Replace(r.IntN(ql.Len()), v)
						}
					default:
						if ql.Len() > 0 {
							ql.DelRange(r.IntN(ql.Len()), r.IntN(5))
						}
					}
					if got, want := ql.bytes, nodeBytes(ql); got != want {
						t.Fatalf("step %d: bytes %d, nodes hold %d", step, got, want)
					}
					if step%50 == 0 {
						checkClone(t, ql)
					}
				}
				mb := ql.MemBytes()
				if mb < nodeBytes(ql)+cap(ql.back)*int(unsafe.Sizeof(node{})) {
					t.Fatalf("MemBytes %d below the node bytes", mb)
				}
			})
		}
	}
}

func checkClone(t *testing.T, ql *Quicklist) {
	t.Helper()
	c := ql.Clone()
	check(t, c)
	if c.Len() != ql.Len() || c.NodeCount() != ql.NodeCount() || c.Fill() != ql.Fill() || c.CompressDepth() != ql.CompressDepth() {
		t.Fatalf("clone differs: len %d/%d nodes %d/%d", c.Len(), ql.Len(), c.NodeCount(), ql.NodeCount())
	}
	a, b := contents(ql), contents(c)
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("element %d differs in the clone", i)
		}
	}
	for i := 0; i < ql.NodeCount(); i++ {
		x, y := ql.node(i), c.node(i)
		if x.compressed != y.compressed || !bytes.Equal(x.data, y.data) {
			t.Fatalf("node %d differs in the clone", i)
		}
		if len(x.data) > 0 && &x.data[0] == &y.data[0] {
			t.Fatalf("node %d shares its buffer with the clone", i)
		}
	}
	if c.bytes != nodeBytes(c) {
		t.Fatalf("clone bytes %d, nodes hold %d", c.bytes, nodeBytes(c))
	}
	// Changing the clone leaves the original alone.
	c.PushHead([]byte("only-in-clone"))
	c.PopTail()
	if got := contents(ql); len(got) != len(a) {
		t.Fatal("original changed with its clone")
	}
}

func TestInit(t *testing.T) {
	var ql Quicklist
	ql.Init(-9, -1)
	if ql.Fill() != -5 || ql.CompressDepth() != 0 || ql.Len() != 0 {
		t.Fatalf("Init: fill %d depth %d len %d", ql.Fill(), ql.CompressDepth(), ql.Len())
	}
	ql.PushTail([]byte("a"))
	if e, ok := ql.Index(0); !ok || string(e.Str) != "a" {
		t.Fatal("push after Init")
	}
}
