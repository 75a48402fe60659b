package engine

// Pub/Sub (Redis's pubsub.c): SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBE
// counterparts, PUBLISH, SPUBLISH and PUBSUB introspection.
//
// The server keeps, per channel (and per pattern, and per shard channel), the list of
// subscribed clients in subscription order; each client keeps the names it is
// subscribed to. PUBLISH encodes the message once and appends the same bytes to every
// subscriber's reply buffer: the RESP2 array and the RESP3 push differ only in their
// first byte ('*' or '>'), which is patched in place after the copy. Nothing is
// allocated per subscriber once the buffers have grown.
//
// In standalone mode shard channels behave as Redis 7.0 standalone does: a namespace
// of their own, delivered to SSUBSCRIBE clients only, never matched by patterns.

import (
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/glob"
	"github.com/keygrid/keygrid/engine/resp"
)

var pubsubCommands = []*Command{
	{Name: "subscribe", Arity: -2, Flags: FlagPubSub | FlagNoScript | FlagLoading | FlagStale | FlagSentinel,
		Group: "pubsub", Since: "2.0.0", Complexity: "O(N) where N is the number of channels to subscribe to.",
		Summary: "Listen for messages published to the given channels",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "channel", Type: "string", Multiple: true},
		}},
		Proc: subscribeCommand},
	{Name: "unsubscribe", Arity: -1, Flags: FlagPubSub | FlagNoScript | FlagLoading | FlagStale | FlagSentinel,
		Group: "pubsub", Since: "2.0.0", Complexity: "O(N) where N is the number of clients already subscribed to a channel.",
		Summary: "Stop listening for messages posted to the given channels",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "channel", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: unsubscribeCommand},
	{Name: "psubscribe", Arity: -2, Flags: FlagPubSub | FlagNoScript | FlagLoading | FlagStale | FlagSentinel,
		Group: "pubsub", Since: "2.0.0", Complexity: "O(N) where N is the number of patterns the client is already subscribed to.",
		Summary: "Listen for messages published to channels matching the given patterns",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "pattern", Type: "block", Multiple: true, Args: []Arg{
				{Name: "pattern", Type: "pattern"},
			}},
		}},
		Proc: psubscribeCommand},
	{Name: "punsubscribe", Arity: -1, Flags: FlagPubSub | FlagNoScript | FlagLoading | FlagStale | FlagSentinel,
		Group: "pubsub", Since: "2.0.0", Complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
		Summary: "Stop listening for messages posted to channels matching the given patterns",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "pattern", Type: "pattern", Optional: true, Multiple: true},
		}},
		Proc: punsubscribeCommand},
	{Name: "publish", Arity: 3, Flags: FlagPubSub | FlagLoading | FlagStale | FlagFast | FlagMayReplicate | FlagSentinel,
		Group: "pubsub", Since: "2.0.0", Complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
		Summary: "Post a message to a channel",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "channel", Type: "string"},
			{Name: "message", Type: "string"},
		}},
		Proc: publishCommand},
	{Name: "spublish", Arity: 3, Flags: FlagPubSub | FlagLoading | FlagStale | FlagFast | FlagMayReplicate, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"not_key"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "pubsub", Since: "7.0.0", Complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
		Summary: "Post a message to a shard channel",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "shardchannel", Type: "string"},
			{Name: "message", Type: "string"},
		}},
		Proc: spublishCommand},
	{Name: "ssubscribe", Arity: -2, Flags: FlagPubSub | FlagNoScript | FlagLoading | FlagStale, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"not_key"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "pubsub", Since: "7.0.0", Complexity: "O(N) where N is the number of shard channels to subscribe to.",
		Summary: "Listen for messages published to the given shard channels",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "shardchannel", Type: "string", Multiple: true},
		}},
		Proc: ssubscribeCommand},
	{Name: "sunsubscribe", Arity: -1, Flags: FlagPubSub | FlagNoScript | FlagLoading | FlagStale, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"not_key"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "pubsub", Since: "7.0.0", Complexity: "O(N) where N is the number of clients already subscribed to a shard channel.",
		Summary: "Stop listening for messages posted to the given shard channels",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "shardchannel", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: sunsubscribeCommand},
	{Name: "pubsub", Arity: -2,
		Group: "pubsub", Since: "2.8.0", Complexity: "Depends on subcommand.",
		Summary: "A container for Pub/Sub commands",
		Subs: []*Command{
			{Name: "channels", Arity: -2, Flags: FlagPubSub | FlagLoading | FlagStale,
				Group: "pubsub", Since: "2.8.0", Complexity: "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
				Summary: "List active channels",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "pattern", Type: "pattern", Optional: true},
				}},
				Proc: pubsubChannelsCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale,
				Group: "pubsub", Since: "6.2.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    pubsubHelpCommand},
			{Name: "numpat", Arity: 2, Flags: FlagPubSub | FlagLoading | FlagStale,
				Group: "pubsub", Since: "2.8.0", Complexity: "O(1)",
				Summary: "Get the count of unique patterns pattern subscriptions",
				Proc:    pubsubNumpatCommand},
			{Name: "numsub", Arity: -2, Flags: FlagPubSub | FlagLoading | FlagStale,
				Group: "pubsub", Since: "2.8.0", Complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
				Summary: "Get the count of subscribers for channels",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "channel", Type: "string", Optional: true, Multiple: true},
				}},
				Proc: pubsubNumsubCommand},
			{Name: "shardchannels", Arity: -2, Flags: FlagPubSub | FlagLoading | FlagStale,
				Group: "pubsub", Since: "7.0.0", Complexity: "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
				Summary: "List active shard channels",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "pattern", Type: "pattern", Optional: true},
				}},
				Proc: pubsubShardchannelsCommand},
			{Name: "shardnumsub", Arity: -2, Flags: FlagPubSub | FlagLoading | FlagStale,
				Group: "pubsub", Since: "7.0.0", Complexity: "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
				Summary: "Get the count of subscribers for shard channels",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "shardchannel", Type: "string", Optional: true, Multiple: true},
				}},
				Proc: pubsubShardnumsubCommand},
		}},
}

