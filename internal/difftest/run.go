// Running a script against two servers and reporting where their replies differ.

package difftest

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// Side is one of the two servers a script runs against.
type Side struct {
	Name string // in reports: "redis", "keygrid"
	Addr string // host:port
}

// Options tune a run. The zero value gives the defaults.
type Options struct {
	// ReplyTimeout bounds the wait for one reply (default 5 s). A side that does
	// not answer in time is reported, and all connections are reopened.
	ReplyTimeout time.Duration
	// RawIdle is how long !raw waits for more bytes before it decides the server
	// has said all it will (default 200 ms; a script may change it with !rawidle).
	RawIdle time.Duration
	// Trace logs every step with the reference side's reply (t.Logf), to see what
	// redis-server answers while writing a script.
	Trace bool
}

const (
	defaultReplyTimeout = 5 * time.Second
	defaultRawIdle      = 200 * time.Millisecond
	// maxScanCalls stops a !scanall whose cursor never returns to 0.
	maxScanCalls = 100000
	// maxIOFailures ends a script whose servers keep failing to answer: each
	// failure costs up to ReplyTimeout, and after a few the rest is noise.
	maxIOFailures = 5
)

// Run runs sc against ref (the reference, redis-server) and got (the server under
// test). Both are flushed (FLUSHALL) first, and the script starts on fresh
// connections (RESP2, DB 0). Every mismatch is reported with t.Errorf and the run
// goes on; only a server that cannot be reached, or that failed to answer
// maxIOFailures times, ends it (t.Fatalf).
func Run(t testing.TB, sc *Script, ref, got Side, opts Options) {
	t.Helper()
	if opts.ReplyTimeout <= 0 {
		opts.ReplyTimeout = defaultReplyTimeout
	}
	if opts.RawIdle <= 0 {
		opts.RawIdle = defaultRawIdle
	}
	s := &session{t: t, sc: sc, sides: [2]Side{ref, got}, opts: opts,
		conns: map[string]*[2]*testutil.Conn{}, cur: "main", rawIdle: opts.RawIdle}
	defer s.closeAll()
	s.flushAll()
	for _, st := range sc.Steps {
		s.step(st)
	}
	t.Logf("%s: %d steps, %d mismatches", sc.Path, len(sc.Steps), s.failures)
}

// session is the state of one run: the connections of both sides, by name.
type session struct {
	t        testing.TB
	sc       *Script
	sides    [2]Side
	opts     Options
	conns    map[string]*[2]*testutil.Conn // by !conn name; "main" at first
	cur      string
	rawIdle  time.Duration
	failures int // mismatches and I/O failures reported
	ioFails  int // I/O failures (timeouts, resets) alone
}

// result is what one side did for a step.
type result struct {
	raw    []byte
	err    error
	closed bool // for !raw: the server closed the connection
}

func (s *session) flushAll() {
	for _, side := range s.sides {
		c, err := testutil.Dial(side.Addr)
		if err != nil {
			s.t.Fatalf("%s: dialing %s at %s: %v", s.sc.Path, side.Name, side.Addr, err)
		}
		c.SetTimeout(s.opts.ReplyTimeout)
		raw, err := c.Do("FLUSHALL")
		c.Close()
		if err != nil || string(raw) != "+OK\r\n" {
			s.t.Fatalf("%s: FLUSHALL on %s: %q %v", s.sc.Path, side.Name, raw, err)
		}
	}
}

// pair returns the current connection of both sides, dialing them if needed.
func (s *session) pair(st Step) *[2]*testutil.Conn {
	p := s.conns[s.cur]
	if p != nil {
		return p
	}
	p = new([2]*testutil.Conn)
	for i, side := range s.sides {
		c, err := testutil.Dial(side.Addr)
		if err != nil {
			s.t.Fatalf("%s:%d: dialing %s at %s: %v (did it crash?)", s.sc.Path, st.Line, side.Name, side.Addr, err)
		}
		c.SetTimeout(s.opts.ReplyTimeout)
		p[i] = c
	}
	s.conns[s.cur] = p
	return p
}

func (s *session) closeCur() {
	if p := s.conns[s.cur]; p != nil {
		p[0].Close()
		p[1].Close()
		delete(s.conns, s.cur)
	}
}

func (s *session) closeAll() {
	for name, p := range s.conns {
		p[0].Close()
		p[1].Close()
		delete(s.conns, name)
	}
}

