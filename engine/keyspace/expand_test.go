package keyspace

import (
	"strconv"
	"testing"
)

// TestDictExpand checks that Expand sizes an empty dict's table at once (Redis's
// dictExpand), that filling it up to that size needs no rehash, and that it leaves a
// dict with entries alone.
func TestDictExpand(t *testing.T) {
	d := New()
	d.Expand(513)
	if b0, b1 := d.Buckets(); b0 != 1024 || b1 != 0 {
		t.Fatalf("Expand(513) on an empty dict: buckets %d,%d, want 1024,0", b0, b1)
	}
	for i := 0; i < 1024; i++ {
		d.InsertWithValue([]byte("f"+strconv.Itoa(i)), []byte("v"))
		if d.IsRehashing() {
			t.Fatalf("rehashing after %d inserts into a table expanded for 1024", i+1)
		}
	}
	d.Expand(1 << 20)
	if b0, _ := d.Buckets(); b0 != 1024 {
		t.Fatalf("Expand on a dict with entries changed its table to %d buckets", b0)
	}
	e := New()
	e.Expand(0)
	if b0, _ := e.Buckets(); b0 != initSize {
		t.Fatalf("Expand(0): %d buckets, want the initial %d", b0, initSize)
	}
	e.InsertWithValue([]byte("k"), nil)
	if e.Find([]byte("k")) == 0 {
		t.Fatal("entry lost after Expand(0)")
	}
}
