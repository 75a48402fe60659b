package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// handoffMain runs `keygrid handoff`, a cluster node's preStop hook: if the node is
// a master serving slots, it asks one of its replicas to take over with CLUSTER
// FAILOVER (the manual failover, which waits for the replica to catch up, so no
// acknowledged write is lost) and waits until the node has become a replica. A
// replica, a master without slots or a node outside cluster mode has nothing to
// hand over. Exit status 0 when done or nothing to do, 1 otherwise; the pod stops
// either way.
func handoffMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handoff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("h", "127.0.0.1", "server host")
	port := fs.Int("p", 6379, "server port")
	pass := fs.String("a", os.Getenv("REDISCLI_AUTH"), "password (default $REDISCLI_AUTH)")
	user := fs.String("user", "", "ACL user name (with -a)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	msg, err := handoff(net.JoinHostPort(*host, strconv.Itoa(*port)), *user, *pass, *timeout)
	if err != nil {
		fmt.Fprintln(stderr, "handoff:", err)
		return 1
	}
	fmt.Fprintln(stdout, msg)
	return 0
}

// clusterNode is one line of CLUSTER NODES.
type clusterNode struct {
	id, addr, flags, master, link string
	slots                         bool
}

func parseClusterNodes(s string) []clusterNode {
	var out []clusterNode
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		out = append(out, clusterNode{id: f[0], addr: f[1], flags: f[2], master: f[3], link: f[7], slots: len(f) > 8})
	}
	return out
}

func handoff(addr, user, pass string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	v, err := handoffDo(addr, user, pass, "CLUSTER", "NODES")
	if err != nil {
		if strings.Contains(err.Error(), "cluster support disabled") {
			return "not in cluster mode: nothing to hand over", nil
		}
		return "", err
	}
	nodes := parseClusterNodes(v)
	var me clusterNode
	for _, n := range nodes {
		if strings.Contains(n.flags, "myself") {
			me = n
		}
	}
	if !strings.Contains(me.flags, "master") || !me.slots {
		return "not a master serving slots: nothing to hand over", nil
	}
	var replicas []clusterNode
	for _, n := range nodes {
		if n.master == me.id && n.link == "connected" && !strings.Contains(n.flags, "fail") {
			replicas = append(replicas, n)
		}
	}
	if len(replicas) == 0 {
		return "", fmt.Errorf("master %s has no working replica to hand over to", me.id)
	}
	slices.SortFunc(replicas, func(a, b clusterNode) int { return strings.Compare(a.id, b.id) })
	// A manual failover gives up after 5 s if the replica has not caught up
	// (CLUSTER_MF_TIMEOUT), e.g. while its first full sync is still running:
	// ask a replica whose link is up, and ask again until the deadline.
	var last error
	for time.Now().Before(deadline) {
		for _, r := range replicas {
			// ip:port@cport[,hostname]: the client address is before the @.
			raddr, _, _ := strings.Cut(r.addr, "@")
			info, err := handoffDo(raddr, user, pass, "INFO", "replication")
			if err != nil || !strings.Contains(info, "master_link_status:up") {
				last = fmt.Errorf("replica %s (%s) is not in sync: %v", r.id, raddr, err)
				continue
			}
			if _, err := handoffDo(raddr, user, pass, "CLUSTER", "FAILOVER"); err != nil {
				last = fmt.Errorf("CLUSTER FAILOVER on %s (%s): %w", r.id, raddr, err)
				continue
			}
			// The manual failover's own time limit, and a little more.
			for end := time.Now().Add(7 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
				if v, err := handoffDo(addr, user, pass, "CLUSTER", "NODES"); err == nil {
					for _, n := range parseClusterNodes(v) {
						if strings.Contains(n.flags, "myself") && strings.Contains(n.flags, "slave") {
							return "handed over to " + r.id + " (" + raddr + ")", nil
						}
					}
				}
			}
			last = fmt.Errorf("%s did not take over", r.id)
		}
		time.Sleep(500 * time.Millisecond) // polling interval between rounds
	}
	return "", fmt.Errorf("no replica took over within %v: %v", timeout, last)
}

// handoffDo sends one command (after AUTH if a password is given) and returns the
// reply's text; an error reply is an error.
func handoffDo(addr, user, pass string, args ...string) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	var reqs [][]string
	if pass != "" {
		if user != "" {
			reqs = append(reqs, []string{"AUTH", user, pass})
		} else {
			reqs = append(reqs, []string{"AUTH", pass})
		}
	}
	reqs = append(reqs, args)
	var out []byte
	for _, r := range reqs {
		out = resp.AppendCommand(out, r...)
	}
	if _, err := nc.Write(out); err != nil {
		return "", err
	}
	replies, err := readReplies(nc, len(reqs))
	if err != nil {
		return "", err
	}
	for _, v := range replies {
		if v.IsError() {
			return "", fmt.Errorf("%s", v.Str)
		}
	}
	return replies[len(replies)-1].Str, nil
}
