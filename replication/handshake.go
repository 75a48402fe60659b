package replication

// The replica's side of the replication handshake (Redis 7.0's syncWithMaster and
// slaveTryPartialResynchronization) as a state machine that does no I/O: the
// caller sends what Start and Feed return and feeds back whatever the master
// replies, in any chunks. The order is Redis's:
//
//	PING                                  → +PONG (or -NOAUTH / -NOPERM: auth follows)
//	AUTH [masteruser] masterauth          → +OK           (with masterauth only)
//	REPLCONF listening-port <port>        → ignored errors
//	REPLCONF ip-address <ip>              → ignored errors (with replica-announce-ip only)
//	REPLCONF capa eof capa psync2         → ignored errors
//	PSYNC <replid> <offset> | PSYNC ? -1  → +FULLRESYNC <replid> <offset> | +CONTINUE [<replid>]
//
// AUTH and the REPLCONFs go out in one write and their replies are read in order,
// as Redis does. Lone newlines, which a master sends to keep a waiting replica's
// read timeout at bay, are skipped before the PSYNC reply.

import (
	"errors"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine/resp"
)

// HandshakeConfig is what a replica says about itself in the handshake.
type HandshakeConfig struct {
	// User and Auth are masteruser and masterauth; Auth "" sends no AUTH.
	User, Auth string
	// ListeningPort is replica-announce-port, or the replica's port.
	ListeningPort int
	// AnnounceIP is replica-announce-ip; "" sends no REPLCONF ip-address.
	AnnounceIP string
	// ReplID and Offset are the history the replica has (its cached master):
	// PSYNC asks for Offset+1 of ReplID. ReplID "" sends "PSYNC ? -1".
	ReplID string
	Offset int64
	// Failover adds FAILOVER to PSYNC (a master handing over to this node).
	Failover bool
}

// Outcome is how a handshake ended.
type Outcome int

const (
	// Pending: the handshake is not over.
	Pending Outcome = iota
	// FullResync: the master sends an RDB next; ID and Offset are its history.
	FullResync
	// PartialResync: the master continues the stream from Offset+1; ID is its
	// replication id ("" from a master that does not send one).
	PartialResync
	// TryLater: the master can't serve PSYNC now (-NOMASTERLINK, -LOADING).
	TryLater
	// NotSupported: the master refused PSYNC with another error.
	NotSupported
)

// Note is a line for the replica's log, at Redis's level.
type Note struct {
	Warning bool
	Text    string
}

// handshake states (Redis's REPL_STATE_RECEIVE_*).
const (
	hsPing = iota
	hsAuth
	hsPort
	hsIP
	hsCapa
	hsPsync
	hsDone
)

// ErrHandshake is wrapped by the errors that end a handshake.
var ErrHandshake = errors.New("replication handshake failed")

// Handshake is one handshake in progress. Not safe for concurrent use.
type Handshake struct {
	cfg   HandshakeConfig
	state int
	// Outcome, ID and Offset are the result once Feed reports done.
	Outcome Outcome
	ID      string
	Offset  int64
	// Reply is the master's reply to PSYNC, for logs.
	Reply string
}

// NewHandshake prepares a handshake.
func NewHandshake(cfg HandshakeConfig) *Handshake { return &Handshake{cfg: cfg} }

// Start returns the first bytes to send: the PING.
func (h *Handshake) Start() []byte { return resp.AppendCommand(nil, "PING") }

// PSYNCArgs are the replid and offset PSYNC sends.
func (h *Handshake) PSYNCArgs() (string, string) {
	if h.cfg.ReplID == "" {
		return "?", "-1"
	}
	return h.cfg.ReplID, strconv.FormatInt(h.cfg.Offset+1, 10)
}

