// Sentinel events: logged, and published on the pub/sub channel named after the
// event type, in Redis Sentinel's message format.

package sentinel

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/resp"
)

// instanceDesc is Redis's "%@" format: "master <name> <ip> <port>", or for a
// replica or sentinel "<kind> <name> <ip> <port> @ <master> <ip> <port>".
func instanceDesc(ri *instance) string {
	var b strings.Builder
	b.WriteString(ri.kind.String())
	b.WriteByte(' ')
	b.WriteString(ri.name)
	b.WriteByte(' ')
	b.WriteString(ri.ip)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(ri.port))
	if ri.kind != kindMaster {
		m := ri.master
		fmt.Fprintf(&b, " @ %s %s %d", m.name, m.ip, m.port)
	}
	return b.String()
}

// instanceDescAt is instanceDesc with the master at mip:mport: events of a
// failover's last phase name the old master, as Redis's do, although the switch
// was already committed.
func instanceDescAt(ri *instance, mip string, mport int) string {
	var b strings.Builder
	b.WriteString(ri.kind.String())
	b.WriteByte(' ')
	b.WriteString(ri.name)
	b.WriteByte(' ')
	if ri.kind == kindMaster {
		b.WriteString(mip)
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(mport))
		return b.String()
	}
	b.WriteString(ri.ip)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(ri.port))
	fmt.Fprintf(&b, " @ %s %s %d", ri.master.name, mip, mport)
	return b.String()
}

// eventAt is eventUnlocked describing ri's master at mip:mport (instanceDescAt).
func (s *Sentinel) eventAt(typ string, ri *instance, mip string, mport int) {
	s.mu.Lock()
	msg := instanceDescAt(ri, mip, mport)
	script := notifyScript(ri)
	s.mu.Unlock()
	s.emit(typ, msg, script)
}

// event reports an event about ri; extra (printf-style) is appended after a space.
func (s *Sentinel) event(typ string, ri *instance, extra string, args ...any) {
	msg := instanceDesc(ri)
	if extra != "" {
		msg += " " + fmt.Sprintf(extra, args...)
	}
	s.emit(typ, msg, notifyScript(ri))
}

// eventUnlocked is event for goroutines that do not hold mu: the instance's
// description is read under it.
func (s *Sentinel) eventUnlocked(typ string, ri *instance, extra string, args ...any) {
	s.mu.Lock()
	msg := instanceDesc(ri)
	script := notifyScript(ri)
	s.mu.Unlock()
	if extra != "" {
		msg += " " + fmt.Sprintf(extra, args...)
	}
	s.emit(typ, msg, script)
}

// eventf reports an event whose message is not about one instance
// (+new-epoch, +switch-master, +tilt).
func (s *Sentinel) eventf(typ, format string, args ...any) {
	s.emit(typ, fmt.Sprintf(format, args...), "")
}

// eventm is eventf for an event about master m whose message is not an
// instance description (+new-epoch, +switch-master): m's notification script
// runs. The caller holds s.mu.
func (s *Sentinel) eventm(typ string, m *master, format string, args ...any) {
	script := ""
	if m != nil {
		script = m.cfg.NotificationScript
	}
	s.emit(typ, fmt.Sprintf(format, args...), script)
}

// notifyScript is the notification script of ri's master (caller holds s.mu).
func notifyScript(ri *instance) string {
	if ri == nil || ri.master == nil {
		return ""
	}
	return ri.master.cfg.NotificationScript
}

// emit logs and publishes an event. script, if set, is the notification script
// of the master the event is about: Redis runs it, with the event type and
// message as arguments, for every event it logs at warning level.
func (s *Sentinel) emit(typ, msg, script string) {
	// Logged as Redis's sentinelEvent does: "<type> <message>", at notice ('*')
	// or warning ('#') level as Redis logs that event.
	if noticeEvents[typ] {
		s.log.Info(typ + " " + msg)
	} else {
		s.log.Warn(typ + " " + msg)
	}
	s.ps.publish(typ, msg)
	if script != "" && !noticeEvents[typ] {
		s.scheduleScript(script, typ, msg)
	}
}