// subscribers is one channel's (or pattern's) subscriber list, in subscription order,
// which is the order messages are delivered in, as in Redis.
type subscribers struct {
	name    []byte
	clients []*Client
}

// pubsubState is the server side of Pub/Sub (server.pubsub_channels and friends).
type pubsubState struct {
	channels map[string]*subscribers
	shard    map[string]*subscribers
	patterns map[string]*subscribers
	// patList holds the patterns in the order they were first subscribed: PUBLISH walks
	// it, so delivery order across patterns is stable (Redis walks a hash table).
	patList []*subscribers
	// msg is the scratch buffer each message is encoded into once per publish.
	msg []byte
	// chanBuf and evBuf are scratch for keyspace notification names (notify.go).
	chanBuf, evBuf []byte
}

// nameSet is a client's subscriptions of one kind: a set with a stable order (the
// order UNSUBSCRIBE with no argument reports them in).
type nameSet struct {
	idx   map[string]int
	names []string
}

func (ns *nameSet) has(name []byte) bool {
	_, ok := ns.idx[string(name)]
	return ok
}

func (ns *nameSet) add(name string) {
	if ns.idx == nil {
		ns.idx = make(map[string]int)
	}
	ns.idx[name] = len(ns.names)
	ns.names = append(ns.names, name)
}

// remove deletes name, moving the last name into its slot.
func (ns *nameSet) remove(name []byte) {
	i, ok := ns.idx[string(name)]
	if !ok {
		return
	}
	last := len(ns.names) - 1
	if i != last {
		ns.names[i] = ns.names[last]
		ns.idx[ns.names[i]] = i
	}
	ns.names = ns.names[:last]
	delete(ns.idx, string(name))
}

// clientPubSub is what one client is subscribed to (Client.ps; nil until its first
// subscription).
type clientPubSub struct {
	channels, patterns, shard nameSet
}

// subCount is Redis's clientSubscriptionsCount: channels and patterns, the count
// SUBSCRIBE, PSUBSCRIBE and their unsubscriptions report.
func (c *Client) subCount() int {
	if c.ps == nil {
		return 0
	}
	return len(c.ps.channels.names) + len(c.ps.patterns.names)
}

// shardSubCount is what SSUBSCRIBE and SUNSUBSCRIBE report.
func (c *Client) shardSubCount() int {
	if c.ps == nil {
		return 0
	}
	return len(c.ps.shard.names)
}

// inPubSub is Redis's CLIENT_PUBSUB flag: the client is subscribed to something. A
// RESP2 client in this state may run only the subscription commands, PING, QUIT and
// RESET; its PING replies ["pong", msg]; CLIENT LIST shows it with flag P and type
// pubsub, and it is not closed for idleness.
func (c *Client) inPubSub() bool { return c.ps != nil && c.subCount()+c.shardSubCount() > 0 }

