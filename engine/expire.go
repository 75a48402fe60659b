package engine

import "time"

// Active expiry, after Redis's activeExpireCycle (expire.c). Lazy expiry alone would
// keep keys that are never read again forever, so the cron samples keys that have a
// TTL and deletes the expired ones, repeating while many of the sample had expired, and
// stopping at a CPU budget: a slow cycle from serverCron with a share of each cron
// period, and a fast 1 ms cycle from beforeSleep when the last slow cycle ran out of time.

type expireStats struct {
	timeLimitHit  bool
	lastFastCycle time.Time
	stalePerc     float64
}

// Tunables derived from active-expire-effort (1..10), as in Redis 7.0.
func (s *Server) expireTunables() (keysPerLoop int, fastDuration time.Duration, slowPerc int, stale int) {
	effort := s.cfg.ActiveExpireEffort - 1
	if effort < 0 {
		effort = 0
	}
	keysPerLoop = 20 + 20/4*effort
	fastDuration = time.Duration(1000+1000/4*effort) * time.Microsecond
	slowPerc = 25 + 2*effort
	stale = 10 - effort
	return
}

func (s *Server) activeExpireCycle(fast bool) {
	if !s.expireAllowed() || s.expirePaused() {
		return
	}
	keysPerLoop, fastDur, slowPerc, stale := s.expireTunables()
	start := time.Now()
	if fast {
		// Don't start a fast cycle if the last one was recent or nothing is stale.
		if !s.expireStats.timeLimitHit && s.expireStats.stalePerc < float64(stale) {
			return
		}
		if start.Sub(s.expireStats.lastFastCycle) < 2*fastDur {
			return
		}
		s.expireStats.lastFastCycle = start
	}
	limit := time.Second * time.Duration(slowPerc) / time.Duration(s.hz) / 100
	if fast {
		limit = fastDur
	}
	if limit <= 0 {
		limit = time.Microsecond
	}
	s.nowMs = start.UnixMilli()
	s.expireStats.timeLimitHit = false
	var totalSampled, totalExpired int
	iteration := 0
	for _, db := range s.dbs {
		// db.keys first: it is O(1), while VolatileLen sums 16384 dicts in cluster mode.
		if db.keys == 0 || db.VolatileLen() == 0 {
			continue
		}
		for {
			sampled, expired := db.expireSample(keysPerLoop)
			totalSampled += sampled
			totalExpired += expired
			iteration++
			if iteration&15 == 0 && time.Since(start) > limit {
				s.expireStats.timeLimitHit = true
				s.stats.expiredTimeCapReached++
				break
			}
			if sampled == 0 || expired*100/sampled <= stale {
				break
			}
		}
		if s.expireStats.timeLimitHit {
			break
		}
	}
	cur := 0.0
	if totalSampled > 0 {
		cur = float64(totalExpired) / float64(totalSampled)
	}
	// Moving average, as Redis's stat_expired_stale_perc (5% weight for the new value).
	s.expireStats.stalePerc = cur*0.05 + s.expireStats.stalePerc*0.95
	s.stats.expiredStalePerc = s.expireStats.stalePerc * 100
	// LATENCY: a cycle over latency-monitor-threshold is an "expire-cycle" event
	// (Redis's latencyAddSampleIfNeeded at the end of activeExpireCycle).
	if ms := time.Since(start).Milliseconds(); s.cfg.LatencyMonitorThreshold > 0 && ms >= s.cfg.LatencyMonitorThreshold {
		s.latencyAdd("expire-cycle", ms)
	}
}

// expireSample checks up to n random keys that have a TTL and deletes the expired ones.
func (db *DB) expireSample(n int) (sampled, expired int) {
	now := db.srv.nowMs
	var ttlSum, ttlCount int64
	for i := 0; i < n; i++ {
		d := db.dicts[0]
		if len(db.dicts) > 1 {
			// Walk slots that have volatile keys in turn.
			found := false
			for j := 0; j < len(db.dicts); j++ {
				cand := db.dicts[(db.expireSlot+j)%len(db.dicts)]
				if cand.VolatileLen() > 0 {
					db.expireSlot = (db.expireSlot + j + 1) % len(db.dicts)
					d, found = cand, true
					break
				}
			}
			if !found {
				break
			}
		}
		r := d.RandomVolatile()
		if r == 0 {
			break
		}
		sampled++
		e := d.E(r)
		if e.Expire <= now {
			key := []byte(e.Key())
			db.expireEntry(d, r, key)
			expired++
		} else {
			ttlSum += e.Expire - now
			ttlCount++
		}
	}
	if ttlCount > 0 {
		avg := ttlSum / ttlCount
		if db.avgTTL == 0 {
			db.avgTTL = avg
		} else {
			db.avgTTL = (db.avgTTL/50)*49 + avg/50
		}
	}
	return
}