// Feed consumes the master's replies at the start of in. It returns how many
// bytes it used (the rest belongs to what follows the handshake: keep it), what
// to send now, log notes, and done once Outcome is set. An error ends the
// handshake: the replica closes the link and tries again later.
func (h *Handshake) Feed(in []byte) (used int, send []byte, notes []Note, done bool, err error) {
	for h.state != hsDone {
		if h.state == hsPsync && used < len(in) && in[used] == '\n' {
			used++ // keepalive newline while the master prepares
			continue
		}
		v, n, perr := resp.ParseReplyPrefix(in[used:])
		if perr == resp.ErrIncomplete {
			return used, send, notes, false, nil
		}
		if perr != nil {
			return used, send, notes, false, errors.Join(ErrHandshake, perr)
		}
		used += n
		line := v.Str
		if v.IsError() {
			line = "-" + line
		} else if v.Kind == resp.KindSimple {
			line = "+" + line
		}
		switch h.state {
		case hsPing:
			if !strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "-NOAUTH") &&
				!strings.HasPrefix(line, "-NOPERM") && !strings.HasPrefix(line, "-ERR operation not permitted") {
				notes = append(notes, Note{true, "Error reply to PING from master: '" + line + "'"})
				return used, send, notes, false, ErrHandshake
			}
			notes = append(notes, Note{false, "Master replied to PING, replication can continue..."})
			send = h.appendHandshake(send)
			h.state = hsPort
			if h.cfg.Auth != "" {
				h.state = hsAuth
			}
		case hsAuth:
			if v.IsError() {
				notes = append(notes, Note{true, "Unable to AUTH to MASTER: " + line})
				return used, send, notes, false, ErrHandshake
			}
			h.state = hsPort
		case hsPort:
			if v.IsError() {
				notes = append(notes, Note{false, "(Non critical) Master does not understand REPLCONF listening-port: " + line})
			}
			h.state = hsCapa
			if h.cfg.AnnounceIP != "" {
				h.state = hsIP
			}
		case hsIP:
			if v.IsError() {
				notes = append(notes, Note{false, "(Non critical) Master does not understand REPLCONF ip-address: " + line})
			}
			h.state = hsCapa
		case hsCapa:
			if v.IsError() {
				notes = append(notes, Note{false, "(Non critical) Master does not understand REPLCONF capa: " + line})
			}
			id, off := h.PSYNCArgs()
			if id == "?" {
				notes = append(notes, Note{false, "Partial resynchronization not possible (no cached master)"})
			} else {
				notes = append(notes, Note{false, "Trying a partial resynchronization (request " + id + ":" + off + ")."})
			}
			args := []string{"PSYNC", id, off}
			if h.cfg.Failover {
				args = append(args, "FAILOVER")
			}
			send = resp.AppendCommand(send, args...)
			h.state = hsPsync
		case hsPsync:
			h.Reply = line
			notes = append(notes, h.psyncReply(line)...)
			h.state = hsDone
			return used, send, notes, true, nil
		}
	}
	return used, send, notes, true, nil
}

// appendHandshake appends AUTH and the REPLCONFs, sent in one go after the PONG.
func (h *Handshake) appendHandshake(b []byte) []byte {
	if h.cfg.Auth != "" {
		if h.cfg.User != "" {
			b = resp.AppendCommand(b, "AUTH", h.cfg.User, h.cfg.Auth)
		} else {
			b = resp.AppendCommand(b, "AUTH", h.cfg.Auth)
		}
	}
	b = resp.AppendCommand(b, "REPLCONF", "listening-port", strconv.Itoa(h.cfg.ListeningPort))
	if h.cfg.AnnounceIP != "" {
		b = resp.AppendCommand(b, "REPLCONF", "ip-address", h.cfg.AnnounceIP)
	}
	return resp.AppendCommand(b, "REPLCONF", "capa", "eof", "capa", "psync2")
}

