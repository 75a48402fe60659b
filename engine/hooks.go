package engine

// Extension points: the places where later parts of the engine (transactions, pub/sub,
// blocking operations, ACL, replication, persistence) attach to the core without the
// core knowing them. Each hook runs on the loop goroutine.

import (
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
	// functionLibraries returns the code of every function library, which RDB
	// files carry (FUNCTION2 opcodes), and loadFunctionLibrary loads one read
	// from a file; set by the scripting part (rdb_file.go).
	functionLibraries   func() [][]byte
	loadFunctionLibrary func(code []byte) error
	// rdbReplInfo gives the repl-stream-db, repl-id and repl-offset aux fields
	// of an RDB file, ok false when there are none to write; set by replication.
	rdbReplInfo func() (streamDB int, replID string, offset int64, ok bool)
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

// protectedModeDenied applies protected mode as Redis 7.0's clientAcceptHandler does:
// with protected-mode on and no password for the default user, only local clients are
// accepted, whatever the bind addresses. Local is Redis 7.0's islocalClient: a unix
// socket, or a peer address of exactly 127.0.0.1 or ::1 (not the rest of 127.0.0.0/8,
// nor an IPv4-mapped address).
func (s *Server) protectedModeDenied(c *Client, sa unix.Sockaddr) bool {
	if !s.cfg.ProtectedMode || c.flags&flagUnixSocket != 0 || !s.defaultUserNoPass(c) {
		return false
	}
	return !isLocalSockaddr(sa)
}

// isLocalSockaddr reports whether a peer address is 127.0.0.1 or ::1, the only TCP
// peers Redis 7.0 treats as local (protected mode, enable-debug-command local,
// enable-protected-configs local).
func isLocalSockaddr(sa unix.Sockaddr) bool {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Addr == [4]byte{127, 0, 0, 1}
	case *unix.SockaddrInet6:
		return a.Addr == [16]byte{15: 1}
	case *unix.SockaddrUnix:
		return true
	}
	return false
}

// defaultUserNoPass reports whether the default user needs no password (Redis's
// USER_FLAG_NOPASS on DefaultUser): requirepass is empty, or, with ACL users, a new
// client c would not have to authenticate.
func (s *Server) defaultUserNoPass(c *Client) bool {
	if s.authNeeded != nil {
		return !s.authNeeded(c)
	}
	return s.cfg.RequirePass == ""
}
