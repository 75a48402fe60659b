package rdb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadRDB: any input either parses or fails with an error; it never
// panics, hangs or allocates without bound. Seeds are Redis-written files.
func FuzzLoadRDB(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.rdb")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h := &Handler{Key: func(k *Key) error {
			if k.Value == nil {
				t.Fatal("key without a value")
			}
			return nil
		}}
		Parse(NewReader(bytes.NewReader(b)), h, ParseOptions{SkipChecksum: true, Options: Options{CheckDups: true}})
	})
}

// FuzzRestore: a DUMP payload's body (type byte and value) decodes or fails
// cleanly. Seeds are the values of a Redis-written file, one per key type.
func FuzzRestore(f *testing.F) {
	b, err := os.ReadFile("testdata/redis70-all.rdb")
	if err != nil {
		f.Fatal(err)
	}
	// Cut the file at each key's type byte to get payload-shaped seeds.
	var offs []int64
	Parse(NewReader(bytes.NewReader(b)), &Handler{Key: func(k *Key) error {
		offs = append(offs, k.Offset)
		return nil
	}}, ParseOptions{})
	for i, off := range offs {
		end := int64(len(b))
		if i+1 < len(offs) {
			end = offs[i+1]
		}
		// Skip the key (a short string) to keep type byte + value only.
		r := NewReader(bytes.NewReader(b[off+1 : end]))
		if _, err := r.LoadString(); err != nil {
			continue
		}
		f.Add(append([]byte{b[off]}, b[off+1+r.Offset():end]...))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		r := NewReader(bytes.NewReader(p))
		typ, err := r.LoadType()
		if err != nil || !IsObjectType(typ) {
			return
		}
		ReadValue(r, typ, Options{CheckDups: true})
	})
}
