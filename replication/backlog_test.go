package replication

import (
	"bytes"
	"math/rand"
	"testing"
)

// TestBacklogModel feeds random chunks to backlogs of several sizes and checks
// every readable offset against the whole stream kept aside (the naive model).
func TestBacklogModel(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, size := range []int{1, 7, 64, 1000} {
		const start = 100 // a backlog created at master_repl_offset 100
		b := NewBacklog(size, start)
		var stream []byte // bytes fed, the first at offset start+1
		for step := 0; step < 300; step++ {
			p := make([]byte, rng.Intn(2*size+3))
			rng.Read(p)
			b.Feed(p)
			stream = append(stream, p...)
			if step%37 == 5 {
				size = max(1, size+rng.Intn(size+1)-size/2)
				b.Resize(size)
			}
			end := int64(start + len(stream))
			if b.Offset() != end {
				t.Fatalf("offset %d, want %d", b.Offset(), end)
			}
			wantHist := min(int64(len(stream)), b.HistLen())
			if b.HistLen() > int64(b.Size()) || b.HistLen() != wantHist {
				t.Fatalf("histlen %d, size %d", b.HistLen(), b.Size())
			}
			first := b.FirstByteOffset()
			for _, off := range []int64{first, first + 1, (first + end) / 2, end, end + 1} {
				if off > end+1 {
					continue
				}
				if !b.Contains(off) {
					t.Fatalf("size %d: offset %d in [%d,%d] not contained", b.Size(), off, first, end+1)
				}
				got := b.AppendFrom(nil, off)
				want := stream[off-start-1:]
				if !bytes.Equal(got, want) {
					t.Fatalf("size %d, offset %d: got %d bytes, want %d", b.Size(), off, len(got), len(want))
				}
			}
			if b.Contains(first-1) && first > start+1 {
				t.Fatalf("offset %d before the first byte %d is contained", first-1, first)
			}
			if b.Contains(end + 2) {
				t.Fatalf("offset %d past the end is contained", end+2)
			}
		}
	}
}

// A new backlog holds nothing, yet a replica that missed nothing may continue
// (Redis creates it with offset = master_repl_offset+1 and histlen 0).
func TestBacklogEmpty(t *testing.T) {
	b := NewBacklog(16, 42)
	if b.FirstByteOffset() != 43 || b.HistLen() != 0 || !b.Contains(43) || b.Contains(42) || b.Contains(44) {
		t.Fatalf("first %d hist %d", b.FirstByteOffset(), b.HistLen())
	}
	if got := b.AppendFrom(nil, 43); len(got) != 0 {
		t.Fatalf("got %q", got)
	}
}

// A big backlog takes memory as the stream fills it, not when it is created
// (a repl-backlog-size of hundreds of MB costs nothing until used).
func TestBacklogGrowsLazily(t *testing.T) {
	b := NewBacklog(512<<20, 0)
	b.Feed(make([]byte, 100))
	if c := cap(b.buf); c > 64<<10 {
		t.Fatalf("100 bytes fed, %d allocated", c)
	}
	b = NewBacklog(10000, 0)
	for i := 0; i < 100; i++ {
		b.Feed(make([]byte, 333))
	}
	if c := cap(b.buf); c != 10000 {
		t.Fatalf("a full backlog of 10000 holds %d bytes", c)
	}
}

// Redis 7.0's masterTryPartialResynchronization cases.
func TestDecide(t *testing.T) {
	id, id2 := NewID(), NewID()
	b := NewBacklog(100, 1000)
	b.Feed(make([]byte, 150)) // holds offsets 1051..1150
	h := History{ID: id, ID2: id2, SecondOffset: 1101}
	for _, tc := range []struct {
		id   string
		off  int64
		want Verdict
	}{
		{"?", -1, FullRequested},
		{NewID(), 1100, IDMismatch},
		{id, 1151, Continue},
		{id, 1051, Continue},
		{id, 1050, NoBacklog},
		{id, 1152, NoBacklog},
		{id2, 1101, Continue},
		{id2, 1102, PastSecondID},
		{NoID, 1100, IDMismatch},
	} {
		if got := Decide(h, tc.id, tc.off, b); got != tc.want {
			t.Errorf("PSYNC %s %d: %v, want %v", tc.id, tc.off, got, tc.want)
		}
	}
	if got := Decide(History{ID: id, ID2: NoID, SecondOffset: -1}, id, 1, nil); got != NoBacklog {
		t.Errorf("no backlog: %v", got)
	}
}

// FuzzBacklog runs feed/resize/read sequences against the whole stream kept aside.
func FuzzBacklog(f *testing.F) {
	f.Add([]byte{3, 10, 0, 5, 1, 200, 2, 7})
	f.Add([]byte{0, 255, 0, 255, 1, 1, 2, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		b := NewBacklog(17, 5)
		var stream []byte
		for i := 0; i+1 < len(ops); i += 2 {
			arg := int(ops[i+1])
			switch ops[i] % 3 {
			case 0:
				p := bytes.Repeat([]byte{byte(i)}, arg)
				for j := range p {
					p[j] += byte(j)
				}
				b.Feed(p)
				stream = append(stream, p...)
			case 1:
				b.Resize(arg%64 + 1)
			case 2:
				off := b.FirstByteOffset() + int64(arg)
				if !b.Contains(off) {
					if off <= b.Offset()+1 {
						t.Fatalf("offset %d in range not contained", off)
					}
					continue
				}
				if got, want := b.AppendFrom(nil, off), stream[off-6:]; !bytes.Equal(got, want) {
					t.Fatalf("offset %d: %v, want %v", off, got, want)
				}
			}
		}
		if b.Offset() != int64(5+len(stream)) || b.HistLen() > int64(b.Size()) {
			t.Fatalf("offset %d histlen %d size %d", b.Offset(), b.HistLen(), b.Size())
		}
	})
}