// both runs fn on the current connection of each side at the same time, so
// timeouts overlap and time-sensitive steps (TTLs) see the same clock.
func (s *session) both(st Step, fn func(side int, c *testutil.Conn) result) [2]result {
	p := s.pair(st)
	var res [2]result
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { res[i] = fn(i, p[i]) })
	}
	wg.Wait()
	if s.opts.Trace && st.Op != OpSend && st.Op != OpRawSend && st.Op != OpScanAll {
		closed := ""
		if res[0].closed {
			closed = " (connection closed)"
		}
		s.t.Logf("%s:%d: %s\n\t-> %s%s", s.sc.Path, st.Line, st.Text, quote(res[0].raw, 0), closed)
	}
	return res
}

func (s *session) step(st Step) {
	switch st.Op {
	case OpCommand:
		res := s.both(st, func(_ int, c *testutil.Conn) result {
			raw, err := c.Do(st.Args...)
			return result{raw: raw, err: err}
		})
		s.check(st, st.Mode, res)
	case OpSend:
		res := s.both(st, func(_ int, c *testutil.Conn) result {
			return result{err: c.Send(testutil.AppendCommand(nil, st.Args...))}
		})
		s.ioErrors(st, res)
	case OpRecv:
		res := s.both(st, func(_ int, c *testutil.Conn) result {
			raw, err := c.ReadReply()
			return result{raw: raw, err: err}
		})
		s.check(st, st.Mode, res)
	case OpNoReply:
		res := s.both(st, func(_ int, c *testutil.Conn) result {
			raw, err := c.ReadReplyTimeout(st.Dur)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = nil
			}
			return result{raw: raw, err: err}
		})
		if !s.ioErrors(st, res) && (res[0].raw != nil || res[1].raw != nil) {
			s.report(st, fmt.Sprintf("a reply within %v, none expected", st.Dur), res[0].raw, res[1].raw)
		}
	case OpRaw:
		s.raw(st)
	case OpRawSend:
		res := s.both(st, func(_ int, c *testutil.Conn) result {
			return result{err: c.Send(st.Raw)}
		})
		s.ioErrors(st, res)
	case OpRawIdle:
		s.rawIdle = st.Dur
	case OpProto:
		res := s.both(st, func(_ int, c *testutil.Conn) result {
			raw, err := c.Do("HELLO", strconv.Itoa(st.Proto))
			return result{raw: raw, err: err}
		})
		// The reply holds versions and ids; its type still tells success from error.
		s.check(st, ModeType, res)
	case OpSleep:
		time.Sleep(st.Dur) // the script asks for time to pass (expiry)
	case OpNewConn:
		s.closeCur()
	case OpConn:
		s.cur = st.Name
	case OpScanAll:
		s.scanAll(st)
	default:
		s.t.Fatalf("%s:%d: unhandled op %v", s.sc.Path, st.Line, st.Op)
	}
}

// check compares the replies of a step, or reports why there are none.
func (s *session) check(st Step, mode Mode, res [2]result) {
	if s.ioErrors(st, res) {
		return
	}
	if ok, why := Compare(mode, res[0].raw, res[1].raw); !ok {
		if mode != ModeExact {
			why += " (" + mode.String() + ")"
		}
		s.report(st, why, res[0].raw, res[1].raw)
	}
}

// ioErrors reports I/O failures (including timeouts) of a step; after one the two
// sides may be out of step, so every connection is reopened.
func (s *session) ioErrors(st Step, res [2]result) bool {
	if res[0].err == nil && res[1].err == nil {
		return false
	}
	var b strings.Builder
	for i, r := range res {
		if r.err != nil {
			fmt.Fprintf(&b, "\n\t%-10s error: %v", s.sides[i].Name+":", r.err)
		} else {
			fmt.Fprintf(&b, "\n\t%-10s %s", s.sides[i].Name+":", quote(r.raw, 0))
		}
	}
	s.failures++
	s.ioFails++
	s.t.Errorf("%s:%d: %s%s\n\t(all connections reopened)", s.sc.Path, st.Line, st.Text, b.String())
	s.closeAll()
	if s.ioFails >= maxIOFailures {
		s.t.Fatalf("%s: giving up after %d I/O failures", s.sc.Path, s.ioFails)
	}
	return true
}

func (s *session) report(st Step, why string, a, b []byte) {
	s.failures++
	d := firstDiff(a, b)
	s.t.Errorf("%s:%d: %s\n\t%s\n\t%-10s %s\n\t%-10s %s", s.sc.Path, st.Line, st.Text, why,
		s.sides[0].Name+":", quote(a, d), s.sides[1].Name+":", quote(b, d))
}

