package sentinel

import (
	"encoding/json"
	"io"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
)

func applyCmd(t *testing.T, f *fsm, idx uint64, c command) any {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return f.Apply(&raft.Log{Index: idx, Type: raft.LogCommand, Data: b})
}

// The log decides: the first switch committed for an epoch wins, a later or
// older one is rejected, and every applied switch is reported once.
func TestFSMSwitch(t *testing.T) {
	f := newFSM()
	var switches []command
	f.onSwitch = func(c command) { switches = append(switches, c) }
	if r := applyCmd(t, f, 1, command{Op: opEpoch, Epoch: 1}); r != nil {
		t.Fatal(r)
	}
	if f.currentEpoch() != 1 {
		t.Fatalf("epoch = %d", f.currentEpoch())
	}
	sw := command{Op: opSwitch, Epoch: 1, Name: "m", IP: "10.0.0.2", Port: 6380,
		Replicas: []string{"10.0.0.3:6381", "10.0.0.1:6379"}, OldIP: "10.0.0.1", OldPort: 6379, Leader: "L"}
	if r := applyCmd(t, f, 2, sw); r != nil {
		t.Fatal(r)
	}
	dup := sw
	dup.IP, dup.Port = "10.0.0.3", 6381
	if r := applyCmd(t, f, 3, dup); r == nil {
		t.Fatal("a second switch for epoch 1 was accepted")
	}
	rec, ok := f.master("m")
	if !ok || rec.IP != "10.0.0.2" || rec.Port != 6380 || rec.ConfigEpoch != 1 ||
		len(rec.Replicas) != 2 || rec.Replicas[0] != "10.0.0.1:6379" {
		t.Fatalf("record = %+v", rec)
	}
	if len(switches) != 1 {
		t.Fatalf("switch callbacks = %d", len(switches))
	}
	// An epoch is used once: a stale proposal is refused and nothing goes back.
	if r := applyCmd(t, f, 4, command{Op: opEpoch, Epoch: 1}); r == nil {
		t.Fatal("epoch 1 accepted twice")
	}
	if f.currentEpoch() != 1 {
		t.Fatalf("epoch went back to %d", f.currentEpoch())
	}
	if r := applyCmd(t, f, 5, command{Op: "bogus"}); r == nil {
		t.Fatal("unknown op accepted")
	}
	// The end of the failover that made the current master is reported once per
	// commit; one for another epoch is refused (a newer switch won meanwhile).
	var ends []command
	f.onSwitchEnd = func(c command) { ends = append(ends, c) }
	if r := applyCmd(t, f, 6, command{Op: opSwitchEnd, Epoch: 0, Name: "m"}); r == nil {
		t.Fatal("a switch end for another epoch was accepted")
	}
	if r := applyCmd(t, f, 7, command{Op: opSwitchEnd, Epoch: 1, Name: "nosuch"}); r == nil {
		t.Fatal("a switch end for an unknown master was accepted")
	}
	if r := applyCmd(t, f, 8, command{Op: opSwitchEnd, Epoch: 1, Name: "m"}); r != nil || len(ends) != 1 {
		t.Fatalf("switch end = %v, callbacks %d", r, len(ends))
	}
}

// A sentinel's CONFIG SET is kept per run id, survives a snapshot, and is
// reported to the callback.
func TestFSMSentinelConfig(t *testing.T) {
	f := newFSM()
	var got []command
	f.onSentinelConfig = func(c command) { got = append(got, c) }
	if r := applyCmd(t, f, 1, command{Op: opSentinelConfig, Name: "A", Param: "announce-ip", Value: "1.2.3.4"}); r != nil {
		t.Fatal(r)
	}
	applyCmd(t, f, 2, command{Op: opSentinelConfig, Name: "A", Param: "announce-ip", Value: "5.6.7.8"})
	applyCmd(t, f, 3, command{Op: opSentinelConfig, Name: "B", Param: "resolve-hostnames", Value: "yes"})
	if r := applyCmd(t, f, 4, command{Op: opSentinelConfig, Param: "announce-ip"}); r == nil {
		t.Fatal("an entry without a sentinel id was accepted")
	}
	if len(got) != 3 {
		t.Fatalf("callbacks = %d", len(got))
	}
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	g := newFSM()
	if err := g.Restore(io.NopCloser(&byteReader{b: sink.buf})); err != nil {
		t.Fatal(err)
	}
	if a, b := g.sentinelConfig("A"), g.sentinelConfig("B"); len(a) != 1 || a["announce-ip"] != "5.6.7.8" || b["resolve-hostnames"] != "yes" {
		t.Fatalf("restored A %v, B %v", a, b)
	}
}

type memSink struct {
	buf []byte
}

func (s *memSink) Write(p []byte) (int, error) { s.buf = append(s.buf, p...); return len(p), nil }
func (s *memSink) Close() error                { return nil }
func (s *memSink) ID() string                  { return "mem" }
func (s *memSink) Cancel() error               { return nil }

func TestFSMSnapshotRestore(t *testing.T) {
	f := newFSM()
	applyCmd(t, f, 1, command{Op: opSwitch, Epoch: 4, Name: "m", IP: "10.0.0.2", Port: 6380})
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	g := newFSM()
	if err := g.Restore(io.NopCloser(&byteReader{b: sink.buf})); err != nil {
		t.Fatal(err)
	}
	rec, ok := g.master("m")
	if !ok || rec.IP != "10.0.0.2" || g.currentEpoch() != 4 {
		t.Fatalf("restored %+v epoch %d", rec, g.currentEpoch())
	}
}

type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// The raft store survives a restart: logs and the stable keys raft relies on.
func TestFileStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.json")
	s, err := openFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StoreLogs([]*raft.Log{{Index: 1, Term: 1, Data: []byte("a")}, {Index: 2, Term: 1, Data: []byte("b")}, {Index: 3, Term: 2, Data: []byte("c")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRange(1, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUint64([]byte("CurrentTerm"), 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Set([]byte("LastVoteCand"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	r, err := openFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := r.FirstIndex()
	last, _ := r.LastIndex()
	if first != 2 || last != 3 {
		t.Fatalf("indexes %d..%d", first, last)
	}
	var l raft.Log
	if err := r.GetLog(3, &l); err != nil || string(l.Data) != "c" || l.Term != 2 {
		t.Fatalf("log 3 = %+v, %v", l, err)
	}
	if v, err := r.GetUint64([]byte("CurrentTerm")); err != nil || v != 2 {
		t.Fatalf("CurrentTerm = %d, %v", v, err)
	}
	if v, err := r.Get([]byte("LastVoteCand")); err != nil || string(v) != "x" {
		t.Fatalf("LastVoteCand = %q, %v", v, err)
	}
}