// initPubSub wires Pub/Sub into the server's hooks (New calls it).
func (s *Server) initPubSub() {
	ps := &s.pubsub
	ps.channels = make(map[string]*subscribers)
	ps.shard = make(map[string]*subscribers)
	ps.patterns = make(map[string]*subscribers)
	s.pubsubFn = func(c *Client) bool { return c.inPubSub() }
	s.lateCommandChecks = append(s.lateCommandChecks, s.pubsubContextCheck)
	s.onClientFree = append(s.onClientFree, func(c *Client) {
		if c.ps != nil {
			s.unsubscribeAll(c, false)
		}
	})
	s.onClientReset = append(s.onClientReset, func(c *Client) {
		// RESET leaves every subscription silently (Redis's clearClientConnectionState).
		if c.ps != nil {
			s.unsubscribeAll(c, false)
		}
	})
	s.clientInfoHooks = append(s.clientInfoHooks, func(c *Client, x *clientExtra) {
		if c.ps == nil {
			return
		}
		x.Sub = len(c.ps.channels.names)
		x.PSub = len(c.ps.patterns.names)
		x.SSub = len(c.ps.shard.names)
		if c.inPubSub() {
			x.Flags = insertClientFlag(x.Flags, 'P')
		}
	})
	s.infoHooks = append(s.infoHooks, func(section string, sec *InfoSection) {
		if section == "stats" {
			sec.Set("pubsub_channels", strconv.Itoa(len(ps.channels)))
			sec.Set("pubsub_patterns", strconv.Itoa(len(ps.patterns)))
			sec.Set("pubsubshard_channels", strconv.Itoa(len(ps.shard)))
		}
	})
	s.initNotify()
}

// clientFlagOrder is the order of the CLIENT LIST flag letters that parts outside
// the core contribute (Redis's getClientInfoString).
const clientFlagOrder = "SMPxbtRBdur"

// insertClientFlag adds letter f to flags at its place in Redis's order, whatever
// order the parts' hooks ran in.
func insertClientFlag(flags string, f byte) string {
	if strings.IndexByte(flags, f) >= 0 {
		return flags
	}
	rank := strings.IndexByte(clientFlagOrder, f)
	for i := 0; i < len(flags); i++ {
		if r := strings.IndexByte(clientFlagOrder, flags[i]); r > rank {
			return flags[:i] + string(f) + flags[i:]
		}
	}
	return flags + string(f)
}

// pubsubContextCheck refuses, for a RESP2 client in subscriber mode, every command but
// those that make sense there, with Redis's error (processCommand's Pub/Sub check).
func (s *Server) pubsubContextCheck(c *Client, cmd *Command) string {
	if s.tracking.clients > 0 {
		// Keep the tracking table within tracking-table-max-keys before each command,
		// where Redis's processCommand does it.
		s.trackingLimitUsedSlots()
		s.tracking.current = c
	}
	if c.ps == nil || c.proto != 2 || !c.inPubSub() {
		return ""
	}
	switch cmd.Name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe",
		"punsubscribe", "quit", "reset":
		return ""
	}
	return "ERR Can't execute '" + cmd.Name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// --- subscription replies ---------------------------------------------------------------

// replySubscription replies one (un)subscription confirmation: [kind, name, count]
// as an array in RESP2 and a push in RESP3; a nil name is a null (unsubscribing
// from everything while subscribed to nothing).
func (c *Client) replySubscription(kind string, name []byte, null bool, count int) {
	c.out = resp.AppendPush(c.out, 3, c.proto)
	c.ReplyBulkString(kind)
	if null {
		c.ReplyNull()
	} else {
		c.ReplyBulk(name)
	}
	c.ReplyInt(int64(count))
	c.pushEnd = len(c.out) // survives CLIENT REPLY OFF (dispatch.go)
}

// --- the low-level API -------------------------------------------------------------------

func (c *Client) pubsub() *clientPubSub {
	if c.ps == nil {
		c.ps = new(clientPubSub)
	}
	return c.ps
}

// subscribeTo adds c to the subscribers of name in table m; it reports false when c
// was already subscribed.
func subscribeTo(m map[string]*subscribers, ns *nameSet, c *Client, name []byte) bool {
	if ns.has(name) {
		return false
	}
	key := string(name)
	ns.add(key)
	subs := m[key]
	if subs == nil {
		subs = &subscribers{name: []byte(key)}
		m[key] = subs
	}
	subs.clients = append(subs.clients, c)
	return true
}

