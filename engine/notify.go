package engine

// Keyspace notifications (Redis's notify.c): with notify-keyspace-events on, every
// event a command family raises through notifyKeyspace is published on
// __keyspace@<db>__:<key> (message: the event name) and/or
// __keyevent@<db>__:<event> (message: the key), through the ordinary Pub/Sub path.

import (
	"strconv"

	"github.com/keygrid/keygrid/engine/config"
)

// notifyConfigClass maps the engine's event classes (hooks.go) to the bits of the
// notify-keyspace-events directive (engine/config), which number them differently
// past 'm' (the directive also has a letterless "loaded" class).
func notifyConfigClass(class NotifyClass) config.NotifyFlags {
	const shared = NotifyKeyMiss<<1 - 1 // K E g $ l s h z x e t m: same bits
	f := config.NotifyFlags(class & shared)
	if class&NotifyModule != 0 {
		f |= config.NotifyModule
	}
	if class&NotifyNew != 0 {
		f |= config.NotifyNew
	}
	return f
}

// initNotify installs the publishing hook while notifications are on, so that with
// them off (the default) raising an event costs one nil check.
func (s *Server) initNotify() {
	s.applyNotifyConfig()
	s.configApplyHooks = append(s.configApplyHooks, func(changed []string) error {
		for _, name := range changed {
			if name == "notify-keyspace-events" {
				s.applyNotifyConfig()
			}
		}
		return nil
	})
}

func (s *Server) applyNotifyConfig() {
	if s.cfg.NotifyKeyspaceEvents&(config.NotifyKeyspace|config.NotifyKeyevent) == 0 {
		s.onNotify = nil
		return
	}
	s.onNotify = s.publishKeyspaceEvent
}

// publishKeyspaceEvent is Redis's notifyKeyspaceEvent: the keyspace channel first,
// then the keyevent one.
func (s *Server) publishKeyspaceEvent(class NotifyClass, event string, key []byte, db int) {
	flags := s.cfg.NotifyKeyspaceEvents
	if flags&notifyConfigClass(class) == 0 {
		return
	}
	ps := &s.pubsub
	ps.evBuf = append(ps.evBuf[:0], event...)
	if flags&config.NotifyKeyspace != 0 {
		ch := append(ps.chanBuf[:0], "__keyspace@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		ps.chanBuf = ch
		s.Publish(ch, ps.evBuf, false)
	}
	if flags&config.NotifyKeyevent != 0 {
		ch := append(ps.chanBuf[:0], "__keyevent@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		ps.chanBuf = ch
		s.Publish(ch, key, false)
	}
}

// notifyNewKey raises the "new" event of a key being created (Redis's dbAdd). It
// checks the 'n' class first, which is off unless asked for explicitly ('A' does
// not include it), so creating keys costs one test when nobody listens.
func (s *Server) notifyNewKey(db *DB, key []byte) {
	if s.cfg.NotifyKeyspaceEvents&config.NotifyNew != 0 {
		s.notifyKeyspace(NotifyNew, "new", key, db.id)
	}
}