// raw sends st.Raw and compares all that comes back until the server closes the
// connection or falls silent for s.rawIdle.
func (s *session) raw(st Step) {
	res := s.both(st, func(_ int, c *testutil.Conn) result {
		// A server may close while we still write (a too-big request): what
		// it sent before closing is still there to read.
		if err := c.Send(st.Raw); err != nil && !testutil.IsClosedError(err) {
			return result{err: err}
		}
		data, closed, err := c.ReadUntilClose(s.rawIdle)
		return result{raw: data, closed: closed, err: err}
	})
	if s.ioErrors(st, res) {
		return
	}
	a, b := res[0], res[1]
	switch {
	case a.closed != b.closed:
		s.report(st, fmt.Sprintf("connection closed: %s %v, %s %v", s.sides[0].Name, a.closed, s.sides[1].Name, b.closed), a.raw, b.raw)
	case string(a.raw) != string(b.raw):
		s.report(st, fmt.Sprintf("bytes differ from byte %d", firstDiff(a.raw, b.raw)), a.raw, b.raw)
	}
	if a.closed || b.closed {
		s.closeCur() // the next step gets a fresh connection
	}
}

// scanAll iterates a SCAN-family command to cursor 0 on each side and compares the
// sorted, deduplicated items (keys, members, or field-value pairs).
func (s *session) scanAll(st Step) {
	type scanResult struct {
		items []string
		reply []byte // set instead of items when a reply was an error or malformed
	}
	var sr [2]scanResult
	res := s.both(st, func(i int, c *testutil.Conn) result {
		items, reply, err := scanAll(c, st.Args)
		sr[i] = scanResult{items: items, reply: reply}
		return result{err: err}
	})
	if s.ioErrors(st, res) {
		return
	}
	a, b := sr[0], sr[1]
	if s.opts.Trace {
		if a.reply != nil {
			s.t.Logf("%s:%d: %s\n\t-> %s", s.sc.Path, st.Line, st.Text, quote(a.reply, 0))
		} else {
			s.t.Logf("%s:%d: %s\n\t-> %d items: %s", s.sc.Path, st.Line, st.Text, len(a.items), quoteList(a.items))
		}
	}
	if a.reply != nil || b.reply != nil {
		if string(a.reply) != string(b.reply) {
			s.report(st, "a SCAN reply differs", a.reply, b.reply)
		}
		return
	}
	if slices.Equal(a.items, b.items) {
		return
	}
	onlyA, onlyB := setDiff(a.items, b.items), setDiff(b.items, a.items)
	s.failures++
	s.t.Errorf("%s:%d: %s\n\tscanned %d items vs %d\n\tonly on %s: %s\n\tonly on %s: %s", s.sc.Path, st.Line, st.Text,
		len(a.items), len(b.items), s.sides[0].Name, quoteList(onlyA), s.sides[1].Name, quoteList(onlyB))
}

// scanAll runs one full iteration. It returns the sorted distinct items, or the
// first reply that is an error or not a SCAN reply.
func scanAll(c *testutil.Conn, args []string) (items []string, reply []byte, err error) {
	idx, group, err := scanShape(args)
	if err != nil {
		return nil, nil, err
	}
	args = slices.Clone(args)
	seen := map[string]bool{}
	for range maxScanCalls {
		raw, err := c.Do(args...)
		if err != nil {
			return nil, nil, err
		}
		v, err := testutil.ParseReply(raw)
		if err != nil {
			return nil, nil, err
		}
		if v.Kind != testutil.KindArray || len(v.Elems) != 2 || v.Elems[0].Kind != testutil.KindBulk ||
			!v.Elems[1].IsAggregate() || len(v.Elems[1].Elems)%group != 0 {
			return nil, raw, nil
		}
		elems := v.Elems[1].Elems
		for i := 0; i < len(elems); i += group {
			var item []byte
			for _, e := range elems[i : i+group] {
				item = append(item, e.Raw...)
			}
			seen[string(item)] = true
		}
		if args[idx] = v.Elems[0].Str; args[idx] == "0" {
			items = make([]string, 0, len(seen))
			for k := range seen {
				items = append(items, k)
			}
			slices.Sort(items)
			return items, nil, nil
		}
	}
	return nil, nil, fmt.Errorf("cursor not back to 0 after %d calls", maxScanCalls)
}

func setDiff(a, b []string) []string {
	var d []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			d = append(d, x)
		}
	}
	return d
}

func quoteList(items []string) string {
	if len(items) == 0 {
		return "(none)"
	}
	var q []string
	for i, it := range items {
		if i == 20 {
			q = append(q, fmt.Sprintf("... %d more", len(items)-20))
			break
		}
		q = append(q, strconv.Quote(it))
	}
	return strings.Join(q, " ")
}