// unsubscribeFrom removes c from the subscribers of name; an empty list is dropped,
// so abandoned channels cost nothing. It reports whether c was subscribed.
func unsubscribeFrom(m map[string]*subscribers, ns *nameSet, c *Client, name []byte) (*subscribers, bool) {
	if !ns.has(name) {
		return nil, false
	}
	ns.remove(name)
	subs := m[string(name)]
	if subs == nil {
		return nil, true
	}
	for i, sc := range subs.clients {
		if sc == c {
			// Keep the order: it is the delivery order.
			copy(subs.clients[i:], subs.clients[i+1:])
			subs.clients[len(subs.clients)-1] = nil
			subs.clients = subs.clients[:len(subs.clients)-1]
			break
		}
	}
	if len(subs.clients) == 0 {
		delete(m, string(name))
		return subs, true
	}
	return nil, true
}

func (s *Server) subscribeChannel(c *Client, name []byte) {
	ps := c.pubsub()
	subscribeTo(s.pubsub.channels, &ps.channels, c, name)
	c.replySubscription("subscribe", name, false, c.subCount())
}

func (s *Server) unsubscribeChannel(c *Client, name []byte, notify bool) bool {
	ps := c.pubsub()
	_, ok := unsubscribeFrom(s.pubsub.channels, &ps.channels, c, name)
	if notify {
		c.replySubscription("unsubscribe", name, false, c.subCount())
	}
	return ok
}

func (s *Server) subscribeShard(c *Client, name []byte) {
	ps := c.pubsub()
	subscribeTo(s.pubsub.shard, &ps.shard, c, name)
	c.replySubscription("ssubscribe", name, false, c.shardSubCount())
}

func (s *Server) unsubscribeShard(c *Client, name []byte, notify bool) bool {
	ps := c.pubsub()
	_, ok := unsubscribeFrom(s.pubsub.shard, &ps.shard, c, name)
	if notify {
		c.replySubscription("sunsubscribe", name, false, c.shardSubCount())
	}
	return ok
}

func (s *Server) subscribePattern(c *Client, name []byte) {
	ps := c.pubsub()
	fresh := s.pubsub.patterns[string(name)] == nil
	if subscribeTo(s.pubsub.patterns, &ps.patterns, c, name) && fresh {
		s.pubsub.patList = append(s.pubsub.patList, s.pubsub.patterns[string(name)])
	}
	c.replySubscription("psubscribe", name, false, c.subCount())
}

func (s *Server) unsubscribePattern(c *Client, name []byte, notify bool) bool {
	ps := c.pubsub()
	gone, ok := unsubscribeFrom(s.pubsub.patterns, &ps.patterns, c, name)
	if gone != nil {
		pl := s.pubsub.patList
		for i, p := range pl {
			if p == gone {
				copy(pl[i:], pl[i+1:])
				pl[len(pl)-1] = nil
				s.pubsub.patList = pl[:len(pl)-1]
				break
			}
		}
	}
	if notify {
		c.replySubscription("punsubscribe", name, false, c.subCount())
	}
	return ok
}

// unsubscribeAllOf leaves every name of one kind, replying once per name when
// notify is set, and once with a null name when there was none (as Redis does for
// UNSUBSCRIBE, PUNSUBSCRIBE and SUNSUBSCRIBE without arguments).
func (s *Server) unsubscribeAllOf(c *Client, ns *nameSet, notify bool, kind string,
	leave func(c *Client, name []byte, notify bool) bool) {
	names := append([]string(nil), ns.names...)
	for _, n := range names {
		leave(c, []byte(n), notify)
	}
	if notify && len(names) == 0 {
		count := c.subCount()
		if kind == "sunsubscribe" {
			count = c.shardSubCount()
		}
		c.replySubscription(kind, nil, true, count)
	}
}

// unsubscribeAll leaves every channel, shard channel and pattern (client freed, RESET).
func (s *Server) unsubscribeAll(c *Client, notify bool) {
	ps := c.pubsub()
	s.unsubscribeAllOf(c, &ps.channels, notify, "unsubscribe", s.unsubscribeChannel)
	s.unsubscribeAllOf(c, &ps.shard, notify, "sunsubscribe", s.unsubscribeShard)
	s.unsubscribeAllOf(c, &ps.patterns, notify, "punsubscribe", s.unsubscribePattern)
}

