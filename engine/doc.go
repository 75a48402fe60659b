// Package engine is keygrid's data node engine: one event loop that owns the keyspace
// and serves Redis clients, after Redis's single-threaded design.
//
// Main flow:
//
//	Server.Start          listen; create the loop (engine/loop) with serverCron at hz
//	Server.Run            on one locked OS thread: loop.Run
//	  onAccept            accept4, non-blocking, TCP_NODELAY; a Client per connection
//	  onReadable          read into the loop's shared buffer; processInput parses
//	                      requests (engine/resp) and runs each through processCommand:
//	                      lookup → arity → auth → checks → call → reply appended to c.out
//	  beforeSleep         free closed clients, fast expire cycle, then one write per
//	                      client with pending replies; EPOLLOUT only for sockets that block
//	  serverCron          active expiry, rehashing, client timeouts, pause expiry
//
// The keyspace (engine/keyspace) is a Redis-style dict per database (per hash slot in
// cluster mode). Command families live one per file (strings.go, keys.go, ...), each
// with its slice of Command specs; commands.go gathers them into the command table.
//
// Other goroutines never touch engine state: they call Submit, which runs a function
// on the loop. Later parts (replication, persistence, cluster) attach through the
// hooks in hooks.go and the propagate function.
package engine
