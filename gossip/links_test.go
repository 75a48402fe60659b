package gossip

import (
	"bytes"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/keygrid/keygrid/slots"
)

// linksOf is n's CLUSTER LINKS rows by direction and peer.
func linksOf(n *testNode) map[[2]string]slots.Link {
	out := map[[2]string]slots.Link{}
	for _, l := range n.bus.Stats().Links {
		out[[2]string{l.Direction, l.Node}] = l
	}
	return out
}

// twoLinksEach reports whether every node has exactly a to-link and a
// from-link with every other (the legacy suite's 24-links, first test).
func twoLinksEach(nodes []*testNode) bool {
	for _, n := range nodes {
		ls := linksOf(n)
		if len(ls) != 2*(len(nodes)-1) {
			return false
		}
		for _, p := range nodes {
			if p == n {
				continue
			}
			if _, ok := ls[[2]string{"to", p.id}]; !ok {
				return false
			}
			if _, ok := ls[[2]string{"from", p.id}]; !ok {
				return false
			}
		}
	}
	return true
}

// TestLinksTwoPerPeer: each node dials every other: one link to and one from
// each peer, as Redis's bus; killing a link (DEBUG CLUSTERLINK KILL) brings a
// new one with a later create time, and the other direction is untouched.
func TestLinksTwoPerPeer(t *testing.T) {
	ms, _ := cluster(t, time.Second, 3)
	waitFor(t, 10*time.Second, "two links per peer", func() bool { return twoLinksEach(ms) })
	a, b := ms[0], ms[1]
	before := linksOf(a)
	time.Sleep(5 * time.Millisecond) // create times are in ms

	a.bus.KillLink(b.id, true, false)
	if _, ok := linksOf(a)[[2]string{"to", b.id}]; ok {
		t.Fatal("the killed to-link is still listed")
	}
	waitFor(t, 5*time.Second, "a new to-link", func() bool {
		l, ok := linksOf(a)[[2]string{"to", b.id}]
		return ok && l.CreateTime > before[[2]string{"to", b.id}].CreateTime
	})
	if got, want := linksOf(a)[[2]string{"from", b.id}].CreateTime, before[[2]string{"from", b.id}].CreateTime; got != want {
		t.Fatalf("killing the to-link changed the from-link: create time %d, was %d", got, want)
	}

	// Killing the from-link closes the peer's to-link: the peer dials again.
	peerBefore := linksOf(b)[[2]string{"to", a.id}].CreateTime
	time.Sleep(5 * time.Millisecond)
	a.bus.KillLink(b.id, false, true)
	waitFor(t, 5*time.Second, "the peer's new link", func() bool {
		l, ok := linksOf(a)[[2]string{"from", b.id}]
		pl, pok := linksOf(b)[[2]string{"to", a.id}]
		return ok && pok && l.CreateTime > before[[2]string{"from", b.id}].CreateTime && pl.CreateTime > peerBefore
	})
	waitFor(t, 5*time.Second, "two links per peer again", func() bool { return twoLinksEach(ms) })
}

// TestLinksMessagesLostWhileKilled: a message sent while the to-link is killed
// is lost (Redis drops it with no link); the next, after the link is back,
// arrives, and other peers got both.
func TestLinksMessagesLostWhileKilled(t *testing.T) {
	ms, _ := cluster(t, time.Second, 3)
	waitFor(t, 10*time.Second, "two links per peer", func() bool { return twoLinksEach(ms) })
	a, b, c := ms[0], ms[1], ms[2]
	a.bus.KillLink(b.id, true, false)
	a.bus.Publish([]byte("ch"), []byte("hello"), false)
	waitFor(t, 5*time.Second, "the link back", func() bool { return twoLinksEach(ms) })
	a.bus.Publish([]byte("ch"), []byte("world"), false)
	msgs := func(n *testNode) (out []string) {
		n.view(func(*slots.State) {
			for _, p := range n.eng.published {
				if p[0] == "ch" {
					out = append(out, p[1])
				}
			}
		})
		return out
	}
	waitFor(t, 5*time.Second, "world at b", func() bool { return len(msgs(b)) == 1 })
	waitFor(t, 5*time.Second, "both at c", func() bool { return len(msgs(c)) == 2 })
	if got := msgs(b); got[0] != "world" {
		t.Fatalf("b got %q, want only world", got)
	}
	if got := msgs(c); got[0] != "hello" || got[1] != "world" {
		t.Fatalf("c got %q, want hello then world", got)
	}
}

