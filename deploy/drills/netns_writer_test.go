package drills

// The writers of the partition drills: unique-key SETs (or INCRs of one counter)
// sent from a given client host to whatever address a resolver names now (the
// master a sentinel reports, the slot owner a cluster node reports), optionally
// followed by WAIT, recording per write whether the SET was acknowledged and
// whether WAIT confirmed it on enough replicas.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/netns"
	"github.com/redis/go-redis/v9"
)

// nsWrite is one write and what its client learned.
type nsWrite struct {
	Key     string
	Outcome drill.Outcome // of the SET / INCR itself
	Waited  bool          // WAIT confirmed it on Replicas replicas
	Reply   int64         // INCR's reply
	Err     string        // the error reply, if any
	Addr    string        // where it was sent
	Call    time.Time
	Acked   time.Time // when the SET / INCR reply came (before any WAIT)
	Return  time.Time // when the client was done with it (after WAIT)
}

// nsWriter writes from From to Resolve() until stopped.
type nsWriter struct {
	From    *netns.Host
	Resolve func() string // the address to write to now ("" = no known target yet)
	Prefix  string        // key prefix; writes are "<Prefix><seq>"
	Incr    string        // if set, INCR this key instead of unique SETs
	Wait    int           // if > 0, WAIT Wait replicas after each write
	WaitMs  int           // WAIT's timeout (default 1000)
	Timeout time.Duration // per command (default 500 ms)
	Rate    int           // writes per second (0 = back to back)

	mu     sync.Mutex
	writes []nsWrite
	stop   context.CancelFunc
	done   chan struct{}
}

// start runs the writer in the background.
func (w *nsWriter) start() {
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan struct{})
	go func() {
		defer close(w.done)
		w.run(ctx)
	}()
}

// halt stops the writer and waits for its last write to finish.
func (w *nsWriter) halt() {
	if w.stop != nil {
		w.stop()
		<-w.done
	}
}

func (w *nsWriter) run(ctx context.Context) {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = 500 * time.Millisecond
	}
	waitMs := w.WaitMs
	if waitMs <= 0 {
		waitMs = 1000
	}
	var rc *redis.Client
	var addr string
	defer func() {
		if rc != nil {
			rc.Close()
		}
	}()
	var interval time.Duration
	if w.Rate > 0 {
		interval = time.Second / time.Duration(w.Rate)
	}
	next := time.Now()
	for seq := 0; ctx.Err() == nil; seq++ {
		if interval > 0 {
			next = next.Add(interval)
			if d := time.Until(next); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(d):
				}
			} else if d < -time.Second {
				next = time.Now() // fell behind (no target): don't burst to catch up
			}
		}
		if a := w.Resolve(); a != addr || rc == nil {
			if rc != nil {
				rc.Close()
				rc = nil
			}
			addr = a
			if addr == "" {
				time.Sleep(20 * time.Millisecond) // no target known yet
				continue
			}
			// No retries: a retried write hides which attempt the outcome belongs to.
			readTimeout := timeout
			if w.Wait > 0 {
				readTimeout += time.Duration(waitMs) * time.Millisecond // WAIT blocks that long
			}
			// One dial attempt: go-redis otherwise dials 5 times per write, which
			// would make an unreachable master cost the client 2.5 s a write.
			rc = redis.NewClient(&redis.Options{Addr: addr, Dialer: w.From.Dial, MaxRetries: -1, Protocol: 2,
				DialTimeout: timeout, ReadTimeout: readTimeout, WriteTimeout: timeout, PoolSize: 1, DialerRetries: 1})
		}
		wr := nsWrite{Key: w.Prefix + strconv.Itoa(seq), Addr: addr, Call: time.Now(), Outcome: drill.OK}
		var err error
		if w.Incr != "" {
			wr.Key = w.Incr
			wr.Reply, err = rc.Incr(context.Background(), w.Incr).Result()
		} else {
			err = rc.Set(context.Background(), wr.Key, strconv.Itoa(seq), 0).Err()
		}
		wr.Acked = time.Now()
		if err == nil && w.Wait > 0 {
			n, werr := rc.Do(context.Background(), "WAIT", w.Wait, waitMs).Int64()
			wr.Waited = werr == nil && n >= int64(w.Wait)
		}
		wr.Return = time.Now()
		if err != nil {
			wr.Outcome = drill.Unknown
			var re redis.Error
			if errors.As(err, &re) {
				wr.Outcome = drill.Failed // an error reply: not applied
				wr.Err = err.Error()
			}
		}
		w.mu.Lock()
		w.writes = append(w.writes, wr)
		w.mu.Unlock()
		if wr.Outcome != drill.OK {
			// Reconnect (maybe elsewhere) after a failure, without spinning.
			rc.Close()
			rc = nil
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

// log returns a copy of the recorded writes.
func (w *nsWriter) log() []nsWrite {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]nsWrite(nil), w.writes...)
}

// firstAckAfter is when the first write sent after t (to address to, if to is
// given) was acknowledged (its own reply, before any WAIT).
func firstAckAfter(ws []nsWrite, t time.Time, to string) (time.Time, bool) {
	for _, w := range ws {
		if w.Outcome == drill.OK && w.Call.After(t) && (to == "" || w.Addr == to) {
			return w.Acked, true
		}
	}
	return time.Time{}, false
}

// errorsBetween counts the distinct errors (first 40 characters) of writes sent
// to addr between a and b: what a client saw while it could not write.
func errorsBetween(ws []nsWrite, a, b time.Time) map[string]int {
	out := map[string]int{}
	for _, w := range ws {
		if w.Outcome != drill.OK && w.Call.After(a) && w.Call.Before(b) {
			e := w.Err
			if w.Outcome == drill.Unknown {
				e = "no reply"
			}
			if len(e) > 40 {
				e = e[:40]
			}
			out[w.Addr+" "+e]++
		}
	}
	return out
}

// firstRefusedAfter is the return time of the first write after t answered with
// an error reply containing one of words.
func firstRefusedAfter(ws []nsWrite, t time.Time, words ...string) (time.Time, string, bool) {
	for _, w := range ws {
		if w.Outcome == drill.Failed && w.Call.After(t) {
			for _, word := range words {
				if strings.Contains(w.Err, word) {
					return w.Return, w.Err, true
				}
			}
		}
	}
	return time.Time{}, "", false
}

// lostWrites returns the acknowledged SETs (Waited ones only, if waited) whose key
// is missing from got.
func lostWrites(ws []nsWrite, got map[string]string, waited bool) []nsWrite {
	var lost []nsWrite
	for _, w := range ws {
		if w.Outcome != drill.OK || (waited && !w.Waited) {
			continue
		}
		if _, ok := got[w.Key]; !ok {
			lost = append(lost, w)
		}
	}
	return lost
}

// ackedKeys lists the keys of acknowledged SETs.
func ackedKeys(ws []nsWrite) []string {
	var keys []string
	for _, w := range ws {
		if w.Outcome == drill.OK {
			keys = append(keys, w.Key)
		}
	}
	return keys
}

func countAcked(ws []nsWrite, waited bool) int {
	n := 0
	for _, w := range ws {
		if w.Outcome == drill.OK && (!waited || w.Waited) {
			n++
		}
	}
	return n
}

// fixedAddr is a resolver that always names addr.
func fixedAddr(addr string) func() string { return func() string { return addr } }

// switchable is a resolver the drill points elsewhere (a manual promotion).
type switchable struct{ v atomic.Value }

func (s *switchable) set(addr string) { s.v.Store(addr) }
func (s *switchable) get() string {
	a, _ := s.v.Load().(string)
	return a
}
