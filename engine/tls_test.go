// TLS against the real binaries: redis-cli --tls and go-redis as clients,
// tls-auth-clients, CONFIG SET tls-*, start-up errors compared with
// redis-server's, and replication over TLS both ways between keygrid and
// redis-server.

package engine

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// tlsArgs are the directives of a TLS server on port with files f.
func tlsArgs(f testutil.TLSFiles, port int, auth string) []string {
	return []string{"--tls-port", strconv.Itoa(port), "--tls-cert-file", f.Cert, "--tls-key-file", f.Key,
		"--tls-ca-cert-file", f.CACert, "--tls-auth-clients", auth}
}

func tlsClient(t *testing.T, f testutil.TLSFiles, port int, withCert bool) *redis.Client {
	t.Helper()
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), TLSConfig: f.ClientConfig(t, withCert),
		DialTimeout: 20 * time.Second, ReadTimeout: 20 * time.Second, WriteTimeout: 20 * time.Second,
		MaxRetries: -1, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { rc.Close() })
	return rc
}

func redisCLI(t *testing.T, f testutil.TLSFiles, port int, args ...string) (string, error) {
	t.Helper()
	argv := append([]string{"--tls", "--cacert", f.CACert, "--cert", f.ClientCert, "--key", f.ClientKey,
		"-h", "127.0.0.1", "-p", strconv.Itoa(port)}, args...)
	out, err := exec.Command("redis-cli", argv...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestTLSRedisCLI(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli not installed")
	}
	f := testutil.WriteTLSFiles(t)
	port := testutil.FreePort(t)
	testutil.StartKeygrid(t, tlsArgs(f, port, "yes")...)
	testutil.WaitFor(t, 20*time.Second, func() bool {
		out, _ := redisCLI(t, f, port, "PING")
		return out == "PONG"
	}, "PONG over TLS")
	if out, err := redisCLI(t, f, port, "SET", "k", "v"); err != nil || out != "OK" {
		t.Fatalf("SET: %q %v", out, err)
	}
	if out, err := redisCLI(t, f, port, "GET", "k"); err != nil || out != "v" {
		t.Fatalf("GET: %q %v", out, err)
	}
	// The client is the TCP peer, not the pipe the loop reads (tls.go).
	out, err := redisCLI(t, f, port, "CLIENT", "INFO")
	if err != nil || !strings.Contains(out, "addr=127.0.0.1:") || !strings.Contains(out, "laddr=127.0.0.1:"+strconv.Itoa(port)+" ") {
		t.Fatalf("CLIENT INFO over TLS: %q %v", out, err)
	}
	// Without a client certificate the handshake fails (tls-auth-clients yes).
	argv := []string{"--tls", "--cacert", f.CACert, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "PING"}
	raw, _ := exec.Command("redis-cli", argv...).CombinedOutput()
	if strings.Contains(string(raw), "PONG") {
		t.Fatalf("a client without a certificate was served: %q", raw)
	}
}

func TestTLSGoRedis(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	ctx := context.Background()
	for _, auth := range []string{"yes", "optional", "no"} {
		t.Run("auth-clients-"+auth, func(t *testing.T) {
			port := testutil.FreePort(t)
			testutil.StartKeygrid(t, tlsArgs(f, port, auth)...)
			with := tlsClient(t, f, port, true)
			testutil.WaitFor(t, 20*time.Second, func() bool { return with.Ping(ctx).Err() == nil }, "PING over TLS")
			// A value larger than a TLS record and than the socketpair's buffer,
			// and a pipeline, go through the pumps whole and in order.
			big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
			if err := with.Set(ctx, "big", big, 0).Err(); err != nil {
				t.Fatal(err)
			}
			pipe := with.Pipeline()
			gets := make([]*redis.StringCmd, 50)
			for i := range gets {
				pipe.Incr(ctx, "n")
				gets[i] = pipe.Get(ctx, "big")
			}
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
			for _, g := range gets {
				if v, _ := g.Bytes(); !bytes.Equal(v, big) {
					t.Fatalf("GET big over TLS: %d bytes, want %d", len(v), len(big))
				}
			}
			if n, _ := with.Get(ctx, "n").Int(); n != 50 {
				t.Fatalf("n = %d, want 50", n)
			}
			without := tlsClient(t, f, port, false)
			err := without.Ping(ctx).Err()
			if auth == "yes" && err == nil {
				t.Fatal("tls-auth-clients yes: a client without a certificate was served")
			}
			if auth != "yes" && err != nil {
				t.Fatalf("tls-auth-clients %s: a client without a certificate was refused: %v", auth, err)
			}
			// A client trusting another CA refuses the server.
			other := f
			other.CACert = f.OtherCACert
			if err := tlsClient(t, other, port, true).Ping(ctx).Err(); err == nil {
				t.Fatal("a client trusting another CA accepted the server")
			}
		})
	}
}

// TestTLSClientKill: CLIENT KILL ADDR finds a TLS client by its TCP address
// and the kill reaches the TLS peer (its connection ends).
func TestTLSClientKill(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	port := testutil.FreePort(t)
	srv := testutil.StartKeygrid(t, tlsArgs(f, port, "yes")...)
	conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port), f.ClientConfig(t, true))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, err := conn.Read(buf); err != nil || string(buf[:n]) != "+PONG\r\n" {
		t.Fatalf("PING: %q %v", buf[:n], err)
	}
	admin := srv.Conn(t)
	raw, err := admin.Do("CLIENT", "KILL", conn.LocalAddr().String())
	if err != nil || string(raw) != "+OK\r\n" {
		t.Fatalf("CLIENT KILL %s: %q %v", conn.LocalAddr(), raw, err)
	}
	if n, err := conn.Read(buf); err == nil {
		t.Fatalf("the killed TLS client read %q", buf[:n])
	}
}

