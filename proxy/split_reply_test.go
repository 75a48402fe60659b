package proxy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

// splitKeys returns n keys whose slots are all different and cover every master of
// p's map, at least two slots on each (parts for one node that must stay separate
// commands), and the master of each.
func splitKeys(t *testing.T, p *Proxy, n int) ([]string, []string) {
	t.Helper()
	m := p.topo.cur.Load()
	var keys, owners []string
	seen := map[int]bool{}
	perNode := map[string]int{}
	for i := 0; len(keys) < n; i++ {
		k := fmt.Sprintf("sk:%d", i)
		sl := slots.Slot([]byte(k))
		if seen[sl] {
			continue
		}
		seen[sl] = true
		keys = append(keys, k)
		owners = append(owners, m.slots[sl].master)
		perNode[m.slots[sl].master]++
	}
	if len(perNode) != len(m.shards) {
		t.Fatalf("keys on %d of %d masters", len(perNode), len(m.shards))
	}
	for a, c := range perNode {
		if c < 2 {
			t.Fatalf("%d keys on %s", c, a)
		}
	}
	return keys, owners
}

// A split MGET answers as one Redis server would: one array, elements in the order of
// the keys (repeated keys included) whatever slots and nodes they live on, absent keys
// as the protocol's null (RESP2 $-1, RESP3 _), several split commands pipelined in one
// write; DEL and EXISTS sum what the nodes report.
func TestProxySplitReplyOrder(t *testing.T) {
	cl := testutil.StartCluster(t, testutil.ClusterServer(), 3, 0)
	p := startProxy(t, cl, nil)
	keys, _ := splitKeys(t, p, 12)
	for _, proto := range []int{2, 3} {
		c, err := testutil.Dial(p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if raw, err := c.Do("HELLO", fmt.Sprint(proto)); err != nil || raw[0] == '-' {
			t.Fatalf("HELLO %d: %q %v", proto, raw, err)
		}
		null := "$-1\r\n"
		if proto == 3 {
			null = "_\r\n"
		}
		var set []string
		for i, k := range keys {
			if i%3 != 1 { // every third key stays absent
				set = append(set, k, fmt.Sprintf("v%d-%s", proto, k))
			}
		}
		if raw, err := c.Do(append([]string{"MSET"}, set...)...); err != nil || string(raw) != "+OK\r\n" {
			t.Fatalf("MSET: %q %v", raw, err)
		}
		// The keys in an order that interleaves slots and nodes, with repeats.
		args := []string{"MGET"}
		for i := range keys {
			args = append(args, keys[(i*5)%len(keys)])
		}
		args = append(args, keys[0], keys[1], keys[0])
		want := fmt.Sprintf("*%d\r\n", len(args)-1)
		for _, k := range args[1:] {
			i := 0
			for keys[i] != k {
				i++
			}
			if i%3 == 1 {
				want += null
			} else {
				v := fmt.Sprintf("v%d-%s", proto, k)
				want += fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)
			}
		}
		// Three split MGETs, a DEL and an EXISTS over every node in one pipeline: the
		// replies come back whole and in order.
		var req []byte
		for range 3 {
			req = testutil.AppendCommand(req, args...)
		}
		req = testutil.AppendCommand(req, "EXISTS", keys[0], keys[1], keys[2], keys[0], keys[5])
		req = testutil.AppendCommand(req, append([]string{"DEL"}, keys...)...)
		req = testutil.AppendCommand(req, args...)
		c.Send(req)
		for i := range 3 {
			if raw, err := c.ReadReply(); err != nil || string(raw) != want {
				t.Fatalf("RESP%d MGET %d: %q %v\nwant %q", proto, i, raw, err, want)
			}
		}
		// keys[1] is absent: 4 of the 5.
		if raw, err := c.ReadReply(); err != nil || string(raw) != ":4\r\n" {
			t.Fatalf("RESP%d EXISTS: %q %v", proto, raw, err)
		}
		if raw, err := c.ReadReply(); err != nil || string(raw) != fmt.Sprintf(":%d\r\n", len(set)/2) {
			t.Fatalf("RESP%d DEL: %q %v", proto, raw, err)
		}
		allNull := fmt.Sprintf("*%d\r\n", len(args)-1) + strings.Repeat(null, len(args)-1)
		if raw, err := c.ReadReply(); err != nil || string(raw) != allNull {
			t.Fatalf("RESP%d MGET after DEL: %q %v", proto, raw, err)
		}
		// An inline MGET (re-encoded, not copied) and one of 3000 keys over as many
		// slots (the parts are found by a map past 16).
		if raw, err := c.Do("SET", keys[0], "x"); err != nil || string(raw) != "+OK\r\n" {
			t.Fatalf("SET: %q %v", raw, err)
		}
		c.Send([]byte("MGET " + keys[1] + " " + keys[0] + " " + keys[2] + "\r\n"))
		if raw, err := c.ReadReply(); err != nil || string(raw) != "*3\r\n"+null+"$1\r\nx\r\n"+null {
			t.Fatalf("RESP%d inline MGET: %q %v", proto, raw, err)
		}
		big := []string{"MSET"}
		for i := range 3000 {
			big = append(big, fmt.Sprintf("big:%d", i), fmt.Sprint(i))
		}
		if raw, err := c.Do(big...); err != nil || string(raw) != "+OK\r\n" {
			t.Fatalf("MSET 3000: %q %v", raw, err)
		}
		big = []string{"MGET"}
		want = "*3001\r\n"
		for i := range 3000 {
			j := (i * 7) % 3000
			big = append(big, fmt.Sprintf("big:%d", j))
			want += fmt.Sprintf("$%d\r\n%d\r\n", len(fmt.Sprint(j)), j)
		}
		big = append(big, "big:none")
		want += null
		if raw, err := c.Do(big...); err != nil || string(raw) != want {
			t.Fatalf("RESP%d MGET 3000: %.200q %v", proto, raw, err)
		}
	}
}

