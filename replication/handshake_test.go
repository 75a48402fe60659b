package replication

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/resp"
)

// runHandshake plays a master that answers with replies, fed to the handshake
// split at every byte boundary into two chunks (the reader may get any split).
func runHandshake(t *testing.T, cfg HandshakeConfig, replies string) (*Handshake, string, []Note) {
	t.Helper()
	var final *Handshake
	var finalSent string
	var finalNotes []Note
	for split := 0; split <= len(replies); split++ {
		h := NewHandshake(cfg)
		sent := string(h.Start())
		var notes []Note
		var buf []byte
		done := false
		for _, chunk := range []string{replies[:split], replies[split:]} {
			buf = append(buf, chunk...)
			used, send, ns, d, err := h.Feed(buf)
			if err != nil {
				t.Fatalf("split %d: %v", split, err)
			}
			buf = buf[used:]
			sent += string(send)
			notes = append(notes, ns...)
			if d {
				done = true
				break
			}
		}
		if !done {
			t.Fatalf("split %d: handshake not done", split)
		}
		if final != nil && (sent != finalSent || h.Outcome != final.Outcome || h.ID != final.ID || h.Offset != final.Offset) {
			t.Fatalf("split %d: different result", split)
		}
		final, finalSent, finalNotes = h, sent, notes
	}
	return final, finalSent, finalNotes
}

func cmds(args ...[]string) string {
	var b []byte
	for _, a := range args {
		b = resp.AppendCommand(b, a...)
	}
	return string(b)
}

// Redis 7.0 replication.c, syncWithMaster: PING, then AUTH, REPLCONF listening-port,
// REPLCONF ip-address, REPLCONF capa eof capa psync2 in one go, then PSYNC.
func TestHandshakeFullResync(t *testing.T) {
	id := strings.Repeat("a", IDLen)
	cfg := HandshakeConfig{User: "repl", Auth: "secret", ListeningPort: 6380, AnnounceIP: "10.0.0.7"}
	h, sent, notes := runHandshake(t, cfg, "+PONG\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n\n\n+FULLRESYNC "+id+" 1234\r\n")
	want := cmds([]string{"PING"}, []string{"AUTH", "repl", "secret"}, []string{"REPLCONF", "listening-port", "6380"},
		[]string{"REPLCONF", "ip-address", "10.0.0.7"}, []string{"REPLCONF", "capa", "eof", "capa", "psync2"},
		[]string{"PSYNC", "?", "-1"})
	if sent != want {
		t.Fatalf("sent %q\nwant %q", sent, want)
	}
	if h.Outcome != FullResync || h.ID != id || h.Offset != 1234 {
		t.Fatalf("outcome %v %q %d", h.Outcome, h.ID, h.Offset)
	}
	if last := notes[len(notes)-1].Text; last != "Full resync from master: "+id+":1234" {
		t.Fatalf("last note %q", last)
	}
}

func TestHandshakeContinue(t *testing.T) {
	id := strings.Repeat("b", IDLen)
	newID := strings.Repeat("c", IDLen)
	cfg := HandshakeConfig{ListeningPort: 7000, ReplID: id, Offset: 99}
	// Errors to REPLCONF are not critical (old masters).
	h, sent, _ := runHandshake(t, cfg, "-NOAUTH Authentication required.\r\n-ERR unknown\r\n+OK\r\n+CONTINUE "+newID+"\r\n")
	want := cmds([]string{"PING"}, []string{"REPLCONF", "listening-port", "7000"},
		[]string{"REPLCONF", "capa", "eof", "capa", "psync2"}, []string{"PSYNC", id, "100"})
	if sent != want {
		t.Fatalf("sent %q\nwant %q", sent, want)
	}
	if h.Outcome != PartialResync || h.ID != newID {
		t.Fatalf("outcome %v %q", h.Outcome, h.ID)
	}
	// A pre-PSYNC2 master: "+CONTINUE" alone.
	h, _, _ = runHandshake(t, cfg, "+PONG\r\n+OK\r\n+OK\r\n+CONTINUE\r\n")
	if h.Outcome != PartialResync || h.ID != "" {
		t.Fatalf("outcome %v %q", h.Outcome, h.ID)
	}
}

