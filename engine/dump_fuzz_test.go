package engine

import (
	"bytes"
	"os"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/rdb"
)

// FuzzRestore: whatever a RESTORE payload holds, decoding it and building the
// engine's object either fails cleanly or gives a value every reader of the
// engine can walk (digest, DUMP again, DEBUG OBJECT's size). Small listpack
// limits make conversions happen. Seeds: the values of a Redis-written file.
func FuzzRestore(f *testing.F) {
	b, err := os.ReadFile("rdb/testdata/redis70-all.rdb")
	if err != nil {
		f.Fatal(err)
	}
	var offs []int64
	rdb.Parse(rdb.NewReader(bytes.NewReader(b)), &rdb.Handler{Key: func(k *rdb.Key) error {
		offs = append(offs, k.Offset)
		return nil
	}}, rdb.ParseOptions{})
	for i, off := range offs {
		end := int64(len(b) - 9)
		if i+1 < len(offs) {
			end = offs[i+1]
		}
		r := rdb.NewReader(bytes.NewReader(b[off+1 : end]))
		if _, err := r.LoadString(); err == nil {
			f.Add(append([]byte{b[off]}, b[off+1+r.Offset():end]...))
		}
	}
	cfg := config.Default()
	cfg.HashMaxListpackEntries = 4
	cfg.ZsetMaxListpackEntries = 4
	cfg.SetMaxIntsetEntries = 4
	cfg.ListMaxListpackSize = 4
	s, err := New(Options{Config: cfg})
	if err != nil {
		f.Fatal(err)
	}
	db := s.dbs[0]
	key := []byte("k")
	f.Fuzz(func(t *testing.T, p []byte) {
		r := rdb.NewReader(bytes.NewReader(p))
		typ, err := r.LoadType()
		if err != nil || !rdb.IsObjectType(typ) {
			return
		}
		v, err := rdb.ReadValue(r, typ, rdb.Options{CheckDups: true})
		if err != nil {
			return
		}
		e, err := s.rdbStoreValue(db, key, v)
		if err != nil {
			return
		}
		var d digest
		s.xorObjectDigest(&d, e)
		payload := s.dumpPayload(e)
		s.rdbSerializedLen(e)
		db.Delete(key)
		// What keygrid dumps, it restores.
		if _, ok := verifyDumpPayload(payload, false); !ok {
			t.Fatal("own payload does not verify")
		}
		r = rdb.NewReader(bytes.NewReader(payload))
		typ, _ = r.LoadType()
		v2, err := rdb.ReadValue(r, typ, rdb.Options{CheckDups: true})
		if err != nil {
			t.Fatalf("own payload does not decode: %v", err)
		}
		e2, err := s.rdbStoreValue(db, key, v2)
		if err != nil {
			t.Fatalf("own payload does not load: %v", err)
		}
		var d2 digest
		s.xorObjectDigest(&d2, e2)
		if d != d2 {
			t.Fatalf("digest changed across DUMP/RESTORE")
		}
		db.Delete(key)
	})
}