// The parts of a split command that go to one node stay one command per slot (a
// cluster node refuses a cross-slot MGET with CROSSSLOT): MONITOR on that node sees one
// single-key MGET per key.
func TestProxySplitPartsPerSlot(t *testing.T) {
	cl := testutil.StartCluster(t, testutil.ClusterServer(), 3, 0)
	p := startProxy(t, cl, nil)
	keys, owners := splitKeys(t, p, 12)
	node := owners[0]
	var mine []string
	for i, k := range keys {
		if owners[i] == node {
			mine = append(mine, k)
		}
	}
	mon, err := testutil.Dial(node)
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	if raw, err := mon.Do("MONITOR"); err != nil || string(raw) != "+OK\r\n" {
		t.Fatalf("MONITOR: %q %v", raw, err)
	}
	c, err := testutil.Dial(p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if raw, err := c.Do(append([]string{"MGET"}, keys...)...); err != nil || !strings.HasPrefix(string(raw), fmt.Sprintf("*%d\r\n", len(keys))) {
		t.Fatalf("MGET: %q %v", raw, err)
	}
	seen := map[string]bool{}
	for len(seen) < len(mine) {
		raw, err := mon.ReadReplyTimeout(5 * time.Second)
		if err != nil {
			t.Fatalf("MONITOR after %v: %v", seen, err)
		}
		line := string(raw)
		if !strings.Contains(line, `"MGET"`) && !strings.Contains(line, `"mget"`) {
			continue
		}
		f := strings.Fields(strings.TrimSpace(line[strings.Index(line, "]")+1:]))
		if len(f) != 2 {
			t.Fatalf("node %s got %s: want one key per MGET", node, line)
		}
		seen[strings.Trim(f[1], `"`)] = true
	}
	for _, k := range mine {
		if !seen[k] {
			t.Fatalf("node %s saw %v, not %s", node, seen, k)
		}
	}
}

// An error from one part is the reply of the whole command, as the only error a
// client could tell apart; the requests pipelined behind it still get their own
// replies in order. Here one master refuses writes (maxmemory 1, noeviction).
func TestProxySplitPartError(t *testing.T) {
	cl := testutil.StartCluster(t, testutil.ClusterServer(), 3, 0)
	p := startProxy(t, cl, nil)
	keys, owners := splitKeys(t, p, 9)
	var fullAddr string // a master other than keys[0]'s
	for _, o := range owners {
		if o != owners[0] {
			fullAddr = o
			break
		}
	}
	full, err := testutil.Dial(fullAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	for _, kv := range [][2]string{{"maxmemory-policy", "noeviction"}, {"maxmemory", "1"}} {
		if raw, err := full.Do("CONFIG", "SET", kv[0], kv[1]); err != nil || string(raw) != "+OK\r\n" {
			t.Fatalf("CONFIG SET %s: %q %v", kv[0], raw, err)
		}
	}
	defer full.Do("CONFIG", "SET", "maxmemory", "0")
	c, err := testutil.Dial(p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var mset []string
	for _, k := range keys {
		mset = append(mset, k, "v")
	}
	var req []byte
	req = testutil.AppendCommand(req, append([]string{"MSET"}, mset...)...)
	req = testutil.AppendCommand(req, "GET", keys[0])
	req = testutil.AppendCommand(req, "PING")
	c.Send(req)
	for _, want := range []string{
		"-OOM command not allowed when used memory > 'maxmemory'.\r\n",
		"$1\r\nv\r\n", // keys[0]'s part ran: a split command is not atomic
		"+PONG\r\n",
	} {
		if raw, err := c.ReadReply(); err != nil || string(raw) != want {
			t.Fatalf("got %q %v, want %q", raw, err, want)
		}
	}
}
