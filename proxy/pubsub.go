// Pub/sub mode: a subscribed client talks to one node through a dedicated connection.
// A forwarder goroutine passes everything the node sends to the client, and counts the
// client's subscriptions from the (un)subscribe replies; after an unsubscribe the
// session sends a marker PING, and when the forwarder reaches it with no subscription
// left the client returns to the shared connections.

package proxy

import (
	"bytes"
	"net"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/slots"
)

// subMarker is the PING argument that marks "every reply to the unsubscribe is in".
const subMarker = "__keygrid_proxy_marker__"

var markerPing = resp.AppendCommand(nil, "PING", subMarker)

// subscribe enters pub/sub mode. SUBSCRIBE and PSUBSCRIBE may use any master (cluster
// nodes forward PUBLISH to each other); SSUBSCRIBE goes to the channel's slot.
func (s *session) subscribe(ci *cmdInfo, argv [][]byte, raw []byte) {
	slot := -1
	if ci.name == "ssubscribe" {
		for i := 1; i < len(argv); i++ {
			sl := slots.Slot(argv[i])
			if slot >= 0 && sl != slot {
				s.wbuf = append(s.wbuf, errCrossSlot...)
				return
			}
			slot = sl
		}
	}
	c, err := dialHandshake(s.p.cfg, s.p.pickAddr(slot, false, 0), s.proto, false)
	if err != nil {
		s.wbuf = append(s.wbuf, "-ERR proxy: "+err.Error()+"\r\n"...)
		return
	}
	// Replies of the requests before SUBSCRIBE go out before anything the node sends.
	if !s.writeOut() {
		c.Close()
		s.close = true
		return
	}
	s.sub = &syncConn{Conn: c}
	s.subEvents = make(chan int, 1)
	go s.forward(s.conn, s.sub, s.subEvents)
	s.subCommand(ci, argv, raw)
}

// subCommand passes a request of a subscribed client to its node.
func (s *session) subCommand(ci *cmdInfo, argv [][]byte, raw []byte) {
	cmd := raw
	if s.parser.Inline {
		cmd = encodeArgs(nil, argv)
	}
	unsub := ci.name == "unsubscribe" || ci.name == "punsubscribe" || ci.name == "sunsubscribe"
	if unsub {
		cmd = append(append([]byte(nil), cmd...), markerPing...)
	}
	if _, err := s.sub.Write(cmd); err != nil {
		s.close = true
		return
	}
	if !unsub {
		return
	}
	if n := <-s.subEvents; n == 0 {
		// The forwarder has stopped reading: the connection is ours to close.
		s.sub.Close()
		s.sub = nil
	} else if n < 0 {
		s.close = true
	}
}

// forward copies the node's replies to the client until the connection breaks or a
// marker finds no subscription left.
func (s *session) forward(client net.Conn, c *syncConn, events chan<- int) {
	var normal, shard int64
	for {
		raw, err := c.readReply()
		if err != nil {
			client.Close() // the client cannot go on without its subscriptions
			events <- -1
			return
		}
		if len(raw) < 64 && bytes.Contains(raw, []byte(subMarker)) {
			n := int(normal + shard)
			events <- n
			if n == 0 {
				return
			}
			continue
		}
		if (raw[0] == '*' || raw[0] == '>') && bytes.Contains(raw[:min(len(raw), 24)], []byte("subscribe")) {
			if v, err := resp.ParseReply(raw); err == nil && len(v.Elems) == 3 && v.Elems[2].Kind == resp.KindInt {
				switch v.Elems[0].Str {
				case "subscribe", "unsubscribe", "psubscribe", "punsubscribe":
					normal = v.Elems[2].Int
				case "ssubscribe", "sunsubscribe":
					shard = v.Elems[2].Int
				}
			}
		}
		s.wmu.Lock()
		_, err = client.Write(raw)
		s.wmu.Unlock()
		if err != nil {
			c.Close()
			events <- -1
			return
		}
	}
}
