package engine

import (
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/resp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/sys/unix"
)

// The lines Redis logs about a client's connection at loglevel verbose: its
// accept, its close by the peer, a failed read or write, and a protocol error
// with a sample of the query buffer. Each is built only when the level logs it:
// the accept and read paths stay free of allocation at the default level.

// verbose reports whether loglevel verbose (or debug) is on.
func (s *Server) verbose() bool { return s.log.Core().Enabled(zap.DebugLevel) }

// logAccepted is acceptTcpHandler's and acceptUnixHandler's line.
func (s *Server) logAccepted(sa unix.Sockaddr, unixSock bool) {
	if !s.verbose() {
		return
	}
	if unixSock {
		s.log.Debug("Accepted connection to " + s.cfg.UnixSocket)
		return
	}
	addr := sockaddrString(sa)
	if a, ok := sa.(*unix.SockaddrInet6); ok { // "%s:%d": an IPv6 address without brackets
		addr = netIPString(a.Addr[:]) + ":" + strconv.Itoa(a.Port)
	}
	s.log.Debug("Accepted " + addr)
}

// logClientGone is readQueryFromClient's line for a read that ended the
// connection: EOF from the peer, or an error (err).
func (s *Server) logClientGone(c *Client, err error) {
	if !s.verbose() {
		return
	}
	if err != nil {
		s.log.Debug("Reading from client: " + config.Strerror(err))
		return
	}
	s.log.Debug("Client closed connection " + string(s.appendClientInfo(nil, c)))
}

// logWriteError is writeToClient's line for a write that failed.
func (s *Server) logWriteError(err error) {
	if s.verbose() {
		s.log.Debug("Error writing to client: " + config.Strerror(err))
	}
}

// protoErrorWords is setProtocolError's short description of each error the
// parser returns (the reply carries the long one).
func protoErrorWords(err error) string {
	switch err {
	case resp.ErrTooBigInline:
		return "too big inline request"
	case resp.ErrUnbalancedQuotes:
		return "unbalanced quotes in inline request"
	case resp.ErrTooBigCount:
		return "too big mbulk count string"
	case resp.ErrInvalidMultibulk:
		return "invalid mbulk count"
	case resp.ErrUnauthMultibulk:
		return "unauth mbulk count"
	case resp.ErrTooBigBulkCount:
		return "too big bulk count string"
	case resp.ErrInvalidBulk:
		return "invalid bulk length"
	case resp.ErrUnauthBulk:
		return "unauth bulk length"
	}
	if _, ok := err.(resp.ExpectedDollarError); ok {
		return "expected $ but got something else"
	}
	return strings.TrimPrefix(err.Error(), "Protocol error: ")
}

// logProtocolError is setProtocolError's line: the error, the client, and the
// query buffer from where the parser stopped (qbuf), the first and last 64 bytes
// of it when longer than 128, in a 256-byte C buffer, unprintable bytes as dots.
func (s *Server) logProtocolError(c *Client, err error, qbuf []byte) {
	if !s.verbose() {
		return
	}
	cstr := func(b []byte) []byte { // %s and %.*s stop at a NUL
		if i := strings.IndexByte(string(b), 0); i >= 0 {
			return b[:i]
		}
		return b
	}
	const dump = 128
	var sample []byte
	if len(qbuf) < dump {
		sample = append([]byte("Query buffer during protocol error: '"), cstr(qbuf)...)
		sample = append(sample, '\'')
	} else {
		sample = append([]byte("Query buffer during protocol error: '"), cstr(qbuf[:dump/2])...)
		sample = append(sample, "' (... more "+strconv.Itoa(len(qbuf)-dump)+" bytes ...) '"...)
		sample = append(sample, cstr(qbuf[len(qbuf)-dump/2:])...)
		sample = append(sample, '\'')
	}
	if len(sample) > 255 {
		sample = sample[:255]
	}
	for i, b := range sample {
		if b < 0x20 || b > 0x7e {
			sample[i] = '.'
		}
	}
	s.log.Debug("Protocol error (" + protoErrorWords(err) + ") from client: " +
		string(s.appendClientInfo(nil, c)) + ". " + string(sample))
}

// debugLevel is Redis's loglevel debug, below its verbose (zap's Debug): see ZapLevel.
const debugLevel = zapcore.DebugLevel - 1

// logCronStats is serverCron's lines every five seconds: at verbose, each
// database that holds keys, with its hash table's size (dictSlots: both tables'
// buckets; a cluster node's per-slot dicts are counted as Redis 7.0's one dict
// would be sized, the power of two at or above the keys, at least 4); at debug,
// the clients and the memory in use.
func (s *Server) logCronStats() {
	if !s.verbose() || !s.every(5000) {
		return
	}
	for _, db := range s.dbs {
		keys, vkeys := db.Len(), db.VolatileLen()
		if keys == 0 && vkeys == 0 {
			continue
		}
		slots := 0
		if len(db.dicts) == 1 {
			a, b := db.dicts[0].Buckets()
			slots = a + b
		} else {
			for slots = 4; slots < keys; slots *= 2 {
			}
		}
		s.log.Debug("DB " + strconv.Itoa(db.id) + ": " + strconv.Itoa(keys) + " keys (" + strconv.Itoa(vkeys) +
			" volatile) in " + strconv.Itoa(slots) + " slots HT.")
	}
	if s.log.Core().Enabled(debugLevel) {
		replicas := 0
		for _, c := range s.clients {
			if s.clientExtra(c).Type == "replica" {
				replicas++
			}
		}
		s.log.Log(debugLevel, strconv.Itoa(len(s.clients)-replicas)+" clients connected ("+strconv.Itoa(replicas)+
			" replicas), "+strconv.FormatUint(s.usedMemory(), 10)+" bytes in use")
	}
}
