package drill

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// UniqueWrites is the durability workload: Clients connections SET keys that are
// never written twice ("<Prefix><client>:<seq>" = "<seq>"), at Rate writes per second
// in all, recording every outcome. A write whose key is missing after a crash was
// lost; with unique keys there is no ambiguity about which write a value came from.
type UniqueWrites struct {
	Addr    func() string // where to send writes now (changes after a failover)
	Clients int           // parallel connections (default 8)
	Rate    int           // writes per second in all; 0 means as fast as possible
	Timeout time.Duration // per write; no reply in time makes the outcome Unknown (default 1 s)
	Prefix  string        // key prefix (default "drill:")
}

// Run writes until ctx is done, then returns. Outcomes go to h.
func (u *UniqueWrites) Run(ctx context.Context, h *History) {
	clients, timeout, prefix := u.Clients, u.Timeout, u.Prefix
	if clients <= 0 {
		clients = 8
	}
	if timeout <= 0 {
		timeout = time.Second
	}
	if prefix == "" {
		prefix = "drill:"
	}
	var interval time.Duration
	if u.Rate > 0 {
		interval = time.Duration(int64(time.Second) * int64(clients) / int64(u.Rate))
	}
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			u.client(ctx, h, id, prefix, timeout, interval)
		}(i)
	}
	wg.Wait()
}

func (u *UniqueWrites) client(ctx context.Context, h *History, id int, prefix string, timeout, interval time.Duration) {
	var rc *redis.Client
	var addr string
	defer func() {
		if rc != nil {
			rc.Close()
		}
	}()
	next := time.Now()
	for seq := 0; ctx.Err() == nil; seq++ {
		if a := u.Addr(); a != addr || rc == nil {
			if rc != nil {
				rc.Close()
			}
			addr = a
			// No retries: a retried write hides which attempt the outcome belongs to.
			rc = redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: timeout,
				ReadTimeout: timeout, WriteTimeout: timeout, PoolSize: 1, Protocol: 2})
		}
		if interval > 0 {
			next = next.Add(interval)
			if d := time.Until(next); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(d):
				}
			} else if d < -time.Second {
				next = time.Now() // fell behind (server down): don't burst to catch up
			}
		}
		key := prefix + strconv.Itoa(id) + ":" + strconv.Itoa(seq)
		val := strconv.Itoa(seq)
		call := time.Now()
		err := rc.Set(context.Background(), key, val, 0).Err()
		op := Op{Client: id, Kind: Write, Key: key, Value: val, Call: call, Return: time.Now(), Outcome: OK}
		if err != nil {
			op.Outcome = Unknown
			var re redis.Error
			if errors.As(err, &re) {
				op.Outcome = Failed // the server answered with an error: not applied
			}
		}
		h.Add(op)
		if op.Outcome != OK {
			// The server is down or refusing: don't spin, and reconnect.
			rc.Close()
			rc = nil
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}

// RecoveryAfter returns how long after t the first write was acknowledged that was
// sent after t: the time a fault at t kept clients from writing.
func RecoveryAfter(ops []Op, t time.Time) (time.Duration, bool) {
	var first time.Time
	for _, op := range ops {
		if op.Outcome == OK && op.Call.After(t) && (first.IsZero() || op.Return.Before(first)) {
			first = op.Return
		}
	}
	if first.IsZero() {
		return 0, false
	}
	return first.Sub(t), true
}