func TestTLSConfigSet(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	port := testutil.FreePort(t)
	srv := testutil.StartKeygrid(t, tlsArgs(f, port, "no")...)
	ctx := context.Background()
	c := srv.Conn(t)
	// A certificate that cannot be loaded is refused and the old one kept, with
	// Redis's reply (checked against redis-server in TestTLSConfigSetDiff).
	raw, _ := c.Do("CONFIG", "SET", "tls-cert-file", "/nonexistent/cert")
	if want := "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.\r\n"; string(raw) != want {
		t.Fatalf("CONFIG SET bad tls-cert-file: %q", raw)
	}
	if err := tlsClient(t, f, port, false).Ping(ctx).Err(); err != nil {
		t.Fatalf("after a refused CONFIG SET: %v", err)
	}
	// tls-port moves the listener.
	port2 := testutil.FreePort(t)
	if raw, _ := c.Do("CONFIG", "SET", "tls-port", strconv.Itoa(port2)); string(raw) != "+OK\r\n" {
		t.Fatalf("CONFIG SET tls-port: %q", raw)
	}
	if err := tlsClient(t, f, port2, false).Ping(ctx).Err(); err != nil {
		t.Fatalf("PING on the new tls-port: %v", err)
	}
	if err := tlsClient(t, f, port, false).Ping(ctx).Err(); err == nil {
		t.Fatal("the old tls-port still answers")
	}
	// tls-auth-clients applies to new connections at once.
	if raw, _ := c.Do("CONFIG", "SET", "tls-auth-clients", "yes"); string(raw) != "+OK\r\n" {
		t.Fatalf("CONFIG SET tls-auth-clients: %q", raw)
	}
	if err := tlsClient(t, f, port2, false).Ping(ctx).Err(); err == nil {
		t.Fatal("tls-auth-clients yes set at runtime: a client without a certificate was served")
	}
}