// noticeEvents are the events Redis logs at notice level; the others at warning.
var noticeEvents = map[string]bool{"+convert-to-slave": true, "+failover-state-send-slaveof-noone": true,
	"+failover-state-wait-promotion": true, "+fix-slave-config": true, "+reboot": true, "+sentinel": true,
	"+sentinel-address-switch": true, "+sentinel-address-update": true, "+sentinel-invalid-addr": true,
	"+slave": true, "+slave-reconf-done": true, "+slave-reconf-inprog": true, "+slave-reconf-sent": true,
	"+slave-reconf-sent-be": true, "-slave-reconf-sent-timeout": true}

// pubsub is the sentinel's own channel registry. Clients subscribe on the
// sentinel's port; events are fanned out here.
type pubsub struct {
	mu       sync.Mutex
	channels map[string]map[*client]struct{}
	patterns map[string]map[*client]struct{}
}

func newPubsub() *pubsub {
	return &pubsub{channels: map[string]map[*client]struct{}{}, patterns: map[string]map[*client]struct{}{}}
}

func (p *pubsub) subscribe(c *client, ch string, pattern bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tbl := p.channels
	if pattern {
		tbl = p.patterns
	}
	if tbl[ch] == nil {
		tbl[ch] = map[*client]struct{}{}
	}
	tbl[ch][c] = struct{}{}
}

func (p *pubsub) unsubscribe(c *client, ch string, pattern bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tbl := p.channels
	if pattern {
		tbl = p.patterns
	}
	delete(tbl[ch], c)
	if len(tbl[ch]) == 0 {
		delete(tbl, ch)
	}
}

// publish delivers msg to subscribers of ch and of matching patterns and returns
// how many received it.
func (p *pubsub) publish(ch, msg string) int {
	type target struct {
		c   *client
		pat string
	}
	p.mu.Lock()
	var ts []target
	for c := range p.channels[ch] {
		ts = append(ts, target{c: c})
	}
	for pat, cs := range p.patterns {
		if config.Match(pat, ch, false) {
			for c := range cs {
				ts = append(ts, target{c: c, pat: pat})
			}
		}
	}
	p.mu.Unlock()
	for _, t := range ts {
		t.c.deliver(t.pat, ch, msg)
	}
	return len(ts)
}

func (p *pubsub) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[*client]bool{}
	for _, tbl := range []map[string]map[*client]struct{}{p.channels, p.patterns} {
		for _, cs := range tbl {
			for c := range cs {
				if !seen[c] {
					seen[c] = true
					c.nc.Close()
				}
			}
		}
	}
}

// deliver queues one (p)message for c. It never blocks, since events are emitted
// with Sentinel.mu held: a client that lets 1024 messages pile up is disconnected.
func (c *client) deliver(pattern, ch, msg string) {
	var b []byte
	if pattern != "" {
		b = resp.AppendPush(b, 4, c.proto)
		b = resp.AppendBulkString(b, "pmessage")
		b = resp.AppendBulkString(b, pattern)
	} else {
		b = resp.AppendPush(b, 3, c.proto)
		b = resp.AppendBulkString(b, "message")
	}
	b = resp.AppendBulkString(b, ch)
	b = resp.AppendBulkString(b, msg)
	c.writerOnce.Do(func() { go c.writer() })
	select {
	case c.outq <- b:
	default:
		c.nc.Close()
	}
}

// writer sends queued messages; it ends with the connection.
func (c *client) writer() {
	for {
		select {
		case b := <-c.outq:
			c.reply(b)
		case <-c.done:
			return
		}
	}
}

// counts is how many channels and patterns have subscribers (INFO stats).
func (p *pubsub) counts() (channels, patterns int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.channels), len(p.patterns)
}