// Publish delivers message on channel to its subscribers and to the pattern
// subscribers whose pattern matches, and returns how many received it (Redis's
// pubsubPublishMessage). shard selects the shard-channel namespace, which patterns
// never match.
func (s *Server) Publish(channel, message []byte, shard bool) int {
	ps := &s.pubsub
	receivers := 0
	table, kind := ps.channels, "$7\r\nmessage\r\n"
	if shard {
		table, kind = ps.shard, "$8\r\nsmessage\r\n"
	}
	if subs := table[string(channel)]; subs != nil {
		b := append(ps.msg[:0], "*3\r\n"...)
		b = append(b, kind...)
		b = resp.AppendBulk(b, channel)
		b = resp.AppendBulk(b, message)
		ps.msg = b
		receivers += s.deliver(subs.clients, b)
	}
	if shard {
		return receivers
	}
	for i := 0; i < len(ps.patList); i++ {
		p := ps.patList[i]
		if !glob.GlobMatch(p.name, channel, false) {
			continue
		}
		b := append(ps.msg[:0], "*4\r\n$8\r\npmessage\r\n"...)
		b = resp.AppendBulk(b, p.name)
		b = resp.AppendBulk(b, channel)
		b = resp.AppendBulk(b, message)
		ps.msg = b
		receivers += s.deliver(p.clients, b)
	}
	return receivers
}

// deliver appends msg, a RESP2 array, to each client's reply, as a push for RESP3
// clients. Subscribers past their client-output-buffer-limit pubsub are closed
// asynchronously (so the list being walked never changes under us), as Redis's
// closeClientOnOutputBufferLimitReached does.
func (s *Server) deliver(clients []*Client, msg []byte) int {
	lim := s.cfg.ClientOutputBufferLimit[config.ClientPubSub]
	threshold := lim.Hard
	if lim.Soft > 0 && (threshold == 0 || lim.Soft < threshold) {
		threshold = lim.Soft
	}
	for _, c := range clients {
		if c.flags&(flagCloseASAP|flagCloseAfterReply) != 0 {
			continue // going away: Redis adds nothing to such a client, but counts it
		}
		start := len(c.out)
		c.out = append(c.out, msg...)
		if c.proto >= 3 {
			c.out[start] = '>'
		}
		c.pushEnd = len(c.out) // survives CLIENT REPLY OFF (dispatch.go)
		s.queueWrite(c)
		if threshold > 0 && int64(len(c.out)-c.sent) >= threshold {
			s.pubsubOutputLimit(c, lim)
		}
		s.clientMemChanged(c) // maxmemory-clients (client_evict.go)
	}
	return len(clients)
}

// pubsubOutputLimit applies the pubsub class of client-output-buffer-limit to a
// subscriber whose pending output grew: the hard limit closes it at once, the soft
// one once exceeded for soft-seconds. Only that client goes; the others keep
// receiving.
func (s *Server) pubsubOutputLimit(c *Client, lim config.OutputBufferLimit) {
	if !s.obufLimitReached(c, config.ClientPubSub) { // obuf_limit.go
		return
	}
	s.logObufClose(c, true)
	c.out = c.out[:c.sent] // dropped, as the connection is
	c.flags |= flagCloseASAP
	s.closeASAP = append(s.closeASAP, c)
}

// outputLimitClass is Redis's getClientOutputBufferLimitClass: the
// client-output-buffer-limit class that applies to c (a master link counts as normal).
func (s *Server) outputLimitClass(c *Client) int {
	x := s.clientExtra(c)
	switch s.clientType(c, &x) {
	case clientTypeReplica:
		return config.ClientReplica
	case clientTypePubSub:
		return config.ClientPubSub
	}
	return config.ClientNormal
}

// --- commands ------------------------------------------------------------------------------

// SUBSCRIBE channel [channel ...]
func subscribeCommand(c *Client) {
	for _, ch := range c.argv[1:] {
		c.srv.subscribeChannel(c, ch)
	}
}

// UNSUBSCRIBE [channel [channel ...]]
func unsubscribeCommand(c *Client) {
	s := c.srv
	if len(c.argv) == 1 {
		s.unsubscribeAllOf(c, &c.pubsub().channels, true, "unsubscribe", s.unsubscribeChannel)
		return
	}
	for _, ch := range c.argv[1:] {
		s.unsubscribeChannel(c, ch, true)
	}
}