// TestTLSPlaintextClientDiff: a client speaking plain RESP to the TLS port is
// dropped as redis-server drops it: a reset, no bytes (no TLS alert), when more
// than a record header's five bytes came; a wait for the rest of the header when
// fewer did. redis-py's test_ssl_connection_without_ssl reads the reset as
// "Connection reset by peer" against redis-server.
func TestTLSPlaintextClientDiff(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	for _, side := range []struct {
		name  string
		start func(*testing.T, ...string) *testutil.Server
	}{
		{"keygrid", func(t *testing.T, a ...string) *testutil.Server { return testutil.StartKeygrid(t, a...) }},
		{"redis-server", func(t *testing.T, a ...string) *testutil.Server { return testutil.StartRedis(t, a...) }},
	} {
		port := testutil.FreePort(t)
		side.start(t, tlsArgs(f, port, "optional")...)
		for _, tc := range []struct {
			send, want string // want: "reset", or "wait" (nothing read, still open)
		}{
			{"*1\r\n$4\r\nPING\r\n", "reset"},
			{"PING\r\n", "reset"},
			{"PING", "wait"},
		} {
			var got string
			testutil.WaitFor(t, 20*time.Second, func() bool {
				conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
				if err != nil {
					return false // the TLS listener is not up yet
				}
				defer conn.Close()
				conn.Write([]byte(tc.send))
				conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				buf := make([]byte, 64)
				n, err := conn.Read(buf)
				var ne net.Error
				switch {
				case n > 0:
					got = fmt.Sprintf("read %q", buf[:n])
				case errors.Is(err, syscall.ECONNRESET):
					got = "reset"
				case errors.As(err, &ne) && ne.Timeout():
					got = "wait"
				default:
					got = fmt.Sprint(err)
				}
				return true
			}, "a connection to the TLS port")
			if got != tc.want {
				t.Errorf("%s: %q to the TLS port: %s, want %s", side.name, tc.send, got, tc.want)
			}
		}
	}
}

// TestTLSConfigSetDiff: the CONFIG SET failures are redis-server's.
func TestTLSConfigSetDiff(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	for _, start := range []func(*testing.T, ...string) *testutil.Server{
		func(t *testing.T, a ...string) *testutil.Server { return testutil.StartKeygrid(t, a...) },
		func(t *testing.T, a ...string) *testutil.Server { return testutil.StartRedis(t, a...) },
	} {
		srv := start(t, tlsArgs(f, testutil.FreePort(t), "no")...)
		c := srv.Conn(t)
		for _, tc := range [][3]string{
			{"tls-cert-file", "/nonexistent", "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.\r\n"},
			{"tls-protocols", "TLSv9", "-ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - Unable to update TLS configuration. Check server logs.\r\n"},
			{"tls-auth-clients", "maybe", ""},
			{"tls-protocols", "TLSv1.2", "+OK\r\n"},
		} {
			raw, _ := c.Do("CONFIG", "SET", tc[0], tc[1])
			if tc[2] == "" {
				if !strings.HasPrefix(string(raw), "-ERR CONFIG SET failed (possibly related to argument 'tls-auth-clients')") {
					t.Errorf("%s: CONFIG SET %s %s: %q", srv.Log()[:0], tc[0], tc[1], raw)
				}
				continue
			}
			if string(raw) != tc[2] {
				t.Errorf("CONFIG SET %s %s: %q, want %q", tc[0], tc[1], raw, tc[2])
			}
		}
	}
}

// TestTLSStartErrors: each unusable tls-* configuration stops both servers at
// start with the same log line (OpenSSL's own error text after the file name
// differs and is not compared) and "Failed to configure TLS".
func TestTLSStartErrors(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	kg := testutil.BuildKeygrid(t)
	rs := testutil.RedisServerPath(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--tls-port", "1"}, "No tls-cert-file configured!"},
		{[]string{"--tls-port", "1", "--tls-cert-file", f.Cert}, "No tls-key-file configured!"},
		{[]string{"--tls-replication", "yes", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key},
			"Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"},
		{[]string{"--tls-port", "1", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key}, "Either tls-ca-cert-file"},
		{[]string{"--tls-port", "1", "--tls-cert-file", "/nonexistent/c", "--tls-key-file", f.Key, "--tls-ca-cert-file", f.CACert},
			"Failed to load certificate: /nonexistent/c: "},
		{[]string{"--tls-port", "1", "--tls-cert-file", f.Cert, "--tls-key-file", "/nonexistent/k", "--tls-ca-cert-file", f.CACert},
			"Failed to load private key: /nonexistent/k: "},
		{[]string{"--tls-port", "1", "--tls-cert-file", f.Cert, "--tls-key-file", f.Cert, "--tls-ca-cert-file", f.CACert},
			"Failed to load private key: " + f.Cert + ": "},
		{[]string{"--tls-port", "1", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key, "--tls-ca-cert-file", "/nonexistent/ca"},
			"Failed to configure CA certificate(s) file/directory: "},
		{[]string{"--tls-port", "1", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key, "--tls-ca-cert-file", f.CACert, "--tls-protocols", "TLSv9"},
			"Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."},
		{[]string{"--tls-port", "1", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key, "--tls-ca-cert-file", f.CACert, "--tls-ciphers", "bogus"},
			"Failed to configure ciphers: bogus"},
		{[]string{"--tls-port", "1", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key, "--tls-ca-cert-file", f.CACert, "--tls-ciphersuites", "bogus"},
			"Failed to configure ciphersuites: bogus"},
		{[]string{"--tls-port", "1", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key, "--tls-ca-cert-file", f.CACert, "--tls-dh-params-file", "/nonexistent/dh"},
			"Failed to load /nonexistent/dh: "},
	}
	for _, tc := range cases {
		for _, bin := range [][]string{{kg, "server"}, {rs}} {
			argv := append(append(bin[1:], "--port", "0", "--save", ""), tc.args...)
			cmd := exec.Command(bin[0], argv...)
			cmd.Dir = t.TempDir()
			done := make(chan struct{})
			var out []byte
			var err error
			go func() { out, err = cmd.CombinedOutput(); close(done) }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("%s %v did not exit", bin[0], tc.args)
			}
			if err == nil {
				t.Errorf("%s %v: exited 0, want a failure", bin[0], tc.args)
			}
			if !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), "Failed to configure TLS. Check logs for more info.") {
				t.Errorf("%s %v: output lacks %q:\n%s", bin[0], tc.args, tc.want, out)
			}
		}
	}
}

