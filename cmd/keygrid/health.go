package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// healthMain runs `keygrid health` (alias `keygrid ping`): the container health check.
// A FROM scratch image has no shell and no redis-cli, so the binary checks itself: it
// connects, authenticates if asked, and sends PING; with --cluster it also wants
// cluster_state:ok from CLUSTER INFO. Exit status 0 means healthy; otherwise the reason
// is printed and the status is 1 (Docker's HEALTHCHECK contract).
//
// Flags follow redis-cli's: -h host, -p port, -a password (or REDISCLI_AUTH in the
// environment, which keeps it out of `docker inspect`), --user.
func healthMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("h", "127.0.0.1", "server host")
	port := fs.Int("p", 6379, "server port")
	pass := fs.String("a", os.Getenv("REDISCLI_AUTH"), "password (default $REDISCLI_AUTH)")
	user := fs.String("user", "", "ACL user name (with -a)")
	timeout := fs.Duration("timeout", 2*time.Second, "give up after this long")
	cluster := fs.Bool("cluster", false, "also require cluster_state:ok")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := checkHealth(net.JoinHostPort(*host, strconv.Itoa(*port)), *user, *pass, *timeout, *cluster); err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return 1
	}
	fmt.Fprintln(stdout, "PONG")
	return 0
}

func checkHealth(addr, user, pass string, timeout time.Duration, cluster bool) error {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(timeout))
	var reqs [][]string
	if pass != "" {
		if user != "" {
			reqs = append(reqs, []string{"AUTH", user, pass})
		} else {
			reqs = append(reqs, []string{"AUTH", pass})
		}
	}
	reqs = append(reqs, []string{"PING"})
	if cluster {
		reqs = append(reqs, []string{"CLUSTER", "INFO"})
	}
	var out []byte
	for _, r := range reqs {
		out = resp.AppendCommand(out, r...)
	}
	if _, err := nc.Write(out); err != nil {
		return err
	}
	replies, err := readReplies(nc, len(reqs))
	if err != nil {
		return err
	}
	for i, v := range replies {
		if v.IsError() {
			return fmt.Errorf("%s: %s", reqs[i][0], v.Str)
		}
	}
	ping := replies[len(replies)-1]
	if cluster {
		ping = replies[len(replies)-2]
		info := replies[len(replies)-1].Str
		if !strings.Contains(info, "cluster_state:ok") {
			return errors.New("cluster_state is not ok")
		}
	}
	if ping.Str != "PONG" {
		return fmt.Errorf("PING replied %q", ping.Str)
	}
	return nil
}

// readReplies reads n replies from r.
func readReplies(r io.Reader, n int) ([]resp.Value, error) {
	var buf []byte
	var out []resp.Value
	chunk := make([]byte, 4096)
	for len(out) < n {
		v, used, err := resp.ParseReplyPrefix(buf)
		if err == nil {
			out = append(out, v)
			buf = buf[used:]
			continue
		}
		if !errors.Is(err, resp.ErrIncomplete) {
			return nil, err
		}
		k, err := r.Read(chunk)
		if k == 0 && err != nil {
			return nil, err
		}
		buf = append(buf, chunk[:k]...)
	}
	return out, nil
}
