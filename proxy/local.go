// Commands the proxy answers itself (PING, HELLO, AUTH, SELECT, ...) and those that
// run on every master with merged replies (DBSIZE, SCAN, KEYS, INFO, FLUSHALL, ...).

package proxy

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine/resp"
)

// redisVersion is what HELLO reports: the Redis release whose behaviour keygrid follows.
const redisVersion = "7.0.15"

func eq(a []byte, s string) bool { return strings.EqualFold(string(a), s) }

// local1 answers a command without asking any node.
func (s *session) local1(ci *cmdInfo, argv [][]byte) {
	var b []byte
	switch ci.name {
	case "ping":
		if len(argv) > 2 {
			b = []byte("-ERR wrong number of arguments for 'ping' command\r\n")
		} else if len(argv) == 2 {
			b = resp.AppendBulk(nil, argv[1])
		} else {
			b = []byte("+PONG\r\n")
		}
	case "echo":
		b = resp.AppendBulk(nil, argv[1])
	case "quit":
		b = []byte("+OK\r\n")
		s.close = true
	case "readonly", "readwrite":
		b = []byte("+OK\r\n")
	case "select":
		n, err := strconv.Atoi(string(argv[1]))
		switch {
		case err != nil:
			b = []byte("-ERR value is not an integer or out of range\r\n")
		case n != 0:
			b = []byte("-ERR SELECT is not allowed in cluster mode\r\n")
		default:
			b = []byte("+OK\r\n")
		}
	case "auth":
		b = s.auth(argv[1:])
	case "hello":
		b = s.hello(argv)
	case "reset":
		s.proto, s.name = 2, ""
		s.authed = s.p.cfg.Password == ""
		b = []byte("+RESET\r\n")
	case "client":
		b = s.client(argv)
	}
	s.localReply(b, ci.stats)
}