// psyncReply decides the outcome from the reply to PSYNC.
func (h *Handshake) psyncReply(line string) []Note {
	switch {
	case strings.HasPrefix(line, "+FULLRESYNC"):
		f := strings.Fields(line)
		if len(f) != 3 || len(f[1]) != IDLen {
			// Redis blanks the master id so the next PSYNC can't match anything.
			h.Outcome, h.ID, h.Offset = FullResync, "", -1
			return []Note{{true, "Master replied with wrong +FULLRESYNC syntax."}}
		}
		off, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			off = 0 // strtoll's answer to garbage
		}
		h.Outcome, h.ID, h.Offset = FullResync, f[1], off
		return []Note{{false, "Full resync from master: " + h.ID + ":" + strconv.FormatInt(off, 10)}}
	case strings.HasPrefix(line, "+CONTINUE"):
		h.Outcome, h.Offset = PartialResync, h.cfg.Offset
		if id := strings.TrimSpace(line[len("+CONTINUE"):]); len(id) == IDLen {
			h.ID = id
		}
		return []Note{{false, "Successful partial resynchronization with master."}}
	case strings.HasPrefix(line, "-NOMASTERLINK"), strings.HasPrefix(line, "-LOADING"):
		h.Outcome = TryLater
		return []Note{{false, "Master is currently unable to PSYNC but should be in the future: " + line}}
	case !strings.HasPrefix(line, "-ERR"):
		h.Outcome = NotSupported
		return []Note{{true, "Unexpected reply to PSYNC from master: " + line}}
	}
	h.Outcome = NotSupported
	return []Note{{false, "Master does not support PSYNC or is in error state (reply: " + line + ")"}}
}

// PayloadHeader is the line that announces a full sync's RDB: "$<length>" for a
// file, "$EOF:<40 bytes>" for a diskless stream that ends with those 40 bytes.
type PayloadHeader struct {
	Length int64  // -1 for an EOF-marked payload
	EOF    []byte // the end mark, IDLen bytes
}

// ParsePayloadHeader parses the bulk header line (without its CRLF) that
// precedes the RDB (Redis's readSyncBulkPayload). A line starting with '-' is the
// master's error; one that is empty is a keepalive newline, to be skipped.
func ParsePayloadHeader(line []byte) (PayloadHeader, error) {
	if len(line) == 0 || line[0] != '$' {
		if len(line) > 0 && line[0] == '-' {
			return PayloadHeader{}, errors.New("MASTER aborted replication with an error: " + string(line[1:]))
		}
		return PayloadHeader{}, errors.New("Bad protocol from MASTER, the first byte is not '$' (we received '" + string(line) + "'), are you sure the host and port are right?")
	}
	if len(line) >= 5+IDLen && string(line[1:5]) == "EOF:" {
		mark := make([]byte, IDLen)
		copy(mark, line[5:5+IDLen])
		return PayloadHeader{Length: -1, EOF: mark}, nil
	}
	n, err := strconv.ParseInt(string(line[1:]), 10, 64)
	if err != nil || n < 0 {
		return PayloadHeader{}, errors.New("Bad protocol from MASTER, bad bulk length '" + string(line[1:]) + "'")
	}
	return PayloadHeader{Length: n}, nil
}

// EOFMatcher finds the end of an EOF-marked payload: everything written to it is
// payload except the trailing mark. Write returns the bytes of p that are payload
// for sure; the last IDLen bytes seen are held back until more arrive or Done.
type EOFMatcher struct {
	mark []byte
	tail []byte // the last bytes seen, up to IDLen, not yet released
}

// NewEOFMatcher starts matching mark.
func NewEOFMatcher(mark []byte) *EOFMatcher {
	return &EOFMatcher{mark: mark, tail: make([]byte, 0, 2*IDLen)}
}

// Write takes the next bytes of the stream and returns, in dst, those that are
// payload: all but the last IDLen bytes seen so far.
func (m *EOFMatcher) Write(dst, p []byte) []byte {
	if len(p) >= IDLen {
		dst = append(dst, m.tail...)
		dst = append(dst, p[:len(p)-IDLen]...)
		m.tail = append(m.tail[:0], p[len(p)-IDLen:]...)
		return dst
	}
	m.tail = append(m.tail, p...)
	if extra := len(m.tail) - IDLen; extra > 0 {
		dst = append(dst, m.tail[:extra]...)
		m.tail = append(m.tail[:0], m.tail[extra:]...)
	}
	return dst
}

// Done reports whether the last IDLen bytes seen are the mark: the payload ended.
func (m *EOFMatcher) Done() bool {
	return len(m.tail) == IDLen && string(m.tail) == string(m.mark)
}
