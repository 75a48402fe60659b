package engine

// LFU access counting (Redis's evict.c "LFU implementation"). Under an LFU
// maxmemory-policy the 24 clock bits of an entry's Meta hold, instead of the LRU
// clock,
//
//	   16 bits      8 bits
//	+------------+---------+
//	| last decr. | counter |
//	|  (minutes) |  (log)  |
//	+------------+---------+
//
// The counter is logarithmic: each access increments it with probability
// 1/((counter-LFU_INIT_VAL)*lfu-log-factor+1), so with the default factor 10 it
// reaches 255 after about a million accesses. It decays by one per lfu-decay-time
// minutes without access (lfuDecayed in keys.go, Redis's LFUDecrAndReturn). New keys
// start at LFU_INIT_VAL so that they survive a while before their first accesses.

import (
	"math/rand/v2"

	"github.com/keygrid/keygrid/engine/keyspace"
)

// lfuInitVal is Redis's LFU_INIT_VAL: the counter of a new key.
const lfuInitVal = 5

// lfuTimeInMinutes is Redis's LFUGetTimeInMinutes: unix minutes, 16 bits, wrapping.
func (s *Server) lfuTimeInMinutes() uint32 {
	return uint32(s.nowMs/60000) & 0xffff
}

// lfuLogIncr is Redis's LFULogIncr: increment counter with a probability that falls
// as the counter grows past lfuInitVal, saturating at 255.
func (s *Server) lfuLogIncr(counter uint32) uint32 {
	if counter >= 255 {
		return 255
	}
	baseval := float64(counter) - lfuInitVal
	if baseval < 0 {
		baseval = 0
	}
	p := 1.0 / (baseval*float64(s.cfg.LFULogFactor) + 1)
	if rand.Float64() < p {
		counter++
	}
	return counter
}

// updateLFU is Redis's updateLFU: decay the counter for the time since its last
// decrement, count this access, and stamp the current minute. It returns the new
// 24-bit clock field.
func (s *Server) updateLFU(field uint32) uint32 {
	counter := s.lfuLogIncr(s.lfuDecayed(field))
	return s.lfuTimeInMinutes()<<8 | counter
}

// touchLFU counts an access to e under an LFU policy (the lookups call it instead of
// touch).
func (s *Server) touchLFU(e *keyspace.Entry) {
	if s.noTouch {
		return
	}
	e.Meta = e.Meta&0xff | s.updateLFU(metaLRU(e.Meta))<<8
}

// newObjClock is the clock field of a new value (Redis's createObject): under an LFU
// policy the current minute and LFU_INIT_VAL, else the LRU clock.
func (s *Server) newObjClock() uint32 {
	if s.evict.lfu {
		return s.lfuTimeInMinutes()<<8 | lfuInitVal
	}
	return s.lruClock()
}