func (s *session) auth(args [][]byte) []byte {
	if s.p.cfg.Password == "" {
		return []byte("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n")
	}
	if len(args) > 2 {
		return []byte("-ERR syntax error\r\n")
	}
	user, pass := "default", string(args[len(args)-1])
	if len(args) == 2 {
		user = string(args[0])
	}
	if user != "default" || pass != s.p.cfg.Password {
		return []byte("-WRONGPASS invalid username-password pair or user is disabled.\r\n")
	}
	s.authed = true
	return []byte("+OK\r\n")
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
func (s *session) hello(argv [][]byte) []byte {
	proto := s.proto
	if len(argv) > 1 {
		n, err := strconv.Atoi(string(argv[1]))
		if err != nil {
			return []byte("-ERR Protocol version is not an integer or out of range\r\n")
		}
		if n < 2 || n > 3 {
			return []byte("-NOPROTO unsupported protocol version\r\n")
		}
		proto = n
	}
	for i := 2; i < len(argv); i++ {
		switch {
		case eq(argv[i], "auth") && i+2 < len(argv):
			if r := s.auth(argv[i+1 : i+3]); r[0] == '-' {
				return r
			}
			i += 2
		case eq(argv[i], "setname") && i+1 < len(argv):
			s.name = string(argv[i+1])
			i++
		default:
			return []byte("-ERR Syntax error in HELLO option '" + string(argv[i]) + "'\r\n")
		}
	}
	if !s.authed {
		return []byte("-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n")
	}
	s.proto = proto
	b := resp.AppendMap(nil, 7, proto)
	b = resp.AppendBulkString(b, "server")
	b = resp.AppendBulkString(b, "redis")
	b = resp.AppendBulkString(b, "version")
	b = resp.AppendBulkString(b, redisVersion)
	b = resp.AppendBulkString(b, "proto")
	b = resp.AppendInt(b, int64(proto))
	b = resp.AppendBulkString(b, "id")
	b = resp.AppendInt(b, s.id)
	b = resp.AppendBulkString(b, "mode")
	b = resp.AppendBulkString(b, "standalone")
	b = resp.AppendBulkString(b, "role")
	b = resp.AppendBulkString(b, "master")
	b = resp.AppendBulkString(b, "modules")
	b = resp.AppendArray(b, 0)
	return b
}

// CLIENT subcommands that concern this connection are answered here; per-connection
// server state (TRACKING, REPLY, ...) cannot be shared through a multiplexed
// connection and is refused.
func (s *session) client(argv [][]byte) []byte {
	if len(argv) < 2 {
		return []byte("-ERR wrong number of arguments for 'client' command\r\n")
	}
	switch strings.ToLower(string(argv[1])) {
	case "setname":
		if len(argv) != 3 {
			return []byte("-ERR wrong number of arguments for 'client|setname' command\r\n")
		}
		if bytes.ContainsAny(argv[2], " \n") {
			return []byte("-ERR Client names cannot contain spaces, newlines or special characters.\r\n")
		}
		s.name = string(argv[2])
		return []byte("+OK\r\n")
	case "getname":
		if s.name == "" {
			return resp.AppendNull(nil, s.proto)
		}
		return resp.AppendBulkString(nil, s.name)
	case "id":
		return resp.AppendInt(nil, s.id)
	case "info", "list":
		return resp.AppendBulkString(nil, fmt.Sprintf("id=%d addr=%s name=%s resp=%d\n", s.id, s.remote, s.name, s.proto))
	}
	return []byte("-ERR CLIENT " + strings.ToUpper(string(argv[1])) + " is not supported by keygrid proxy\r\n")
}

// fanout sends cmd to each of addrs in turn, on pooled dedicated connections (the
// detached mode does not use the loop's shared ones), and returns their replies.
func (s *session) fanout(cmd []byte, addrs []string) [][]byte {
	out := make([][]byte, len(addrs))
	for i, a := range addrs {
		k := backendKey{addr: a, proto: s.proto}
		c, err := s.p.blocked.get(s.p, k)
		if err != nil {
			out[i] = fmt.Appendf(nil, "%s%s: %v\r\n", unreachable, a, err)
			continue
		}
		_, err = c.Write(cmd)
		if err == nil {
			out[i], err = c.readReply()
		}
		if err != nil {
			c.Close()
			out[i] = resp.AppendError(nil, fmt.Sprintf("ERR proxy: backend %s: %v", a, errBackendDown))
			continue
		}
		s.p.blocked.put(k, c)
	}
	return out
}

func (s *session) masters() []string {
	m := s.p.topo.cur.Load()
	var out []string
	if m != nil {
		for _, sh := range m.shards {
			out = append(out, sh.master)
		}
	}
	return out
}

// all runs a command on every master and merges the replies.
func (s *session) all(ci *cmdInfo, argv [][]byte, raw []byte) {
	cmd := encodeArgs(nil, argv)
	masters := s.masters()
	reply := func(b []byte) { s.wbuf = append(s.wbuf, b...) }
	firstErr := func(rs [][]byte) []byte {
		for _, r := range rs {
			if len(r) == 0 || r[0] == '-' || r[0] == '!' {
				return r
			}
		}
		return nil
	}
	switch ci.name {
	case "dbsize":
		rs := s.fanout(cmd, masters)
		if e := firstErr(rs); e != nil {
			reply(e)
			return
		}
		var sum int64
		for _, r := range rs {
			n, _, _ := lineInt(r, 1)
			sum += n
		}
		reply(resp.AppendInt(nil, sum))
	case "keys":
		rs := s.fanout(cmd, masters)
		if e := firstErr(rs); e != nil {
			reply(e)
			return
		}
		var elems []byte
		total := 0
		for _, r := range rs {
			n, next, _ := lineInt(r, 1)
			total += int(n)
			elems = append(elems, r[next:]...)
		}
		reply(append(resp.AppendArray(nil, total), elems...))
	case "scan":
		s.scan(argv, masters)
	case "info":
		s.info(argv, masters)
	case "randomkey":
		if len(masters) == 0 {
			reply([]byte("-CLUSTERDOWN Hash slot not served\r\n"))
			return
		}
		start := rand.IntN(len(masters))
		for i := range masters {
			rs := s.fanout(cmd, []string{masters[(start+i)%len(masters)]})
			if rs[0][0] != '$' || rs[0][1] != '-' || i == len(masters)-1 {
				reply(rs[0])
				return
			}
		}
	default: // flushall, flushdb, script, function: same effect everywhere, first reply
		rs := s.fanout(cmd, masters)
		if e := firstErr(rs); e != nil {
			reply(e)
			return
		}
		if len(rs) == 0 {
			reply([]byte("-CLUSTERDOWN Hash slot not served\r\n"))
			return
		}
		reply(rs[0])
	}
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] across all masters. The
// composite cursor is nodeCursor*N + nodeIndex, with masters ordered by first slot:
// a node's cursor fits when its table is below 2^64/N buckets, i.e. always in practice.
func (s *session) scan(argv [][]byte, masters []string) {
	cur, err := strconv.ParseUint(string(argv[1]), 10, 64)
	if err != nil {
		s.wbuf = append(s.wbuf, "-ERR invalid cursor\r\n"...)
		return
	}
	n := uint64(len(masters))
	if n == 0 {
		s.wbuf = append(s.wbuf, "-CLUSTERDOWN Hash slot not served\r\n"...)
		return
	}
	idx, nodeCur := cur%n, cur/n
	args := append([][]byte{argv[0], []byte(strconv.FormatUint(nodeCur, 10))}, argv[2:]...)
	rs := s.fanout(encodeArgs(nil, args), []string{masters[idx]})
	v, err := resp.ParseReply(rs[0])
	if err != nil || v.IsError() || len(v.Elems) != 2 {
		s.wbuf = append(s.wbuf, rs[0]...)
		return
	}
	next, _ := strconv.ParseUint(v.Elems[0].Str, 10, 64)
	var out uint64
	if next == 0 {
		if idx+1 < n {
			out = idx + 1 // node idx+1 from its cursor 0
		}
	} else {
		out = next*n + idx
	}
	b := resp.AppendArray(s.wbuf, 2)
	b = resp.AppendBulkString(b, strconv.FormatUint(out, 10))
	s.wbuf = append(b, v.Elems[1].Raw...)
}

// INFO: the proxy's own section, then the keyspace summed over the masters.
func (s *session) info(argv [][]byte, masters []string) {
	rs := s.fanout(resp.AppendCommand(nil, "INFO", "keyspace"), masters)
	var keys, expires int64
	for _, r := range rs {
		v, err := resp.ParseReply(r)
		if err != nil || v.IsError() {
			continue
		}
		for _, line := range strings.Split(v.Str, "\r\n") {
			rest, ok := strings.CutPrefix(line, "db0:")
			if !ok {
				continue
			}
			for _, f := range strings.Split(rest, ",") {
				k, val, _ := strings.Cut(f, "=")
				n, _ := strconv.ParseInt(val, 10, 64)
				switch k {
				case "keys":
					keys += n
				case "expires":
					expires += n
				}
			}
		}
	}
	m := s.p.metrics
	var b strings.Builder
	fmt.Fprintf(&b, "# Proxy\r\nredis_version:%s\r\nredis_mode:proxy\r\ntcp_port:%s\r\n", redisVersion, portOf(s.p.Addr()))
	fmt.Fprintf(&b, "connected_clients:%d\r\ntotal_commands_processed:%d\r\nbackend_errors:%d\r\ntopology_version:%d\r\ncluster_masters:%d\r\nread_from:%s\r\n",
		m.clients.Load(), m.totalCommands.Load(), m.backendErrors.Load(), m.topologyVersion.Load(), len(masters), s.p.cfg.ReadFrom)
	b.WriteString("\r\n# Keyspace\r\n")
	if keys > 0 {
		fmt.Fprintf(&b, "db0:keys=%d,expires=%d,avg_ttl=0\r\n", keys, expires)
	}
	text := b.String()
	if s.proto == 3 {
		s.wbuf = resp.AppendVerbatim(s.wbuf, text, "txt", 3)
	} else {
		s.wbuf = resp.AppendBulkString(s.wbuf, text)
	}
}

func portOf(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	return addr[i+1:]
}
