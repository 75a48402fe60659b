// Package proxy is `keygrid proxy`: one endpoint through which cluster-unaware Redis
// clients use a Redis Cluster (keygrid or redis-server) as if it were one server.
//
// Flow of one client request:
//
//	session.serve: read from the client socket, parse every complete request in the
//	  buffer (resp.Request), route each one (route.go), then wait for the batch and
//	  write all its replies in one write, in request order.
//	route: look up the command (commands.go, learned from COMMAND on a backend), hash
//	  its keys to a slot, pick the node from the slot map (topology.go), and queue the
//	  request on that node's shared pipelined connection (backend.go). Multi-key
//	  commands whose keys span slots are split per slot and merged (split.go).
//	backend: one writer goroutine coalesces the queued requests of all clients into one
//	  write; one reader goroutine matches replies to requests in FIFO order.
//	redirections: after a batch, MOVED (refresh the map, resend), ASK (ASKING + resend
//	  on the same connection), TRYAGAIN/CLUSTERDOWN (back off, resend) are followed
//	  before the client sees anything, within Config.RetryDeadline.
//
// Clients that need server-side state of their own get a dedicated backend connection
// for as long as they need it: MULTI/WATCH and blocking commands (pinned.go), SUBSCRIBE
// until the last unsubscribe (pubsub.go).
//
// Everything else the proxy answers itself or by asking every master (local.go); the
// slot map lives in topology.go, metrics in metrics.go, the options in config.go.
// docs/proxy.md is the user's view.
//
// Multi-key commands split across slots are not atomic: MSET over two slots may apply
// on one node and fail on the other; DEL/EXISTS/... sum what each node reports.
package proxy
