package engine

// Client-side caching support (Redis's tracking.c): CLIENT TRACKING, CACHING,
// GETREDIR and TRACKINGINFO.
//
// In the default mode the server remembers, per key name (whatever the database, as
// Redis does), the ids of the tracking clients that read it; the first modification
// of the key sends each of them one invalidation and forgets the key. In BCAST mode
// nothing is remembered per read: every key modified under a subscribed prefix is
// collected during the event loop cycle and broadcast in beforeSleep. Invalidations
// are RESP3 pushes ["invalidate", [keys]], or, for a RESP2 client redirecting to a
// connection subscribed to __redis__:invalidate, Pub/Sub messages on that channel.
// A flush invalidates everything with a null instead of a key list.

import (
	"sort"
	"strings"

	"github.com/keygrid/keygrid/engine/resp"
)

// trackFlag is a tracking client's mode (Redis's CLIENT_TRACKING_* flags).
type trackFlag uint8

const (
	trackBcast       trackFlag = 1 << iota // BCAST: prefix broadcasting, no per-key table
	trackOptin                             // OPTIN: track only after CLIENT CACHING yes
	trackOptout                            // OPTOUT: track unless CLIENT CACHING no
	trackCaching                           // CLIENT CACHING given for the next command
	trackNoloop                            // NOLOOP: no invalidations for own writes
	trackBrokenRedir                       // the redirection client went away
)

// clientTracking is a client's tracking state (Client.trk; nil when tracking is off).
type clientTracking struct {
	flags    trackFlag
	redirect int64    // client id invalidations go to; 0 = this connection
	prefixes []string // BCAST prefixes, sorted (as Redis's radix tree lists them)
}

// bcastState is one BCAST prefix: its clients and the keys modified under it during
// the current event loop cycle, each with the client that last modified it (NOLOOP).
type bcastState struct {
	clients []*Client
	keys    map[string]*Client
}

// trackingState is the server side: the tracking table and the prefix table.
type trackingState struct {
	clients int // clients with tracking on (INFO tracking_clients)
	// table maps a key name to the ids of the clients that may cache it.
	table map[string]map[int64]struct{}
	items int64 // ids stored across the table (INFO tracking_total_items)
	// prefixes maps each BCAST prefix to its state.
	prefixes map[string]*bcastState
	// current is the client whose command is running (Redis's current_client), for
	// NOLOOP and for invalidations that must follow its reply.
	current *Client
	// pending are invalidations for the current client, sent after its reply so they
	// never land inside it; a nil key stands for a flush (a null).
	pending [][]byte
	// limitRounds is how many checks in a row found the table over
	// tracking-table-max-keys (the effort grows with it, as in Redis).
	limitRounds int
	scratch     []byte
}

// initTracking wires tracking into the server's hooks (New calls it).
func (s *Server) initTracking() {
	t := &s.tracking
	t.table = make(map[string]map[int64]struct{})
	t.prefixes = make(map[string]*bcastState)
	s.onModified = append(s.onModified, func(db *DB, key []byte) {
		if t.clients > 0 || len(t.table) > 0 {
			s.trackingInvalidateKey(key, true)
		}
	})
	s.afterFlush = append(s.afterFlush, func(int) { s.trackingInvalidateKeysOnFlush() })
	s.onClientFree = append(s.onClientFree, func(c *Client) {
		if c.trk != nil {
			s.disableTracking(c)
		}
		if t.current == c {
			t.current = nil
			t.pending = t.pending[:0]
		}
	})
	s.onClientReset = append(s.onClientReset, func(c *Client) {
		if c.trk != nil {
			s.disableTracking(c)
		}
	})
	s.beforeSleepHooks = append(s.beforeSleepHooks, s.trackingBroadcastInvalidations)
	// The table is also kept within tracking-table-max-keys by the cron, so a
	// CONFIG SET lowering it takes effect on an idle server (Redis's serverCron).
	s.cronHooks = append(s.cronHooks, func() {
		if t.clients > 0 {
			s.trackingLimitUsedSlots()
		}
	})
	s.clientInfoHooks = append(s.clientInfoHooks, func(c *Client, x *clientExtra) {
		if c.trk == nil {
			return
		}
		x.Redir = c.trk.redirect
		if s.isBlockedClient(c) {
			// The core appends 'b' after the parts' letters; Redis puts it before 't'.
			x.Flags = insertClientFlag(x.Flags, 'b')
		}
		x.Flags = insertClientFlag(x.Flags, 't')
		if c.trk.flags&trackBrokenRedir != 0 {
			x.Flags = insertClientFlag(x.Flags, 'R')
		}
		if c.trk.flags&trackBcast != 0 {
			x.Flags = insertClientFlag(x.Flags, 'B')
		}
	})
	s.infoHooks = append(s.infoHooks, func(section string, sec *InfoSection) {
		switch section {
		case "clients":
			sec.Set("tracking_clients", itoa(int64(t.clients)))
		case "stats":
			sec.Set("tracking_total_keys", itoa(int64(len(t.table))))
			sec.Set("tracking_total_items", itoa(t.items))
			sec.Set("tracking_total_prefixes", itoa(int64(len(t.prefixes))))
		}
	})
}

