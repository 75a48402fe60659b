package gossip

import (
	"bytes"
	"testing"
)

// cluster-bus-secret: any passphrase becomes a 32-byte key, the same on every
// node, and with a key memberlist neither sends nor accepts plaintext.
func TestKeyFromSecret(t *testing.T) {
	if KeyFromSecret("") != nil {
		t.Fatal("no secret must mean no key")
	}
	a, b := KeyFromSecret("sesame"), KeyFromSecret("sesame")
	if len(a) != 32 || !bytes.Equal(a, b) || bytes.Equal(a, KeyFromSecret("sesame2")) {
		t.Fatalf("keys: %x %x", a, b)
	}
	c := DefaultConfig("127.0.0.1", 0, 1000)
	c.SecretKey = a
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	mc := c.memberlistConfig("n", nil)
	if !mc.GossipVerifyIncoming || !mc.GossipVerifyOutgoing || !bytes.Equal(mc.SecretKey, a) {
		t.Fatalf("memberlist config: verify in %v out %v", mc.GossipVerifyIncoming, mc.GossipVerifyOutgoing)
	}
}
