package node_test

// Two details of cluster membership, each run on a 3-master redis-server 7.0
// cluster and on a keygrid one, with the same steps and the same checks:
//
//   - the myself line of CLUSTER NODES shows a recent pong_received: Redis
//     takes it from the gossip sections the other nodes send about it
//     (clusterProcessGossipSection does not skip myself), in whole seconds;
//   - a node forgotten on every other node, but neither reset nor stopped,
//     stays forgotten: Redis adds an unknown node only by a MEET, or by a
//     handshake started because a known node gossips about it, and nobody
//     knows it any more, so its own pings are ignored.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// eachClusterKind runs f for a redis-server cluster, then a keygrid one.
func eachClusterKind(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range []string{"redis", "keygrid"} {
		t.Run(kind, func(t *testing.T) { f(t, kind) })
	}
}

// myselfFields is the myself line of s's CLUSTER NODES, split.
func myselfFields(s *testutil.Server) []string {
	for _, f := range cliNodes(s) {
		if strings.Contains(f[2], "myself") {
			return f
		}
	}
	return nil
}

func TestClusterMyselfPongReceived(t *testing.T) {
	shards := map[string][]string{}
	eachClusterKind(t, func(t *testing.T, kind string) {
		cl := testutil.StartCluster(t, kind, 3, 0)
		for i, s := range cl.Nodes {
			var last string
			ok := testutil.Eventually(10*time.Second, func() bool {
				f := myselfFields(s)
				if f == nil {
					return false
				}
				last = strings.Join(f, " ")
				pong, err := strconv.ParseInt(f[5], 10, 64)
				// Within a few seconds of now, and in whole seconds: the
				// gossip carries pong times in seconds.
				age := time.Now().UnixMilli() - pong
				return err == nil && pong != 0 && age > -1000 && age < 5000 && pong%1000 == 0
			})
			if !ok {
				t.Fatalf("%s node %d: myself's pong_received is not a recent whole second: %s", kind, i, last)
			}
		}
		// CLUSTER SHARDS: the fields of myself's entry (7.0 has no pong there).
		for _, sh := range cliDo(cl.Nodes[0], "CLUSTER", "SHARDS").Elems {
			for i := 0; i+1 < len(sh.Elems); i += 2 {
				if sh.Elems[i].Str != "nodes" {
					continue
				}
				for _, n := range sh.Elems[i+1].Elems {
					var keys []string
					mine := false
					for j := 0; j+1 < len(n.Elems); j += 2 {
						keys = append(keys, n.Elems[j].Str)
						if n.Elems[j].Str == "port" && n.Elems[j+1].Int == int64(cl.Nodes[0].Port()) {
							mine = true
						}
					}
					if mine {
						shards[kind] = keys
					}
				}
			}
		}
		if shards[kind] == nil {
			t.Fatalf("%s: no CLUSTER SHARDS entry for myself", kind)
		}
	})
	if a, b := strings.Join(shards["redis"], " "), strings.Join(shards["keygrid"], " "); a != b && shards["redis"] != nil && shards["keygrid"] != nil {
		t.Errorf("CLUSTER SHARDS myself fields: redis %q, keygrid %q", a, b)
	}
}

// forgetBan is keygrid's CLUSTER FORGET ban in this test (a test hook:
// KEYGRID_TEST_FORGET_BAN); Redis's is a fixed 60 s.
const forgetBan = 2 * time.Second

func TestClusterForgottenNodeStaysForgotten(t *testing.T) {
	eachClusterKind(t, func(t *testing.T, kind string) {
		if kind == "keygrid" {
			// Read by the nodes StartCluster starts (they inherit the
			// environment); t.Setenv restores it after the subtest.
			t.Setenv("KEYGRID_TEST_FORGET_BAN", forgetBan.String())
		}
		cl := testutil.StartCluster(t, kind, 3, 0)
		a, b, x := cl.Nodes[0], cl.Nodes[1], cl.Nodes[2]
		xid := cliDo(x, "CLUSTER", "MYID").Str
		for _, s := range []*testutil.Server{a, b} {
			if got := cliDo(s, "CLUSTER", "FORGET", xid).Str; got != "OK" {
				t.Fatalf("%s: CLUSTER FORGET = %q", kind, got)
			}
		}
		// x keeps running and pinging a and b. Watched until well after
		// keygrid's ban (2 s) is over: x must not come back. Redis's ban (60 s)
		// is still on here; past it nothing changes, from its source:
		// clusterProcessPacket hands a PING from an unknown sender to no
		// handler that adds it (only a MEET does, or the gossip section of a
		// known sender, clusterProcessGossipSection, which checks the ban),
		// and a and b, the only nodes x could be gossiped by, do not know it.
		// Once the ban is over, x announces a change (a hostname: keygrid
		// broadcasts its header, Redis its pong), which a and b must
		// ignore too: before, keygrid re-added x from the first announcement
		// (or periodic push/pull) it heard after the ban.
		watch := func(d time.Duration) {
			for deadline := time.Now().Add(d); time.Now().Before(deadline); {
				for i, s := range []*testutil.Server{a, b} {
					if cliNodes(s)[xid] != nil {
						t.Fatalf("%s: node %d knows the forgotten node again", kind, i)
					}
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		watch(forgetBan + time.Second)
		if got := cliDo(x, "CONFIG", "SET", "cluster-announce-hostname", "x.example").Str; got != "OK" {
			t.Fatalf("%s: CONFIG SET cluster-announce-hostname = %q", kind, got)
		}
		watch(3 * time.Second)
		// x's own view is untouched: it still knows the others.
		if n := len(cliNodes(x)); n != 3 {
			t.Errorf("%s: the forgotten node knows %d nodes, want 3", kind, n)
		}
		// A MEET brings it back at once, even within Redis's ban.
		if got := cliDo(a, "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(x.Port())).Str; got != "OK" {
			t.Fatalf("%s: CLUSTER MEET = %q", kind, got)
		}
		testutil.WaitFor(t, 10*time.Second, func() bool {
			f := cliNodes(a)[xid]
			return f != nil && !strings.Contains(f[2], "handshake")
		}, kind+": the node met again is known")
	})
}