// --- command table ----------------------------------------------------------------------

// The CLIENT subcommands of client-side caching (listed in client_cmd.go).
var (
	clientCachingSpec = &Command{Name: "caching", Arity: 3, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
		Group: "connection", Since: "6.0.0", Complexity: "O(1)",
		Summary: "Instruct the server about tracking or not keys in the next request",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "mode", Type: "oneof", Args: []Arg{
				{Name: "yes", Type: "pure-token", Token: "YES"},
				{Name: "no", Type: "pure-token", Token: "NO"},
			}},
		}},
		Proc: clientCachingCommand}
	clientGetredirSpec = &Command{Name: "getredir", Arity: 2, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
		Group: "connection", Since: "6.0.0", Complexity: "O(1)",
		Summary: "Get tracking notifications redirection client ID if any",
		Proc:    clientGetredirCommand}
	clientTrackingSpec = &Command{Name: "tracking", Arity: -3, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
		Group: "connection", Since: "6.0.0", Complexity: "O(1). Some options may introduce additional complexity.",
		Summary: "Enable or disable server assisted client side caching support",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "status", Type: "oneof", Args: []Arg{
				{Name: "on", Type: "pure-token", Token: "ON"},
				{Name: "off", Type: "pure-token", Token: "OFF"},
			}},
			{Name: "client-id", Type: "integer", Token: "REDIRECT", Optional: true},
			{Name: "prefix", Type: "string", Token: "PREFIX", Optional: true, Multiple: true, MultipleToken: true},
			{Name: "bcast", Type: "pure-token", Token: "BCAST", Optional: true},
			{Name: "optin", Type: "pure-token", Token: "OPTIN", Optional: true},
			{Name: "optout", Type: "pure-token", Token: "OPTOUT", Optional: true},
			{Name: "noloop", Type: "pure-token", Token: "NOLOOP", Optional: true},
		}},
		Proc: clientTrackingCommand}
	clientTrackinginfoSpec = &Command{Name: "trackinginfo", Arity: 2, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
		Group: "connection", Since: "6.2.0", Complexity: "O(1)",
		Summary: "Return information about server assisted client side caching for the current connection",
		Proc:    clientTrackinginfoCommand}
)

// --- commands ----------------------------------------------------------------------------

// CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]]
// [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
func clientTrackingCommand(c *Client) {
	s := c.srv
	argv := c.argv
	var redir int64
	var opts trackFlag
	var prefixes [][]byte
	for j := 3; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch {
		case eqFold(argv[j], "redirect") && more > 0:
			j++
			if redir != 0 {
				c.ReplyError("ERR A client can only redirect to a single other client")
				return
			}
			id, ok := parseInt(argv[j])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			// The target must exist now, even if it may go away later.
			if s.clients[id] == nil {
				c.ReplyError("ERR The client ID you want redirect to does not exist")
				return
			}
			redir = id
		case eqFold(argv[j], "bcast"):
			opts |= trackBcast
		case eqFold(argv[j], "optin"):
			opts |= trackOptin
		case eqFold(argv[j], "optout"):
			opts |= trackOptout
		case eqFold(argv[j], "noloop"):
			opts |= trackNoloop
		case eqFold(argv[j], "prefix") && more > 0:
			j++
			prefixes = append(prefixes, argv[j])
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	switch {
	case eqFold(argv[2], "on"):
		if opts&trackBcast == 0 && len(prefixes) > 0 {
			c.ReplyError("ERR PREFIX option requires BCAST mode to be enabled")
			return
		}
		if c.trk != nil && (c.trk.flags&trackBcast != 0) != (opts&trackBcast != 0) {
			c.ReplyError("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		}
		if opts&trackBcast != 0 && opts&(trackOptin|trackOptout) != 0 {
			c.ReplyError("ERR OPTIN and OPTOUT are not compatible with BCAST")
			return
		}
		if opts&trackOptin != 0 && opts&trackOptout != 0 {
			c.ReplyError("ERR You can't specify both OPTIN mode and OPTOUT mode")
			return
		}
		if c.trk != nil && ((opts&trackOptin != 0 && c.trk.flags&trackOptout != 0) ||
			(opts&trackOptout != 0 && c.trk.flags&trackOptin != 0)) {
			c.ReplyError("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		}
		if opts&trackBcast != 0 && !c.checkPrefixCollisions(prefixes) {
			return
		}
		s.enableTracking(c, redir, opts, prefixes)
	case eqFold(argv[2], "off"):
		if c.trk != nil {
			s.disableTracking(c)
		}
	default:
		c.ReplyError(ErrSyntax)
		return
	}
	c.ReplyOK()
}

// checkPrefixCollisions refuses prefixes that overlap (one a prefix of the other)
// with the client's own or with each other: two such prefixes would send the same
// key twice. Redis 7.0 goes on to enable tracking after replying the error when the
// overlap is between two new prefixes past the first; keygrid stops at the error,
// so a client never gets two replies to one command.
func (c *Client) checkPrefixCollisions(prefixes [][]byte) bool {
	overlap := func(a, b string) bool {
		n := min(len(a), len(b))
		return a[:n] == b[:n]
	}
	for i, p := range prefixes {
		if c.trk != nil {
			for _, old := range c.trk.prefixes {
				if overlap(old, string(p)) {
					c.ReplyError("ERR Prefix '" + string(p) + "' overlaps with an existing prefix '" + old + "'. Prefixes for a single client must not overlap.")
					return false
				}
			}
		}
		for _, q := range prefixes[i+1:] {
			if overlap(string(p), string(q)) {
				c.ReplyError("ERR Prefix '" + string(p) + "' overlaps with another provided prefix '" + string(q) + "'. Prefixes for a single client must not overlap.")
				return false
			}
		}
	}
	return true
}

// CLIENT CACHING YES|NO
func clientCachingCommand(c *Client) {
	if c.trk == nil {
		c.ReplyError("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
		return
	}
	switch {
	case eqFold(c.argv[2], "yes"):
		if c.trk.flags&trackOptin == 0 {
			c.ReplyError("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
			return
		}
	case eqFold(c.argv[2], "no"):
		if c.trk.flags&trackOptout == 0 {
			c.ReplyError("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
			return
		}
	default:
		c.ReplyError(ErrSyntax)
		return
	}
	c.trk.flags |= trackCaching
	c.ReplyOK()
}

// CLIENT GETREDIR
func clientGetredirCommand(c *Client) {
	if c.trk == nil {
		c.ReplyInt(-1)
		return
	}
	c.ReplyInt(c.trk.redirect)
}

// CLIENT TRACKINGINFO
func clientTrackinginfoCommand(c *Client) {
	var flags []string
	redirect := int64(-1)
	var prefixes []string
	if t := c.trk; t == nil {
		flags = append(flags, "off")
	} else {
		flags = append(flags, "on")
		if t.flags&trackBcast != 0 {
			flags = append(flags, "bcast")
		}
		if t.flags&trackOptin != 0 {
			flags = append(flags, "optin")
			if t.flags&trackCaching != 0 {
				flags = append(flags, "caching-yes")
			}
		}
		if t.flags&trackOptout != 0 {
			flags = append(flags, "optout")
			if t.flags&trackCaching != 0 {
				flags = append(flags, "caching-no")
			}
		}
		if t.flags&trackNoloop != 0 {
			flags = append(flags, "noloop")
		}
		if t.flags&trackBrokenRedir != 0 {
			flags = append(flags, "broken_redirect")
		}
		redirect = t.redirect
		prefixes = t.prefixes
	}
	c.ReplyMap(3)
	c.ReplyBulkString("flags")
	c.ReplySet(len(flags))
	for _, f := range flags {
		c.ReplyBulkString(f)
	}
	c.ReplyBulkString("redirect")
	c.ReplyInt(redirect)
	c.ReplyBulkString("prefixes")
	c.ReplyBulks(prefixes)
}

// --- enabling and disabling ------------------------------------------------------------------

// enableTracking turns tracking on, or changes its options when it is on already:
// the mode flags are replaced, a pending CLIENT CACHING stays, BCAST prefixes add up.
func (s *Server) enableTracking(c *Client, redir int64, opts trackFlag, prefixes [][]byte) {
	t := &s.tracking
	if c.trk == nil {
		c.trk = new(clientTracking)
		t.clients++
	}
	c.trk.flags &= trackCaching
	c.trk.flags |= opts & (trackBcast | trackOptin | trackOptout | trackNoloop)
	c.trk.redirect = redir
	if opts&trackBcast != 0 {
		if len(prefixes) == 0 {
			s.bcastPrefixAdd(c, "")
		}
		for _, p := range prefixes {
			s.bcastPrefixAdd(c, string(p))
		}
	}
}

func (s *Server) bcastPrefixAdd(c *Client, prefix string) {
	bs := s.tracking.prefixes[prefix]
	if bs == nil {
		bs = &bcastState{keys: make(map[string]*Client)}
		s.tracking.prefixes[prefix] = bs
	}
	for _, cl := range bs.clients {
		if cl == c {
			return
		}
	}
	bs.clients = append(bs.clients, c)
	i := sort.SearchStrings(c.trk.prefixes, prefix)
	c.trk.prefixes = append(c.trk.prefixes, "")
	copy(c.trk.prefixes[i+1:], c.trk.prefixes[i:])
	c.trk.prefixes[i] = prefix
}

// disableTracking turns tracking off. The client's id stays in the tracking table
// and is skipped lazily when the key is invalidated, as in Redis: dropping it
// eagerly would cost a walk of the whole table.
func (s *Server) disableTracking(c *Client) {
	t := &s.tracking
	for _, p := range c.trk.prefixes {
		bs := t.prefixes[p]
		if bs == nil {
			continue
		}
		for i, cl := range bs.clients {
			if cl == c {
				bs.clients = append(bs.clients[:i], bs.clients[i+1:]...)
				break
			}
		}
		if len(bs.clients) == 0 {
			delete(t.prefixes, p)
		}
	}
	c.trk = nil
	t.clients--
	if t.clients == 0 {
		t.current = nil
	}
}

// --- remembering reads -----------------------------------------------------------------------

// trackingRememberKeys notes the keys a read-only command of c read, so that their
// next modification invalidates them for c (call runs it for tracking clients not
// in BCAST mode).
func (s *Server) trackingRememberKeys(c *Client, cmd *Command, argv [][]byte) {
	f := c.trk.flags
	if (f&trackOptin != 0 && f&trackCaching == 0) || (f&trackOptout != 0 && f&trackCaching != 0) {
		return
	}
	// Shard channels are keys only for cluster routing; they are never cached.
	if cmd.Flags&FlagPubSub != 0 {
		return
	}
	t := &s.tracking
	for _, i := range cmd.keyIndexes(argv) {
		key := argv[i]
		ids := t.table[string(key)]
		if ids == nil {
			ids = make(map[int64]struct{}, 1)
			t.table[string(key)] = ids
		}
		if _, ok := ids[c.id]; !ok {
			ids[c.id] = struct{}{}
			t.items++
		}
	}
}

// trackingAfterCommand runs after each command while some client tracks keys:
// it sends the invalidations the command caused for its own client, after the
// reply, and ends the effect of CLIENT CACHING, which applies to one command (or
// one transaction).
func (s *Server) trackingAfterCommand(c *Client) {
	t := &s.tracking
	if t.current == c && len(t.pending) > 0 && c.trk != nil {
		for _, key := range t.pending {
			if key == nil {
				s.sendTrackingMessage(c, nil, true)
			} else {
				s.sendTrackingMessage(c, key, false)
			}
		}
	}
	t.pending = t.pending[:0]
	t.current = nil
	if c.trk != nil && c.trk.flags&trackCaching != 0 &&
		(c.cmd == nil || !strings.HasPrefix(c.cmd.Name, "client|")) {
		if x := s.clientExtra(c); x.Multi < 0 {
			c.trk.flags &^= trackCaching
		}
	}
}

// --- invalidation ------------------------------------------------------------------------------

// sendTrackingMessage sends c an invalidation of key, or of everything (a null)
// when flush is set: as a push to c, or to its redirection client, as a RESP3 push
// or a message on __redis__:invalidate for a RESP2 subscriber.
func (s *Server) sendTrackingMessage(c *Client, key []byte, flush bool) {
	target := c
	redirected := false
	if c.trk.redirect != 0 {
		target = s.clients[c.trk.redirect]
		if target == nil || target.fd < 0 {
			c.trk.flags |= trackBrokenRedir
			// Only a RESP3 connection can be told; a RESP2 one just stops hearing.
			if c.proto > 2 {
				c.out = resp.AppendPush(c.out, 2, 3)
				c.out = resp.AppendBulkString(c.out, "tracking-redir-broken")
				c.out = resp.AppendInt(c.out, c.trk.redirect)
				s.queueWrite(c)
			}
			return
		}
		redirected = true
	}
	if target.flags&(flagCloseASAP|flagCloseAfterReply) != 0 {
		return // going away: nothing more is written to it
	}
	switch {
	case target.proto > 2:
		target.out = append(target.out, ">2\r\n$10\r\ninvalidate\r\n"...)
	case redirected && target.inPubSub():
		target.out = append(target.out, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"...)
	default:
		return // RESP2 without redirection: there is no way to push
	}
	if flush {
		// The null is written in the protocol of the tracking client, not of the
		// target, exactly as Redis 7.0 does.
		target.out = resp.AppendNull(target.out, c.proto)
	} else {
		target.out = append(target.out, "*1\r\n"...)
		target.out = resp.AppendBulk(target.out, key)
	}
	s.queueWrite(target)
	s.clientMemChanged(target) // maxmemory-clients (client_evict.go)
}

// trackingInvalidateKey tells every client that may cache key that it changed, and
// forgets them; with bcast it also queues the key for the BCAST prefixes it is under
// (a modification does, an eviction from the tracking table does not).
func (s *Server) trackingInvalidateKey(key []byte, bcast bool) {
	t := &s.tracking
	if bcast && len(t.prefixes) > 0 {
		for p, bs := range t.prefixes {
			if len(p) <= len(key) && string(key[:len(p)]) == p {
				bs.keys[string(key)] = t.current
			}
		}
	}
	ids := t.table[string(key)]
	if ids == nil {
		return
	}
	for id := range ids {
		target := s.clients[id]
		if target == nil || target.trk == nil || target.trk.flags&trackBcast != 0 {
			continue
		}
		if target == t.current {
			if target.trk.flags&trackNoloop != 0 {
				continue
			}
			if target.flags&flagExecuting != 0 {
				// Its reply is being written: the invalidation follows it.
				t.pending = append(t.pending, append([]byte(nil), key...))
				continue
			}
		}
		s.sendTrackingMessage(target, key, false)
	}
	t.items -= int64(len(ids))
	delete(t.table, string(key))
}

// trackingInvalidateKeysOnFlush sends every tracking client a null invalidation
// (every key is gone) and empties the tracking table.
func (s *Server) trackingInvalidateKeysOnFlush() {
	t := &s.tracking
	if t.clients > 0 {
		for _, c := range s.clientsByID() {
			if c.trk == nil {
				continue
			}
			if c == t.current && c.flags&flagExecuting != 0 {
				t.pending = append(t.pending, nil)
			} else {
				s.sendTrackingMessage(c, nil, true)
			}
		}
	}
	if len(t.table) > 0 {
		t.table = make(map[string]map[int64]struct{})
		t.items = 0
	}
}

// trackingLimitUsedSlots keeps the tracking table within tracking-table-max-keys by
// invalidating keys picked at random (Go's map order), with an effort that grows
// while the table stays over the limit, as Redis does.
func (s *Server) trackingLimitUsedSlots() {
	t := &s.tracking
	max := s.cfg.TrackingTableMaxKeys
	if max == 0 || int64(len(t.table)) <= max {
		t.limitRounds = 0
		return
	}
	effort := 100 * (t.limitRounds + 1)
	for key := range t.table {
		if effort == 0 {
			break
		}
		effort--
		t.scratch = append(t.scratch[:0], key...)
		s.trackingInvalidateKey(t.scratch, false)
		if int64(len(t.table)) <= max {
			t.limitRounds = 0
			return
		}
	}
	t.limitRounds++
}

// trackingBroadcastInvalidations sends, before the loop sleeps, the keys modified
// under each BCAST prefix during this cycle to the prefix's clients, in key order.
func (s *Server) trackingBroadcastInvalidations() {
	t := &s.tracking
	if t.clients == 0 {
		return
	}
	for _, bs := range t.prefixes {
		if len(bs.keys) == 0 {
			continue
		}
		keys := make([]string, 0, len(bs.keys))
		for k := range bs.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		all := buildKeyArray(nil, keys, bs.keys, nil)
		for _, c := range bs.clients {
			if c.trk.flags&trackNoloop != 0 {
				if own := buildKeyArray(nil, keys, bs.keys, c); own != nil {
					s.sendTrackingRaw(c, own)
				}
				continue
			}
			s.sendTrackingRaw(c, all)
		}
		clear(bs.keys)
	}
}

// buildKeyArray encodes keys as a RESP array, leaving out those last modified by
// skip (NOLOOP); nil when nothing is left.
func buildKeyArray(b []byte, keys []string, by map[string]*Client, skip *Client) []byte {
	n := 0
	for _, k := range keys {
		if skip == nil || by[k] != skip {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	b = resp.AppendArray(b, n)
	for _, k := range keys {
		if skip == nil || by[k] != skip {
			b = resp.AppendBulkString(b, k)
		}
	}
	return b
}

// sendTrackingRaw is sendTrackingMessage with the key array already encoded.
func (s *Server) sendTrackingRaw(c *Client, arr []byte) {
	target := c
	redirected := false
	if c.trk.redirect != 0 {
		target = s.clients[c.trk.redirect]
		if target == nil || target.fd < 0 {
			s.sendTrackingMessage(c, nil, false) // reports the broken redirection
			return
		}
		redirected = true
	}
	if target.flags&(flagCloseASAP|flagCloseAfterReply) != 0 {
		return // going away: nothing more is written to it
	}
	switch {
	case target.proto > 2:
		target.out = append(target.out, ">2\r\n$10\r\ninvalidate\r\n"...)
	case redirected && target.inPubSub():
		target.out = append(target.out, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"...)
	default:
		return
	}
	target.out = append(target.out, arr...)
	s.queueWrite(target)
	s.clientMemChanged(target) // maxmemory-clients (client_evict.go)
}
