package sentinel

// The raft transport shares the sentinel port (raftmux.go) and, with
// tls-replication yes, runs over TLS with the sentinel's certificates.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"
)

// sniffRaft tells the raft preamble from RESP and inline commands, and both
// kinds of connection read on from where the preamble (or nothing) was taken.
func TestSniffRaft(t *testing.T) {
	for _, tc := range []struct {
		in     string
		isRaft bool
		rest   string
	}{
		{raftPreamble + "\x01rpc", true, "\x01rpc"},
		{"*1\r\n$4\r\nPING\r\n", false, "*1\r\n$4\r\nPING\r\n"},
		{"PING\r\n", false, "PING\r\n"},
		{"\x00other\n", false, "\x00other\n"},
	} {
		a, b := net.Pipe()
		go func() { a.Write([]byte(tc.in)); a.Close() }()
		c, isRaft, err := sniffRaft(b)
		if err != nil || isRaft != tc.isRaft {
			t.Fatalf("%q: raft %v, err %v", tc.in, isRaft, err)
		}
		rest, _ := io.ReadAll(c)
		if string(rest) != tc.rest {
			t.Errorf("%q: rest %q, want %q", tc.in, rest, tc.rest)
		}
	}
}

// Three sentinels whose raft runs over TLS on their tls-port fail a TLS-only
// group over; a fourth sentinel listed as a voter but trusting another CA can
// neither reach them nor be reached, so it never joins (never learns the
// leader nor receives the log), and raft refuses its connections on the plain
// port too.
func TestRaftOverTLS(t *testing.T) {
	t.Parallel()
	f := testutil.WriteTLSFiles(t)
	tlsNode := func(port int, extra ...string) *testutil.Server {
		return testutil.StartKeygrid(t, append([]string{"--tls-port", strconv.Itoa(port), "--tls-cert-file", f.Cert,
			"--tls-key-file", f.Key, "--tls-ca-cert-file", f.CACert, "--tls-replication", "yes"}, extra...)...)
	}
	mport, r1, r2 := testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t)
	tlsNode(mport)
	tlsNode(r1, "--replicaof", "127.0.0.1", strconv.Itoa(mport))
	tlsNode(r2, "--replicaof", "127.0.0.1", strconv.Itoa(mport))

	const n = 4 // the last one is the outsider
	ports := freePorts(t, 2*n)
	var peers []string
	for i := range n {
		peers = append(peers, "127.0.0.1:"+strconv.Itoa(ports[2*i+1])) // tls-ports: raft shares them
	}
	var ss []*Sentinel
	for i := range n {
		cfg := DefaultConfig()
		cfg.Port, cfg.TLSPort, cfg.Bind, cfg.Dir = ports[2*i], ports[2*i+1], "127.0.0.1", t.TempDir()
		cfg.RaftPeers = peers
		cfg.TLS.CertFile, cfg.TLS.KeyFile, cfg.TLS.CACertFile, cfg.TLS.Replication = f.Cert, f.Key, f.CACert, true
		cfg.TLS.ClientCertFile, cfg.TLS.ClientKeyFile = f.ClientCert, f.ClientKey
		if i == n-1 {
			cfg.TLS.CACertFile = f.OtherCACert
		}
		mc := defaultMaster()
		mc.Name, mc.Host, mc.Port, mc.Quorum = "mymaster", "127.0.0.1", mport, 2
		mc.DownAfter, mc.FailoverTimeout = drillDownAfter, 10*time.Second
		cfg.Masters = []*MasterConfig{mc}
		s, err := New(cfg, "", zaptest.NewLogger(t).Named(strconv.Itoa(i)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
		ss = append(ss, s)
	}
	good, outsider := ss[:n-1], ss[n-1]
	waitFor(t, 30*time.Second, "a raft leader among the sentinels sharing the CA", func() bool {
		for _, s := range good {
			if s.isLeader() {
				return true
			}
		}
		return false
	})
	// A raft connection on the plain port is refused with TLS on.
	stream := newRaftStream(&net.TCPAddr{}, nil)
	if c, err := stream.Dial(raft.ServerAddress(good[0].Addr()), time.Second); err == nil {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("raft connection on the plain port was served")
		}
		c.Close()
	}
	// Neither is a TLS raft connection with a certificate of another CA.
	other := &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{selfSignedCert(t)}}
	bad := newRaftStream(&net.TCPAddr{}, other)
	if c, err := bad.Dial(raft.ServerAddress("127.0.0.1:"+strconv.Itoa(good[0].cfg.TLSPort)), 2*time.Second); err == nil {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("raft over TLS served a peer whose certificate the CA did not sign")
		}
		c.Close()
	}

	// Failover through the TLS raft group.
	ctx := context.Background()
	sc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(good[0].cfg.TLSPort), TLSConfig: f.ClientConfig(t, true),
		DialTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, MaxRetries: -1, Protocol: 2, DisableIdentity: true})
	defer sc.Close()
	waitFor(t, 30*time.Second, "the sentinels to see both replicas", func() bool {
		v, err := sc.Do(ctx, "SENTINEL", "REPLICAS", "mymaster").Slice()
		return err == nil && len(v) == 2
	})
	// Right after discovery the replicas may not be usable yet (NOGOODSLAVE).
	waitFor(t, 30*time.Second, "SENTINEL FAILOVER to be accepted", func() bool {
		return sc.Do(ctx, "SENTINEL", "FAILOVER", "mymaster").Err() == nil
	})
	waitFor(t, 60*time.Second, "every sentinel sharing the CA to name the new master", func() bool {
		for _, s := range good {
			s.mu.Lock()
			p := s.masters["mymaster"].port
			s.mu.Unlock()
			if p == mport {
				return false
			}
		}
		return true
	})
	// The outsider never joined: no leader known, no log received.
	if _, id := outsider.raft.LeaderWithID(); id != "" {
		t.Errorf("the outsider knows the raft leader %s", id)
	}
	if outsider.fsm.currentEpoch() != 0 {
		t.Errorf("the outsider applied the group's log (epoch %d)", outsider.fsm.currentEpoch())
	}
}

