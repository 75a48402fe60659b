package rdb

import (
	"bytes"
	"errors"
	"testing"

	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/stream"
)

func payload(t *testing.T, fn func(w *Writer)) *Reader {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	fn(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return NewReader(bytes.NewReader(buf.Bytes()))
}

func lpOf(elems ...string) []byte {
	lp := listpack.New()
	for _, e := range elems {
		lp.Append([]byte(e))
	}
	return lp
}

// Types written by Redis 7.2 and 7.4 (RDB 11 and 12): listpack sets, stream
// consumers with an active time, hashes with field TTLs (accepted only without
// TTLs, keygrid having no field expiry).
func TestNewerTypes(t *testing.T) {
	r := payload(t, func(w *Writer) { w.SaveString(lpOf("1", "x", "2")) })
	v, err := ReadValue(r, TypeSetListpack, Options{})
	if err != nil || v.Kind != KindSet || listpack.Listpack(v.LP).Len() != 3 {
		t.Fatalf("set listpack: %+v %v", v, err)
	}
	r = payload(t, func(w *Writer) { w.SaveString(lpOf("1", "1")) })
	if _, err := ReadValue(r, TypeSetListpack, Options{}); err == nil {
		t.Fatal("duplicate set listpack members accepted")
	}

	// Hash listpack with TTLs: (field, value, ttl) triples, after minExpire.
	r = payload(t, func(w *Writer) {
		w.SaveMillisecondTime(0)
		lp := listpack.New()
		lp.Append([]byte("f"))
		lp.Append([]byte("v"))
		lp.AppendInt(0)
		w.SaveString(lp)
	})
	v, err = ReadValue(r, TypeHashListpackEx, Options{})
	if err != nil || v.Kind != KindHash || listpack.Listpack(v.LP).Len() != 2 {
		t.Fatalf("hash listpack ex: %+v %v", v, err)
	}
	r = payload(t, func(w *Writer) {
		w.SaveMillisecondTime(0)
		lp := listpack.New()
		lp.Append([]byte("f"))
		lp.Append([]byte("v"))
		lp.AppendInt(4102444800000)
		w.SaveString(lp)
	})
	if _, err := ReadValue(r, TypeHashListpackEx, Options{}); err == nil {
		t.Fatal("field TTL accepted")
	}
	r = payload(t, func(w *Writer) {
		w.SaveMillisecondTime(0)
		w.SaveLen(1)
		w.SaveLen(0)
		w.SaveString([]byte("f"))
		w.SaveString([]byte("v"))
	})
	if v, err = ReadValue(r, TypeHashMetadata, Options{}); err != nil || len(v.Members) != 2 {
		t.Fatalf("hash metadata: %+v %v", v, err)
	}
}

// writeStream writes st's nodes and metadata in the layout of typ, with one
// group holding one pending entry owned by one consumer.
func writeStream(w *Writer, st *stream.Stream, typ byte) {
	w.SaveLen(uint64(st.NodeCount()))
	st.Nodes(func(master stream.ID, lp listpack.Listpack) bool {
		k := master.Key()
		w.SaveString(k[:])
		w.SaveString(lp)
		return true
	})
	w.SaveLen(st.Len())
	w.SaveLen(st.LastID.Ms)
	w.SaveLen(st.LastID.Seq)
	if typ >= TypeStreamListpacks2 {
		for _, id := range []stream.ID{st.FirstID, st.MaxDeletedID} {
			w.SaveLen(id.Ms)
			w.SaveLen(id.Seq)
		}
		w.SaveLen(st.EntriesAdded)
	}
	w.SaveLen(1)
	w.SaveString([]byte("g"))
	w.SaveLen(1)
	w.SaveLen(1)
	if typ >= TypeStreamListpacks2 {
		w.SaveLen(1)
	}
	w.SaveLen(1) // PEL
	k := stream.ID{Ms: 1, Seq: 1}.Key()
	w.Write(k[:])
	w.SaveMillisecondTime(1000)
	w.SaveLen(2)
	w.SaveLen(1) // consumers
	w.SaveString([]byte("alice"))
	w.SaveMillisecondTime(2000)
	if typ >= TypeStreamListpacks3 {
		w.SaveMillisecondTime(3000)
	}
	w.SaveLen(1)
	w.Write(k[:])
}

// Streams of every version: 5.0's (no first ID, tombstone ID, entries added or
// entries read: derived on load), 7.0's and 7.2's (consumer active time).
func TestStreamVersions(t *testing.T) {
	src := stream.New()
	lim := stream.Limits{NodeMaxBytes: 4096, NodeMaxEntries: 100}
	for i := uint64(1); i <= 3; i++ {
		id := stream.ID{Ms: i, Seq: 1}
		if _, err := src.Add([][]byte{[]byte("f"), []byte("v")}, &id, true, 0, lim); err != nil {
			t.Fatal(err)
		}
	}
	for _, typ := range []byte{TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3} {
		r := payload(t, func(w *Writer) { writeStream(w, src, typ) })
		v, err := ReadValue(r, typ, Options{})
		if err != nil {
			t.Fatalf("type %d: %v", typ, err)
		}
		st := v.Stream
		if st.Len() != 3 || st.FirstID != (stream.ID{Ms: 1, Seq: 1}) || st.EntriesAdded != 3 {
			t.Errorf("type %d: len %d first %v added %d", typ, st.Len(), st.FirstID, st.EntriesAdded)
		}
		g := st.Group([]byte("g"))
		if g == nil || g.PendingLen() != 1 || g.Pending(stream.ID{Ms: 1, Seq: 1}).Consumer.Name != "alice" {
			t.Fatalf("type %d: group %+v", typ, g)
		}
		if typ == TypeStreamListpacks && g.EntriesRead != 1 {
			t.Errorf("5.0 stream: entries read %d, want 1 (estimated)", g.EntriesRead)
		}
	}
	// A pending entry no consumer owns is corrupt.
	r := payload(t, func(w *Writer) {
		var b bytes.Buffer
		ww := NewWriter(&b)
		writeStream(ww, src, TypeStreamListpacks2)
		ww.Flush()
		raw := b.Bytes()
		// Drop the consumer's PEL entry: its count becomes 0.
		raw = raw[:len(raw)-17]
		w.Write(raw)
		w.SaveLen(0)
	})
	if _, err := ReadValue(r, TypeStreamListpacks2, Options{}); err == nil {
		t.Fatal("orphan PEL entry accepted")
	}
}

// Module values cannot be loaded: the error names the module type.
func TestModuleValue(t *testing.T) {
	id := uint64(0)
	for _, c := range "ReJSON-RL" {
		id = id<<6 | uint64(bytes.IndexRune([]byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), c))
	}
	id = id<<10 | 3
	r := payload(t, func(w *Writer) { w.SaveLen(id) })
	_, err := ReadValue(r, TypeModule2, Options{})
	var e *Error
	if !errors.As(err, &e) || !bytes.Contains([]byte(e.Reason), []byte("'ReJSON-RL'")) {
		t.Fatalf("module: %v", err)
	}
}

// Empty collections are ErrEmptyKey (skipped on load, refused by RESTORE).
func TestEmptyValues(t *testing.T) {
	for _, typ := range []byte{TypeList, TypeSet, TypeZSet2, TypeHash, TypeListQuicklist2} {
		r := payload(t, func(w *Writer) { w.SaveLen(0) })
		if _, err := ReadValue(r, typ, Options{}); err != ErrEmptyKey {
			t.Errorf("type %d: %v", typ, err)
		}
	}
	r := payload(t, func(w *Writer) { w.SaveString(listpack.New()) })
	if _, err := ReadValue(r, TypeHashListpack, Options{}); err != ErrEmptyKey {
		t.Errorf("empty hash listpack: %v", err)
	}
}