// PSUBSCRIBE pattern [pattern ...]
func psubscribeCommand(c *Client) {
	for _, p := range c.argv[1:] {
		c.srv.subscribePattern(c, p)
	}
}

// PUNSUBSCRIBE [pattern [pattern ...]]
func punsubscribeCommand(c *Client) {
	s := c.srv
	if len(c.argv) == 1 {
		s.unsubscribeAllOf(c, &c.pubsub().patterns, true, "punsubscribe", s.unsubscribePattern)
		return
	}
	for _, p := range c.argv[1:] {
		s.unsubscribePattern(c, p, true)
	}
}

// SSUBSCRIBE shardchannel [shardchannel ...]
func ssubscribeCommand(c *Client) {
	if c.flags&flagDenyBlocking != 0 {
		// Inside MULTI or a script every command must reply once; unlike SUBSCRIBE,
		// Redis makes no exception for MULTI here.
		c.ReplyError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
		return
	}
	for _, ch := range c.argv[1:] {
		c.srv.subscribeShard(c, ch)
	}
}

// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
func sunsubscribeCommand(c *Client) {
	s := c.srv
	if len(c.argv) == 1 {
		s.unsubscribeAllOf(c, &c.pubsub().shard, true, "sunsubscribe", s.unsubscribeShard)
		return
	}
	for _, ch := range c.argv[1:] {
		s.unsubscribeShard(c, ch, true)
	}
}

// PUBLISH channel message
func publishCommand(c *Client) {
	c.ReplyInt(int64(c.srv.Publish(c.argv[1], c.argv[2], false)))
	c.srv.clusterPublishOut(c.argv[1], c.argv[2], false) // to the other nodes (cluster.go)
	c.srv.publishToReplicas(c)
}

// publishToReplicas sends a PUBLISH or SPUBLISH to the replicas, not to the AOF, as
// Redis 7.0 does outside cluster mode (the cluster bus carries it there): the
// replicas' subscribers get what is published on their master.
func (s *Server) publishToReplicas(c *Client) {
	if !s.cfg.ClusterEnabled && s.prop.repl != nil {
		s.propagateReplOnly(c.db.id, c.argv) // propagate.go
	}
}

// SPUBLISH shardchannel message
func spublishCommand(c *Client) {
	c.ReplyInt(int64(c.srv.Publish(c.argv[1], c.argv[2], true)))
	c.srv.clusterPublishOut(c.argv[1], c.argv[2], true) // to the shard's other nodes (cluster.go)
	c.srv.publishToReplicas(c)
}

// PUBSUB CHANNELS [pattern]
func pubsubChannelsCommand(c *Client) { replyChannelList(c, c.srv.pubsub.channels) }

// PUBSUB SHARDCHANNELS [pattern]
func pubsubShardchannelsCommand(c *Client) { replyChannelList(c, c.srv.pubsub.shard) }

func replyChannelList(c *Client, m map[string]*subscribers) {
	if len(c.argv) > 3 {
		c.replySubcommandSyntaxError()
		return
	}
	var pat []byte
	if len(c.argv) == 3 {
		pat = c.argv[2]
	}
	var names [][]byte
	for _, subs := range m {
		if pat == nil || glob.GlobMatch(pat, subs.name, false) {
			names = append(names, subs.name)
		}
	}
	c.ReplyArray(len(names))
	for _, n := range names {
		c.ReplyBulk(n)
	}
}

// PUBSUB NUMSUB [channel [channel ...]]
func pubsubNumsubCommand(c *Client) { replyNumSub(c, c.srv.pubsub.channels) }

// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
func pubsubShardnumsubCommand(c *Client) { replyNumSub(c, c.srv.pubsub.shard) }

func replyNumSub(c *Client, m map[string]*subscribers) {
	c.ReplyArray((len(c.argv) - 2) * 2)
	for _, ch := range c.argv[2:] {
		c.ReplyBulk(ch)
		n := 0
		if subs := m[string(ch)]; subs != nil {
			n = len(subs.clients)
		}
		c.ReplyInt(int64(n))
	}
}

// PUBSUB NUMPAT
func pubsubNumpatCommand(c *Client) { c.ReplyInt(int64(len(c.srv.pubsub.patterns))) }

// PUBSUB HELP
func pubsubHelpCommand(c *Client) {
	c.replyHelp([]string{
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	})
}
