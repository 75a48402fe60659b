package engine

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/rdb"
)

// Batched string keys (rdb_load_batch.go) are stored in stream order with the
// checks of one at a time: a duplicate is reported at its own offset even when
// it waits in a batch behind other keys, records of other kinds in between keep
// their place, and nothing after the duplicate is stored.
func TestLoadRDBBatchKeepsStreamOrder(t *testing.T) {
	var buf bytes.Buffer
	w := rdb.NewWriter(&buf)
	w.WriteMagic(rdb.Version)
	w.SaveType(rdb.OpSelectDB)
	w.SaveLen(0)
	str := func(k, v string) {
		w.SaveType(rdb.TypeString)
		w.SaveString([]byte(k))
		w.SaveString([]byte(v))
	}
	for i := range 50 {
		str(fmt.Sprint("k", i), fmt.Sprint("v", i))
	}
	w.SaveType(rdb.TypeSet) // not batched: the batch is stored before it
	w.SaveString([]byte("set"))
	w.SaveLen(2)
	w.SaveString([]byte("a"))
	w.SaveString([]byte("b"))
	ttl := time.Now().Add(time.Hour).UnixMilli()
	w.SaveType(rdb.OpExpireTimeMs)
	w.SaveMillisecondTime(ttl)
	str("ttl", "12345") // integer-encoded, with a TTL
	str("k60", "x")
	dupAt := w.Written()
	str("k7", "again")
	str("after", "x") // parsed into the batch, never stored
	if err := w.WriteFooter(); err != nil {
		t.Fatal(err)
	}

	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.loadRDB(bytes.NewReader(buf.Bytes()))
	var re *rdb.Error
	if !errors.As(err, &re) || re.Reason != "RDB has duplicated key 'k7' in DB 0" || re.Offset != dupAt {
		t.Fatalf("load error %v, want the duplicate k7 at offset %d", err, dupAt)
	}
	db := s.dbs[0]
	for i := range 50 {
		e := db.lookup([]byte(fmt.Sprint("k", i)))
		if e == nil || string(stringValue(e)) != fmt.Sprint("v", i) {
			t.Fatalf("k%d not loaded as v%d", i, i)
		}
	}
	if e := db.lookup([]byte("ttl")); e == nil || e.Expire != ttl || string(stringValue(e)) != "12345" {
		t.Fatalf("ttl: %+v", e)
	}
	if db.lookup([]byte("k60")) == nil || db.lookup([]byte("set")) == nil {
		t.Fatal("k60 or set not loaded")
	}
	if db.lookup([]byte("after")) != nil {
		t.Fatal("a key after the duplicate was stored")
	}
	if got := db.Len(); got != 50+1+2 { // k0..k49, the set's key, ttl, k60
		t.Fatalf("%d keys loaded", got)
	}
}