// TestLinksSendbufLimit: a peer that stops reading (its loop stalled, as a
// SIGSTOPped node) fills the kernel's buffers and then the link's; past
// cluster-link-sendbuf-limit the link is freed and counted, a new one dialed,
// and the link from that peer is untouched (the legacy suite's 24-links).
func TestLinksSendbufLimit(t *testing.T) {
	ms, _ := cluster(t, time.Second, 2)
	waitFor(t, 10*time.Second, "two links per peer", func() bool { return twoLinksEach(ms) })
	a, b := ms[0], ms[1]
	a.eng.nodeTimeout.Store(int64(time.Hour)) // no reconnect rule on either side
	b.eng.nodeTimeout.Store(int64(time.Hour))
	a.eng.linkLimit.Store(256 << 10)
	before := linksOf(a)
	b.eng.blocked.Store(true) // the bus reads nothing (stall.go)
	defer b.eng.blocked.Store(false)

	msg := bytes.Repeat([]byte{'0'}, 128<<10)
	var sent int
	waitFor(t, 60*time.Second, "the link freed", func() bool {
		a.bus.Publish([]byte("ch"), msg, false)
		sent++
		time.Sleep(20 * time.Millisecond)
		return a.bus.Stats().LinksBufferLimitExceeded >= 1
	})
	t.Logf("%d 128KB messages overflowed the 256KB limit", sent)
	// A stalled bus refuses new streams (a SIGSTOPped node's kernel would
	// accept them): the new link holds once b reads again.
	b.eng.blocked.Store(false)
	waitFor(t, 5*time.Second, "a new to-link", func() bool {
		l, ok := linksOf(a)[[2]string{"to", b.id}]
		return ok && l.CreateTime > before[[2]string{"to", b.id}].CreateTime
	})
	if got, want := linksOf(a)[[2]string{"from", b.id}].CreateTime, before[[2]string{"from", b.id}].CreateTime; got != want {
		t.Fatalf("the from-link changed: create time %d, was %d", got, want)
	}
	if a.bus.LinksMemory() <= 0 {
		t.Fatalf("mem_cluster_links %d", a.bus.LinksMemory())
	}
}

// TestLinksSealed: with a cluster-bus-secret the links carry sealed frames:
// nodes with the key link up and exchange messages; a connection that sends
// a plaintext hello, or one sealed with another key, is closed and not listed.
func TestLinksSealed(t *testing.T) {
	configHook = func(c *Config) { c.SecretKey = KeyFromSecret("sesame") }
	defer func() { configHook = nil }()
	ms, _ := cluster(t, time.Second, 2)
	waitFor(t, 10*time.Second, "two links per peer", func() bool { return twoLinksEach(ms) })
	ms[0].bus.Publish([]byte("ch"), bytes.Repeat([]byte("x"), 4000), false) // above maxBroadcast: on the link
	waitFor(t, 5*time.Second, "the message", func() bool {
		ok := false
		ms[1].view(func(*slots.State) { ok = len(ms[1].eng.published) == 1 })
		return ok
	})

	other, _ := newLinkSealer(KeyFromSecret("other"))
	for name, s := range map[string]linkSealer{"plaintext": {}, "another key": other} {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(ms[1].bus.Port())))
		if err != nil {
			t.Fatal(err)
		}
		rogue := slots.NewID()
		c.Write(s.appendFrame([]byte{linkMagic}, appendID([]byte{linkVersion}, rogue)))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Errorf("%s: the connection was not closed", name)
		}
		c.Close()
		ms[1].bus.lmu.Lock()
		_, listed := ms[1].bus.links.from[rogue]
		ms[1].bus.lmu.Unlock()
		if listed {
			t.Errorf("%s: the rogue link was taken", name)
		}
	}
}

// FuzzLinkFrame: any bytes on a link, sealed or not, are a message, an error,
// never a panic or an allocation beyond what arrived.
func FuzzLinkFrame(f *testing.F) {
	plain := linkSealer{}
	sealed, _ := newLinkSealer(KeyFromSecret("k"))
	f.Add(plain.appendFrame(nil, []byte("hello")))
	f.Add(sealed.appendFrame(nil, []byte("hello")))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range []linkSealer{plain, sealed} {
			r := bytes.NewReader(data)
			for {
				msg, err := s.readFrame(r, maxLinkMsg)
				if err != nil {
					break
				}
				if len(msg) > len(data) {
					t.Fatalf("a %d-byte message from %d bytes", len(msg), len(data))
				}
			}
		}
	})
}
