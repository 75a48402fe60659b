package engine

// Extension points: the places where later parts of the engine (transactions, pub/sub,
// blocking operations, ACL, replication, persistence) attach to the core without the
// core knowing them. Each hook runs on the loop goroutine.

import (
	"net"

	"github.com/keygrid/keygrid/engine/keyspace"

	"golang.org/x/sys/unix"
)

// Keyspace notification classes (notify-keyspace-events letters).
type NotifyClass uint16

const (
	NotifyKeyspace NotifyClass = 1 << iota // K
	NotifyKeyevent                         // E
	NotifyGeneric                          // g
	NotifyString                           // $
	NotifyList                             // l
	NotifySet                              // s
	NotifyHash                             // h
	NotifyZSet                             // z
	NotifyExpired                          // x
	NotifyEvicted                          // e
	NotifyStream                           // t
	NotifyKeyMiss                          // m
	NotifyModule                           // d
	NotifyNew                              // n
)

type hookSet struct {
	beforeSleepHooks []func()
	cronHooks        []func()
	shutdownHooks    []func(nosave, save bool) error
	onClientReset    []func(c *Client)
	onExpired        []func(db *DB, key []byte)
	// onModified runs when a key is modified (WATCH invalidation, client tracking).
	onModified []func(db *DB, key []byte)
	// onFlush runs before FLUSHDB (with the db's id) or FLUSHALL (with -1) empties the
	// keyspace, so WATCH and client tracking can look at the keys about to go.
	onFlush []func(dbid int)
	// afterFlush runs once FLUSHDB or FLUSHALL has emptied the keyspace (FLUSHALL
	// saves an empty RDB when save points are configured, as Redis 7.0 does).
	afterFlush []func(dbid int)
	// onSwapDB runs before SWAPDB exchanges the contents of two databases (WATCH,
	// clients blocked on keys).
	onSwapDB []func(a, b *DB)
	// onNotify delivers keyspace events (pub/sub).
	onNotify func(class NotifyClass, event string, key []byte, db int)
	// authenticator checks user/password when ACL users exist; nil means requirepass only.
	authenticator func(c *Client, user, pass string) bool
	authNeeded    func(c *Client) bool
	// roleFn reports "master" or "slave" (replication).
	roleFn func() string
	// blocked and pubsub report client states owned by later parts.
	blockedFn func(c *Client) bool
	pubsubFn  func(c *Client) bool
	// replicaNoExpire is set on replicas, which leave expiry to their master.
	replicaNoExpire bool
	// noTouch suppresses LRU updates (OBJECT IDLETIME must not reset the clock).
	noTouch bool
	// clientInfoHooks fill in what later parts know about a client (subscriptions,
	// MULTI, tracking, replica or master link) for CLIENT LIST, CLIENT KILL TYPE and
	// INFO clients; see clientExtra in client_cmd.go.
	clientInfoHooks []func(c *Client, x *clientExtra)
	// infoHooks let later parts set or add INFO fields (persistence, replication,
	// pub/sub counters); see InfoSection in info.go.
	infoHooks []func(section string, sec *InfoSection)
	// userExists reports whether an ACL user exists (CLIENT KILL USER); nil means
	// only "default" exists.
	userExists func(name string) bool
	// configApplyHooks run after CONFIG SET changed the named directives (canonical
	// names), once the engine applied its own; an error undoes the whole CONFIG SET
	// and is replied (use config.SetError for Redis's wording).
	configApplyHooks []func(changed []string) error
	// beforeRewriteHooks run before CONFIG REWRITE writes the file (ACL users are
	// stored into the Config there).
	beforeRewriteHooks []func()
	// resetStatHooks run on CONFIG RESETSTAT, for counters owned by later parts.
	resetStatHooks []func()
	// rdbSavedLen is the size of a value in an RDB file (DEBUG OBJECT
	// serializedlength), set by the persistence part.
	rdbSavedLen func(e *keyspace.Entry) int64
}

// signalModified tells watchers that key changed (Redis's signalModifiedKey).
func (s *Server) signalModified(db *DB, key []byte) {
	for _, h := range s.onModified {
		h(db, key)
	}
}

// notifyKeyspace publishes a keyspace event when notifications are on.
func (s *Server) notifyKeyspace(class NotifyClass, event string, key []byte, db int) {
	if s.onNotify != nil {
		s.onNotify(class, event, key, db)
	}
}

func (s *Server) isBlockedClient(c *Client) bool { return s.blockedFn != nil && s.blockedFn(c) }
func (s *Server) isPubSubClient(c *Client) bool  { return s.pubsubFn != nil && s.pubsubFn(c) }

// protectedModeDenied applies protected mode (Redis 7.0): with protected-mode on and no
// password for the default user, only loopback and unix-socket clients are accepted.
func (s *Server) protectedModeDenied(c *Client, sa unix.Sockaddr) bool {
	if !s.cfg.ProtectedMode || c.flags&flagUnixSocket != 0 || !s.authDefaultNoPass() {
		return false
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return !net.IP(a.Addr[:]).IsLoopback()
	case *unix.SockaddrInet6:
		return !net.IP(a.Addr[:]).IsLoopback()
	}
	return false
}

func (s *Server) authDefaultNoPass() bool {
	if s.authNeeded != nil {
		return false
	}
	return s.cfg.RequirePass == ""
}
