package engine

// Issue #7: during a failover no node may answer CLUSTERDOWN. The old master's
// "I am a replica of X" can reach a third node before X's slot claim: that node
// must then hand the slots to X (the successor in the shard), not leave them
// unassigned for the moment until X's claim arrives (Redis 7.2's role-switch
// handling; Redis 7.0 narrows the window by the new master's PONG to every node
// before its old master can even learn of the failover).

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

// downWindow is one stretch of consecutive bad polls of a node.
type downWindow struct {
	node       int
	start, end time.Time // first bad poll sent, first good poll sent after it
	what       string
}

// clusterWatch polls every node of a cluster, each from its own goroutine, and
// records every poll that saw the cluster down on that node: a CLUSTERDOWN reply
// to a GET (one key per shard), cluster_state:fail, or a slot of CLUSTER NODES
// unassigned or assigned to a node that is not a master.
type clusterWatch struct {
	stop    atomic.Bool
	wg      sync.WaitGroup
	mu      sync.Mutex
	windows []downWindow
	// Counts over all nodes: polls, and polls that saw each kind of trouble.
	polls, downReplies, failStates, badOwners atomic.Int64
}

func watchCluster(t *testing.T, cl *testutil.Cluster, keys []string) *clusterWatch {
	w := &clusterWatch{}
	for i, s := range cl.Nodes {
		c, err := testutil.Dial(s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		var pipe []byte
		for _, k := range keys {
			pipe = testutil.AppendCommand(pipe, "GET", k)
		}
		pipe = testutil.AppendCommand(pipe, "CLUSTER", "INFO")
		pipe = testutil.AppendCommand(pipe, "CLUSTER", "NODES")
		w.wg.Add(1)
		go w.poll(i, c, pipe, len(keys))
	}
	return w
}

func (w *clusterWatch) poll(node int, c *testutil.Conn, pipe []byte, nkeys int) {
	defer w.wg.Done()
	defer c.Close()
	var open *downWindow
	for !w.stop.Load() {
		sent := time.Now()
		if err := c.Send(pipe); err != nil {
			return
		}
		var why []string
		for k := 0; k < nkeys+2; k++ {
			raw, err := c.ReadReply()
			if err != nil {
				return
			}
			switch {
			case k < nkeys:
				if bytes.HasPrefix(raw, []byte("-CLUSTERDOWN")) {
					w.downReplies.Add(1)
					why = append(why, strings.TrimSpace(string(raw)))
				}
			case k == nkeys:
				if bytes.Contains(raw, []byte("cluster_state:fail")) {
					w.failStates.Add(1)
					why = append(why, "cluster_state:fail")
				}
			default:
				if bad := badOwner(raw); bad != "" {
					w.badOwners.Add(1)
					why = append(why, bad)
				}
			}
		}
		w.polls.Add(1)
		switch {
		case len(why) > 0 && open == nil:
			open = &downWindow{node: node, start: sent, what: strings.Join(why, "; ")}
		case len(why) == 0 && open != nil:
			open.end = sent
			w.mu.Lock()
			w.windows = append(w.windows, *open)
			w.mu.Unlock()
			open = nil
		}
		time.Sleep(time.Millisecond)
	}
	if open != nil {
		open.end = time.Now()
		w.mu.Lock()
		w.windows = append(w.windows, *open)
		w.mu.Unlock()
	}
}

// badOwner checks a CLUSTER NODES reply: every slot owned, by a master.
func badOwner(raw []byte) string {
	v, err := testutil.ParseReply(raw)
	if err != nil {
		return "unreadable CLUSTER NODES"
	}
	st, err := slots.ParseConfig([]byte(v.Str), 0)
	if err != nil {
		return "unreadable CLUSTER NODES: " + err.Error()
	}
	return badOwnerIn(st)
}

// badOwnerIn is badOwner on a parsed view.
func badOwnerIn(st *slots.State) string {
	for s, o := range st.Owner {
		switch {
		case o == nil:
			return fmt.Sprintf("slot %d unassigned", s)
		case !o.IsMaster():
			return fmt.Sprintf("slot %d owned by %s, a %s", s, o.ID[:8], o.Flags)
		}
	}
	return ""
}

func (w *clusterWatch) finish() []downWindow {
	w.stop.Store(true)
	w.wg.Wait()
	return w.windows
}

// keyInSlotOf returns a key whose slot node id owns in st.
func keyInSlotOf(st *slots.State, id string) string {
	for i := 0; ; i++ {
		k := "k" + strconv.Itoa(i)
		if o := st.Owner[slots.Slot([]byte(k))]; o != nil && o.ID == id {
			return k
		}
	}
}

// TestClusterFailoverNoDownWindow runs manual failovers (plain, FORCE and
// TAKEOVER) in a 3-master/3-replica cluster of keygrid processes while every
// node is polled every millisecond or so: no poll may see CLUSTERDOWN, a
// failed cluster state, or a slot without a master.
func TestClusterFailoverNoDownWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a six-process cluster")
	}
	cl := testutil.StartCluster(t, "keygrid", 3, 1)
	byID := map[string]*testutil.Server{}
	var st *slots.State
	testutil.WaitFor(t, 20*time.Second, func() bool {
		for _, s := range cl.Nodes {
			n := testutil.ClusterNodes(s)
			if n == nil || len(n.Nodes) != 6 || badOwnerIn(n) != "" {
				return false
			}
			byID[n.Myself.ID] = s
			st = n
		}
		return len(byID) == 6
	}, "every node to know the whole slot map")
	var masters []string
	for _, n := range st.Sorted() {
		if n.IsMaster() {
			masters = append(masters, n.ID)
		}
	}
	var keys []string
	for _, m := range masters {
		keys = append(keys, keyInSlotOf(st, m))
	}
	w := watchCluster(t, cl, keys)
	variants := []string{"", "", "", "FORCE", "FORCE", "FORCE", "TAKEOVER", "TAKEOVER", "TAKEOVER"}
	for round, variant := range variants {
		// The shard of keys[round%3]: whoever owns its slot now, and its replica.
		cur := testutil.ClusterNodes(cl.Nodes[0])
		slot := slots.Slot([]byte(keys[round%len(keys)]))
		master := cur.Owner[slot]
		reps := cur.Replicas(master)
		if len(reps) != 1 {
			t.Fatalf("round %d: master %s has %d replicas", round, master.ID, len(reps))
		}
		rep := reps[0]
		args := []string{"CLUSTER", "FAILOVER"}
		if variant != "" {
			args = append(args, variant)
		}
		start := time.Now()
		if raw, err := byID[rep.ID].Conn(t).Do(args...); err != nil || string(raw) != "+OK\r\n" {
			t.Fatalf("round %d: %q on %s: %q %v", round, args, rep.ID, raw, err)
		}
		// Done when every node sees the replica own the slot and the old master
		// follow it.
		testutil.WaitFor(t, 30*time.Second, func() bool {
			for _, s := range cl.Nodes {
				n := testutil.ClusterNodes(s)
				if n == nil || n.Owner[slot] == nil || n.Owner[slot].ID != rep.ID {
					return false
				}
				if m := n.Nodes[master.ID]; m == nil || m.MasterID != rep.ID {
					return false
				}
			}
			return true
		}, fmt.Sprintf("round %d (%q): every node to see %s replace %s", round, args, rep.ID[:8], master.ID[:8]))
		t.Logf("round %d %q: every node saw the new master after %v", round, args, time.Since(start).Round(time.Millisecond))
		time.Sleep(300 * time.Millisecond)
	}
	windows := w.finish()
	polls := w.polls.Load()
	t.Logf("%d polls of 6 nodes over %d failovers: %d CLUSTERDOWN replies, %d polls with cluster_state:fail, %d with a slot unassigned or not on a master, %d windows",
		polls, len(variants), w.downReplies.Load(), w.failStates.Load(), w.badOwners.Load(), len(windows))
	if polls < int64(len(variants))*100 {
		t.Fatalf("only %d polls: the watch did not run", polls)
	}
	for _, d := range windows {
		t.Errorf("node %d down for %v (from %s): %s", d.node, d.end.Sub(d.start).Round(time.Millisecond),
			d.start.Format("15:04:05.000"), d.what)
	}
}