func TestHandshakeRefusals(t *testing.T) {
	for _, tc := range []struct {
		reply string
		want  Outcome
	}{
		{"-NOMASTERLINK Can't SYNC while not connected with my master", TryLater},
		{"-LOADING Redis is loading the dataset in memory", TryLater},
		{"-ERR unknown command 'PSYNC'", NotSupported},
		{"+WHAT", NotSupported},
	} {
		h, _, _ := runHandshake(t, HandshakeConfig{}, "+PONG\r\n+OK\r\n+OK\r\n"+tc.reply+"\r\n")
		if h.Outcome != tc.want {
			t.Errorf("%q: outcome %v, want %v", tc.reply, h.Outcome, tc.want)
		}
	}
	// A bad PING reply or a failed AUTH ends the handshake.
	h := NewHandshake(HandshakeConfig{})
	if _, _, _, _, err := h.Feed([]byte("-DENIED no\r\n")); err == nil {
		t.Fatal("bad PING reply accepted")
	}
	h = NewHandshake(HandshakeConfig{Auth: "x"})
	if _, _, _, _, err := h.Feed([]byte("+PONG\r\n-WRONGPASS invalid username-password pair\r\n")); err == nil {
		t.Fatal("failed AUTH accepted")
	}
}

func TestParsePayloadHeader(t *testing.T) {
	mark := strings.Repeat("z", IDLen)
	if h, err := ParsePayloadHeader([]byte("$EOF:" + mark)); err != nil || h.Length != -1 || string(h.EOF) != mark {
		t.Fatalf("EOF header: %+v %v", h, err)
	}
	if h, err := ParsePayloadHeader([]byte("$175")); err != nil || h.Length != 175 {
		t.Fatalf("length header: %+v %v", h, err)
	}
	for _, bad := range []string{"-ERR boom", "+OK", "$x", "$-5"} {
		if _, err := ParsePayloadHeader([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The payload is everything before the mark, whatever the chunks.
func TestEOFMatcher(t *testing.T) {
	// A real mark is random; this payload holds pieces of it, as one could.
	mark := []byte("0123456789abcdef0123456789abcdef01234567")
	payload := []byte("REDIS0010" + strings.Repeat("0123456789abcdefx", 10) + "0123456789abcdef0123")
	stream := append(append([]byte(nil), payload...), mark...)
	for _, size := range []int{1, 3, 39, 40, 41, 100, len(stream)} {
		m := NewEOFMatcher(mark)
		var got []byte
		for i := 0; i < len(stream) && !m.Done(); i += size {
			got = m.Write(got, stream[i:min(i+size, len(stream))])
		}
		if !m.Done() || !bytes.Equal(got, payload) {
			t.Fatalf("chunks of %d: done %v, got %d bytes, want %d", size, m.Done(), len(got), len(payload))
		}
	}
}

// The handshake reads whatever a (possibly hostile or broken) master sends: it
// must never panic nor consume more than it was given, at any split.
func FuzzHandshakeFeed(f *testing.F) {
	id := strings.Repeat("a", IDLen)
	f.Add([]byte("+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC "+id+" 12\r\n"), uint8(3))
	f.Add([]byte("+PONG\r\n+OK\r\n+OK\r\n+OK\r\n\n+CONTINUE "+id+"\r\n"), uint8(0))
	f.Add([]byte("-NOAUTH x\r\n-ERR\r\n:1\r\n*1\r\n$1\r\na\r\n-LOADING\r\n"), uint8(9))
	f.Add([]byte("$EOF:"+id), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		h := NewHandshake(HandshakeConfig{Auth: "pw", AnnounceIP: "1.2.3.4", ReplID: id, Offset: 5})
		cut := int(split) % (len(in) + 1)
		var buf []byte
		for _, chunk := range [][]byte{in[:cut], in[cut:]} {
			buf = append(buf, chunk...)
			used, _, _, done, err := h.Feed(buf)
			if used < 0 || used > len(buf) {
				t.Fatalf("used %d of %d", used, len(buf))
			}
			if err != nil || done {
				break
			}
			buf = buf[used:]
		}
		ParsePayloadHeader(in)
		m := NewEOFMatcher([]byte(id))
		m.Write(nil, in)
		m.Done()
	})
}
