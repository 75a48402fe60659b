package node_test

// No acknowledged write is lost when a cluster master dies: a write the client
// saw acknowledged by a replica (SET, then WAIT 1 answering 1) survives the
// kill -9 of its master and the failover, round after round, as the killed
// master comes back as the new master's replica and is killed again in turn.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

// writer writes unique keys to one master, each SET followed by WAIT 1, until
// stop or an error (the master died). acked are the keys WAIT confirmed.
type writer struct {
	mu    sync.Mutex
	acked []string
	sent  int
}

func (w *writer) run(addr, prefix string, stop <-chan struct{}) {
	c, err := testutil.Dial(addr)
	if err != nil {
		return
	}
	defer c.Close()
	c.SetTimeout(5 * time.Second)
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		k := fmt.Sprintf("%s:%d", prefix, i)
		raw, err := c.Do("SET", k, k)
		if err != nil || string(raw) != "+OK\r\n" {
			return
		}
		w.mu.Lock()
		w.sent++
		w.mu.Unlock()
		raw, err = c.Do("WAIT", "1", "2000")
		if err != nil {
			return
		}
		if string(raw) == ":1\r\n" {
			w.mu.Lock()
			w.acked = append(w.acked, k)
			w.mu.Unlock()
		}
	}
}

func TestClusterFailoverLosesNoAckedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six servers and kills masters")
	}
	rounds := 5
	if s := os.Getenv("CLUSTER_DURABILITY_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	budget := time.Now().Add(time.Duration(rounds) * 60 * time.Second)
	cl := testutil.StartCluster(t, "keygrid", 3, 1)
	byID := map[string]*testutil.Server{}
	for _, s := range cl.Nodes {
		byID[testutil.ClusterNodes(s).Myself.ID] = s
	}
	const tag = "{dur}"
	slot := slots.Slot([]byte(tag))
	// owner returns the master of slot, if every live node agrees, and its
	// replica if every live node sees exactly one.
	owner := func(dead *testutil.Server) (m, r *testutil.Server) {
		var mid, rid string
		first := true
		for _, s := range cl.Nodes {
			if s == dead {
				continue
			}
			st := testutil.ClusterNodes(s)
			if st == nil || st.Owner[slot] == nil || mid != "" && st.Owner[slot].ID != mid {
				return nil, nil
			}
			mid = st.Owner[slot].ID
			id := ""
			if reps := st.Replicas(st.Owner[slot]); len(reps) == 1 {
				id = reps[0].ID
			}
			if !first && id != rid {
				id = ""
			}
			rid, first = id, false
		}
		return byID[mid], byID[rid]
	}
	var all []string
	for round := 1; round <= rounds && time.Now().Before(budget); round++ {
		var master, replica *testutil.Server
		testutil.WaitFor(t, 60*time.Second, func() bool {
			master, replica = owner(nil)
			return master != nil && replica != nil && stateOK(master)
		}, fmt.Sprintf("round %d: one master and one replica for the slot", round))
		// The replica must hold the master's data (a full sync done) before
		// the master dies, or nothing could have been acknowledged anyway.
		testutil.WaitFor(t, 60*time.Second, func() bool {
			v := do(replica, "INFO", "replication")
			return v != nil && strings.Contains(v.Str, "master_link_status:up") && strings.Contains(v.Str, "master_sync_in_progress:0")
		}, fmt.Sprintf("round %d: the replica in sync", round))
		// Several writers at once, so the kill lands with writes at every
		// stage: sent, applied, replicated, acknowledged.
		const writers = 4
		ws := make([]*writer, writers)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := range ws {
			ws[i] = &writer{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				ws[i].run(master.Addr(), fmt.Sprintf("%s:r%d:w%d", tag, round, i), stop)
			}()
		}
		acked := func() (n, sent int) {
			for _, w := range ws {
				w.mu.Lock()
				n, sent = n+len(w.acked), sent+w.sent
				w.mu.Unlock()
			}
			return n, sent
		}
		testutil.WaitFor(t, 30*time.Second, func() bool { n, _ := acked(); return n >= 400 }, fmt.Sprintf("round %d: acknowledged writes", round))
		master.Kill()
		wg.Wait()
		close(stop)
		nAcked, nSent := acked()
		for _, w := range ws {
			all = append(all, w.acked...)
		}
		start := time.Now()
		var newMaster *testutil.Server
		testutil.WaitFor(t, 60*time.Second, func() bool {
			m, _ := owner(master)
			if m == nil || m == master || !stateOK(m) {
				return false
			}
			newMaster = m
			return true
		}, fmt.Sprintf("round %d: the failover", round))
		took := time.Since(start)
		c := newMaster.Conn(t)
		var lost []string
		for _, k := range all {
			raw, err := c.Do("GET", k)
			if err != nil {
				t.Fatalf("GET %s: %v", k, err)
			}
			if string(raw) != fmt.Sprintf("$%d\r\n%s\r\n", len(k), k) {
				lost = append(lost, k)
			}
		}
		c.Close()
		t.Logf("round %d: %d writes sent, %d acknowledged (%d in all), failover in %v, %d lost",
			round, nSent, nAcked, len(all), took.Round(10*time.Millisecond), len(lost))
		if len(lost) > 0 {
			t.Fatalf("round %d: %d acknowledged writes lost, first %v", round, len(lost), lost[:min(5, len(lost))])
		}
		// The killed master comes back as the new master's replica.
		master.Restart()
	}
}
