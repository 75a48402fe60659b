package engine

// The diskless load's payload reader (syncPayload, repl_replica.go): it must end
// exactly where the payload does, for both payload forms, however the bytes are
// split on the wire, and leave what follows for the master client.

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/replication"
	"golang.org/x/sys/unix"
)

// tcpPair is a connected loopback TCP pair (finish duplicates a real socket).
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan net.Conn)
	go func() {
		c, _ := ln.Accept()
		done <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-done
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestSyncPayloadEndsWithThePayload(t *testing.T) {
	payload := bytes.Repeat([]byte("REDIS0010 some rdb bytes \x00\xff"), 5000)
	mark := strings.Repeat("m", replication.IDLen)
	for _, form := range []string{"length", "eof"} {
		for _, chunk := range []int{1, 7, 39, 41, 4096, 1 << 20} {
			var hdr replication.PayloadHeader
			wire := append([]byte(nil), payload...)
			after := ""
			if form == "length" {
				hdr.Length = int64(len(payload))
				after = "*1\r\n$4\r\nPING\r\n" // the stream may follow at once
			} else {
				hdr.Length = -1
				hdr.EOF = []byte(mark)
				wire = append(wire, mark...) // nothing follows until our first ACK
			}
			wire = append(wire, after...)
			cl, sv := tcpPair(t)
			go func() {
				for b := wire; len(b) > 0; {
					n := min(chunk, len(b))
					if _, err := sv.Write(b[:n]); err != nil {
						return
					}
					b = b[n:]
				}
			}()
			j := &replJob{}
			j.size.Store(-1)
			p := j.newSyncPayload(&linkReader{conn: cl, timeout: 20e9}, hdr, func(string) {})
			// The parser may stop short of the end (the EOF mark is no RDB
			// byte): read part of it, and let finish drain the rest.
			half := make([]byte, len(payload)/2)
			if _, err := io.ReadFull(p, half); err != nil {
				t.Fatalf("%s/%d: %v", form, chunk, err)
			}
			if !bytes.Equal(half, payload[:len(half)]) {
				t.Fatalf("%s/%d: first half differs", form, chunk)
			}
			if form == "length" {
				// Reading to the end gives exactly the payload, then io.EOF.
				rest, err := io.ReadAll(p)
				if err != nil || !bytes.Equal(rest, payload[len(half):]) {
					t.Fatalf("%s/%d: second half %d bytes, %v", form, chunk, len(rest), err)
				}
			} else {
				// The parser reads the RDB to its end, never the mark.
				rest := make([]byte, len(payload)-len(half))
				if _, err := io.ReadFull(p, rest); err != nil || !bytes.Equal(rest, payload[len(half):]) {
					t.Fatalf("%s/%d: second half %d bytes, %v", form, chunk, len(rest), err)
				}
			}
			fd, rest, err := p.finish(cl, int64(len(payload)))
			if err != nil {
				t.Fatalf("%s/%d: finish: %v", form, chunk, err)
			}
			unix.Close(fd)
			// What arrived after the payload is the master client's; the rest of
			// it is still on the socket.
			if !strings.HasPrefix(after, string(rest)) {
				t.Fatalf("%s/%d: rest %q", form, chunk, rest)
			}
			if got := j.read.Load(); got < int64(len(payload)) {
				t.Fatalf("%s/%d: master_sync_read_bytes %d", form, chunk, got)
			}
		}
	}
}

// A master that goes away mid-payload fails the read (the load then fails).
func TestSyncPayloadTruncated(t *testing.T) {
	for _, hdr := range []replication.PayloadHeader{{Length: 1000}, {Length: -1, EOF: []byte(strings.Repeat("m", replication.IDLen))}} {
		cl, sv := tcpPair(t)
		sv.Write(bytes.Repeat([]byte("x"), 500))
		sv.Close()
		j := &replJob{}
		p := j.newSyncPayload(&linkReader{conn: cl, timeout: 20e9}, hdr, func(string) {})
		_, err := io.ReadAll(p)
		if err == nil || !strings.HasPrefix(err.Error(), "I/O error trying to sync with MASTER: ") {
			t.Fatalf("header %+v: %v", hdr, err)
		}
	}
}

// A master that stalls in the middle of a diskless load's payload: the loop,
// which reads the payload from the socket as it loads, gives up after
// repl-timeout (as Redis's blocking diskless load does), the failed swapdb load
// gives the old dataset back, and the server serves again between the attempts.
func TestReplicaDisklessLoadStalledMaster(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) {
		c.ReplDisklessLoad = "swapdb"
		c.ReplTimeout = 1
		c.Save = nil
	})
	tc := dialTest(t, addr)
	tc.do("SET", "old", "1")
	// A valid start (magic, version, an aux field), then nothing, and no mark.
	prefix := "REDIS0010\xfa\x09redis-ver\x067.0.15"
	tc.do("REPLICAOF", "127.0.0.1", fakeMasterMark(t, prefix, false))
	// Each attempt that ended counts the payload bytes it read (INFO stats'
	// total_net_repl_input_bytes): two attempts gave up, the server served
	// between them and after.
	rrpWait(t, "two stalled loads give up", func() bool {
		n, _ := strconv.Atoi(infoField(tc, "stats", "total_net_repl_input_bytes"))
		return n >= 2*len(prefix)
	})
	if got := tc.do("GET", "old"); got != "1" {
		t.Fatalf("GET old after failed swapdb loads: %q", got)
	}
	if got := rrpInfo(tc, "master_link_status"); got != "down" {
		t.Fatalf("master_link_status %q", got)
	}
}
