package tlsconf

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseProtocols(t *testing.T) {
	for _, tc := range []struct {
		in       string
		min, max uint16
		bad      bool
	}{
		{"", tls.VersionTLS12, tls.VersionTLS13, false},
		{"TLSv1.2", tls.VersionTLS12, tls.VersionTLS12, false},
		{"tlsv1.3 TLSv1.2", tls.VersionTLS12, tls.VersionTLS13, false},
		{"TLSv1 TLSv1.1", tls.VersionTLS10, tls.VersionTLS11, false},
		{"TLSv9", 0, 0, true},
		{"TLSv1.2  TLSv1.3", 0, 0, true}, // an empty token, as Redis's split makes
	} {
		lo, hi, err := parseProtocols(tc.in)
		if (err != nil) != tc.bad || !tc.bad && (lo != tc.min || hi != tc.max) {
			t.Errorf("parseProtocols(%q) = %x %x %v", tc.in, lo, hi, err)
		}
	}
}

func TestParseCiphers(t *testing.T) {
	if ids, err := parseCiphers("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305"); err != nil || len(ids) != 2 {
		t.Errorf("named ciphers: %v %v", ids, err)
	}
	if ids, err := parseCiphers("HIGH:!aNULL:!MD5"); err != nil || ids != nil {
		t.Errorf("keywords: %v %v", ids, err)
	}
	if _, err := parseCiphers("bogus"); err == nil || err.Error() != "Failed to configure ciphers: bogus" {
		t.Errorf("bogus: %v", err)
	}
	if err := checkCiphersuites("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"); err != nil {
		t.Error(err)
	}
	if err := checkCiphersuites("nope"); err == nil {
		t.Error("checkCiphersuites accepted nope")
	}
}

// TestPipe: bytes cross the pipe both ways in order, and each side's end
// reaches the other (the loop's close ends the TLS side; the peer's close is
// end-of-file on the loop's descriptor).
func TestPipe(t *testing.T) {
	a, b := net.Pipe() // stands for the TLS connection (a) and its peer (b)
	fd, err := Pipe(a)
	if err != nil {
		t.Fatal(err)
	}
	unix.SetNonblock(fd, false)
	f := os.NewFile(uintptr(fd), "loop-end")
	b.SetDeadline(time.Now().Add(10 * time.Second))
	msg := strings.Repeat("x", 100<<10)
	go b.Write([]byte(msg))
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(f, got); err != nil || string(got) != msg {
		t.Fatalf("peer to loop: %v", err)
	}
	go f.Write([]byte("+OK\r\n"))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(b, buf); err != nil || string(buf) != "+OK\r\n" {
		t.Fatalf("loop to peer: %q %v", buf, err)
	}
	f.Close() // the loop frees the client: the peer sees the end
	if n, err := b.Read(buf); err == nil {
		t.Fatalf("peer read %q after the loop closed", buf[:n])
	}
}
