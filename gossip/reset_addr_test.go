package gossip

import (
	"testing"
	"time"

	"github.com/keygrid/keygrid/slots"
)

// A node whose bus listens on every address, met at 127.0.0.1, keeps being
// advertised at 127.0.0.1 after CLUSTER RESET HARD (a new id, a new memberlist):
// memberlist's own choice, the host's first private address, was what other
// nodes then dialed, and what the node learned as its own from their joins
// (Redis's legacy cluster suite, unit 10: replicas pointed at fd00::2 and were
// refused by their protected-mode masters).
func TestResetKeepsSeenAddress(t *testing.T) {
	configHook = func(c *Config) { c.BindAddr = "0.0.0.0" }
	defer func() { configHook = nil }()
	a := startNode(t, time.Second, nil)
	b := startNode(t, time.Second, nil)
	if err := b.bus.Meet("127.0.0.1", 0, a.bus.Port()); err != nil {
		t.Fatal(err)
	}
	learned := func() string {
		a.bus.mu.Lock()
		defer a.bus.mu.Unlock()
		return a.bus.learnedIP
	}
	waitFor(t, 10*time.Second, "a learns the address it was met at", func() bool { return learned() == "127.0.0.1" })

	// CLUSTER RESET HARD: a new id, which the bus picks up at the next refresh.
	a.eng.do(func(st *slots.State) { st.Myself.ID = slots.NewID(); a.eng.publishMyself() })
	a.eng.changed(true)
	waitFor(t, 10*time.Second, "a restarts under its new id", func() bool { return a.bus.currentID() != a.id })
	if got := a.bus.ml.Load().LocalNode().Addr.String(); got != "127.0.0.1" {
		t.Fatalf("after the reset memberlist advertises %s, want 127.0.0.1 (where it was met)", got)
	}
}
