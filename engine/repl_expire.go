package engine

// repl_expire.go: keys given a TTL on a writable replica by its own clients
// (Redis's slaveKeysWithExpire, rememberSlaveKeyWithExpire, expireSlaveKeys).
//
// A replica leaves expiry to its master, whose DELs arrive in the stream. A key
// written on a writable replica (replica-read-only no) by one of its clients is
// unknown to the master, which will never expire it: the replica remembers such
// keys, with the databases they were set in, and its cron expires them itself.

import "time"

// replicaRememberExpire notes that key got a TTL in db from a client of a
// writable replica (called by DB.SetExpire).
func (s *Server) replicaRememberExpire(db *DB, key []byte) {
	rs := &s.replica
	if rs.host == "" || s.cfg.ReplicaReadOnly || rs.applying || s.persist.loading || db.id >= 64 {
		return
	}
	if rs.expireKeys == nil {
		rs.expireKeys = make(map[string]uint64)
	}
	rs.expireKeys[string(key)] |= 1 << uint(db.id)
}

// replicaExpireKeys expires the remembered keys whose TTL passed, for at most
// about a millisecond per call (expireSlaveKeys, from the cron). A key that is
// gone, or lost its TTL, is forgotten in that database.
func (s *Server) replicaExpireKeys() {
	rs := &s.replica
	if len(rs.expireKeys) == 0 || !s.activeExpire || rs.host == "" || s.expirePaused() {
		return
	}
	start := time.Now()
	now := start.UnixMilli()
	n := 0
	for key, dbs := range rs.expireKeys {
		kb := []byte(key)
		left := dbs
		for id := 0; id < len(s.dbs) && id < 64; id++ {
			bit := uint64(1) << uint(id)
			if dbs&bit == 0 {
				continue
			}
			db := s.dbs[id]
			d, r := db.find(kb)
			if r == 0 || d.E(r).Expire == 0 {
				left &^= bit
				continue
			}
			if d.E(r).Expire <= now {
				db.expireEntry(d, r, kb)
				left &^= bit
			}
		}
		if left == 0 {
			delete(rs.expireKeys, key)
		} else {
			rs.expireKeys[key] = left
		}
		if n++; n%64 == 0 && time.Since(start) > time.Millisecond {
			return
		}
	}
}