// selfSignedCert is a client certificate no CA of the test signed.
func selfSignedCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "intruder"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// A group formed with a separate raft port (the old default) keeps working
// after a restart without it: the sentinel also listens at the raft address the
// group's configuration has for it.
func TestLegacyRaftAddress(t *testing.T) {
	master := testutil.StartRedis(t)
	ports := freePorts(t, 2)
	cfg := DefaultConfig()
	cfg.Port, cfg.Bind, cfg.Dir = ports[0], "127.0.0.1", t.TempDir()
	cfg.RaftPort = ports[1]
	cfg.RaftPeers = []string{"127.0.0.1:" + strconv.Itoa(ports[0]) + "@" + strconv.Itoa(ports[1])}
	mc := defaultMaster()
	mc.Name, mc.Host, mc.Port, mc.Quorum = "mymaster", "127.0.0.1", master.Port(), 1
	cfg.Masters = []*MasterConfig{mc}
	s, err := New(cfg, "", zaptest.NewLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the lone sentinel to lead", s.isLeader)
	s.Shutdown()
	cfg2 := *cfg
	cfg2.RaftPort, cfg2.RaftPeers = 0, []string{"127.0.0.1:" + strconv.Itoa(ports[0])}
	r, err := New(&cfg2, "", zaptest.NewLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Shutdown)
	waitFor(t, 10*time.Second, "the restarted sentinel to lead", r.isLeader)
	stream := newRaftStream(&net.TCPAddr{}, nil)
	c, err := stream.Dial(raft.ServerAddress("127.0.0.1:"+strconv.Itoa(ports[1])), 2*time.Second)
	if err != nil {
		t.Fatalf("the old raft address is not served: %v", err)
	}
	c.Close()
}
