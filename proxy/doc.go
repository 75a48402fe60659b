// Package proxy is `keygrid proxy`: one endpoint through which cluster-unaware Redis
// clients use a Redis Cluster (keygrid or redis-server) as if it were one server.
//
// The data path is one event loop (engine/loop) on one thread, as in Redis:
//
//	client readable (session.go): one read, parse every complete request, route each
//	  one: answer it (local.go), or hash its keys to a slot, pick the node from the
//	  slot map (topology.go) and append it to that node's shared connection
//	  (backend.go), queued behind the client's earlier requests. Multi-key commands
//	  whose keys span slots are split per slot and merged (split.go).
//	backend readable: one read; each reply (found by the zero-allocation scanner,
//	  scan.go) goes to the request at the head of the connection's FIFO, and from
//	  there into its client's output in request order. MOVED, ASK, TRYAGAIN,
//	  CLUSTERDOWN and unreachable nodes are followed there (resend, or a loop timer
//	  with backoff) within Config.RetryDeadline, before the client sees anything.
//	before sleeping (proxy.go): one write per backend with queued requests, then one
//	  write per client with replies (held while a request from the same client read
//	  is pending, so a pipeline spread over nodes leaves in one write: session.flush).
//
// Clients that need server-side state of their own, or a command that asks every
// master, leave the loop for a goroutine (detached.go) until that state ends:
// MULTI/WATCH and blocking commands (pinned.go), SUBSCRIBE until the last unsubscribe
// (pubsub.go), DBSIZE/SCAN/KEYS/INFO/... (local.go). docs/proxy.md is the user's view.
//
// Multi-key commands split across slots are not atomic: MSET over two slots may apply
// on one node and fail on the other; DEL/EXISTS/... sum what each node reports.
package proxy
