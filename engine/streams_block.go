package engine

// Blocking XREAD and XREADGROUP. (Stub until engine/blocking.go lands.)

import "github.com/keygrid/keygrid/engine/stream"

// blockingDenied reports whether the client may not block (MULTI, scripts).
func (c *Client) blockingDenied() bool { return false }

// blockForStreams blocks the client on the streams of an XREAD / XREADGROUP.
func (c *Client) blockForStreams(a *xreadArgs, ids []stream.ID) { c.ReplyNullArray() }

// signalStreamReady wakes clients blocked on key.
func (s *Server) signalStreamReady(db *DB, key []byte) {}