// TestTLSReplication: a replica with tls-replication yes syncs from a master's
// tls-port and follows its stream, for keygrid->keygrid, redis-server->keygrid
// and keygrid->redis-server.
func TestTLSReplication(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	kg := func(t *testing.T, a ...string) *testutil.Server { return testutil.StartKeygrid(t, a...) }
	rs := func(t *testing.T, a ...string) *testutil.Server { return testutil.StartRedis(t, a...) }
	for _, pair := range []struct {
		name            string
		master, replica func(*testing.T, ...string) *testutil.Server
	}{{"keygrid-keygrid", kg, kg}, {"redis-keygrid", rs, kg}, {"keygrid-redis", kg, rs}} {
		t.Run(pair.name, func(t *testing.T) {
			mport := testutil.FreePort(t)
			m := pair.master(t, tlsArgs(f, mport, "yes")...)
			mc := m.Conn(t)
			for i := range 100 {
				mc.Do("SET", "before:"+strconv.Itoa(i), strconv.Itoa(i))
			}
			r := pair.replica(t, append(tlsArgs(f, testutil.FreePort(t), "yes"), "--tls-replication", "yes")...)
			rc := r.Conn(t)
			if raw, err := rc.Do("REPLICAOF", "127.0.0.1", strconv.Itoa(mport)); err != nil || string(raw) != "+OK\r\n" {
				t.Fatalf("REPLICAOF: %q %v", raw, err)
			}
			testutil.WaitFor(t, 60*time.Second, func() bool {
				raw, _ := rc.Do("INFO", "replication")
				return strings.Contains(string(raw), "master_link_status:up")
			}, "the replica's TLS link up")
			for i := range 100 {
				mc.Do("SET", "after:"+strconv.Itoa(i), strconv.Itoa(i))
			}
			testutil.WaitFor(t, 60*time.Second, func() bool {
				raw, _ := rc.Do("GET", "after:99")
				return string(raw) == "$2\r\n99\r\n"
			}, "the stream reaching the replica over TLS")
			if raw, _ := rc.Do("DBSIZE"); string(raw) != ":200\r\n" {
				t.Fatalf("replica DBSIZE %q, want 200", raw)
			}
			if pair.name != "keygrid-redis" {
				// keygrid's master client is a pipe to the TLS bridge: it shows the
				// master's address, as redis-server's does.
				raw, _ := rc.Do("CLIENT", "LIST", "TYPE", "master")
				if !strings.Contains(string(raw), "addr=127.0.0.1:"+strconv.Itoa(mport)+" ") {
					t.Fatalf("the replica's master client: %q", raw)
				}
			}
			// The master sees its replica as a TLS client of tls-port.
			raw, _ := mc.Do("CLIENT", "LIST", "TYPE", "replica")
			if !strings.Contains(string(raw), "laddr=127.0.0.1:"+strconv.Itoa(mport)+" ") {
				t.Fatalf("the master's replica client is not on tls-port: %q", raw)
			}
		})
	}
}
