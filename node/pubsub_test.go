package node_test

// Pub/Sub through the real binary with go-redis v9's PubSub, in RESP2 and RESP3:
// 50 subscribers to one channel and one pattern each receive every message in
// order; a subscriber that never reads is disconnected by the pubsub output buffer
// limit while the others keep receiving; keyspace notifications reach a go-redis
// subscriber.

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

func TestGoRedisPubSub50(t *testing.T) {
	s := testutil.StartKeygrid(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			const subs, msgs = 50, 200
			var pss []*redis.PubSub
			for i := 0; i < subs; i++ {
				rdb := client(t, s, func(o *redis.Options) { o.Protocol = proto })
				ps := rdb.Subscribe(ctx, "news")
				if err := ps.PSubscribe(ctx, "new*"); err != nil {
					t.Fatal(err)
				}
				// Receive waits for the subscription confirmations.
				for j := 0; j < 2; j++ {
					if _, err := ps.ReceiveTimeout(ctx, 5*time.Second); err != nil {
						t.Fatal(err)
					}
				}
				t.Cleanup(func() { ps.Close() })
				pss = append(pss, ps)
			}
			pub := client(t, s, func(o *redis.Options) { o.Protocol = proto })
			if n, err := pub.PubSubNumSub(ctx, "news").Result(); err != nil || n["news"] != subs {
				t.Fatalf("PUBSUB NUMSUB = %v, %v", n, err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, subs)
			for _, ps := range pss {
				wg.Add(1)
				go func(ps *redis.PubSub) {
					defer wg.Done()
					for i := 0; i < msgs; i++ {
						want := fmt.Sprint("m", i)
						for _, pattern := range []string{"", "new*"} {
							v, err := ps.ReceiveTimeout(ctx, 10*time.Second)
							if err != nil {
								errs <- err
								return
							}
							m, ok := v.(*redis.Message)
							if !ok || m.Channel != "news" || m.Payload != want || m.Pattern != pattern {
								errs <- fmt.Errorf("message %d: got %#v", i, v)
								return
							}
						}
					}
				}(ps)
			}
			for i := 0; i < msgs; i++ {
				n, err := pub.Publish(ctx, "news", fmt.Sprint("m", i)).Result()
				if err != nil || n != 2*subs {
					t.Fatalf("PUBLISH = %d, %v", n, err)
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		})
	}
}

// A subscriber that never reads is closed when its pending output passes the
// hard limit of client-output-buffer-limit pubsub; the others get everything.
func TestSlowSubscriberDisconnected(t *testing.T) {
	s := testutil.StartKeygrid(t, "--client-output-buffer-limit", "pubsub 1mb 0 0")
	ctx := context.Background()
	// The slow one is a raw socket with a small receive buffer that it never reads.
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(nc, "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")

	fast := client(t, s).Subscribe(ctx, "ch")
	defer fast.Close()
	if _, err := fast.ReceiveTimeout(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	pub := client(t, s)
	testutil.WaitFor(t, 5*time.Second, func() bool {
		n, _ := pub.PubSubNumSub(ctx, "ch").Result()
		return n["ch"] == 2
	}, "both subscribers registered")
	payload := strings.Repeat("p", 16<<10)
	const n = 1000 // 16 MB
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			v, err := fast.ReceiveTimeout(ctx, 10*time.Second)
			if err != nil {
				done <- err
				return
			}
			if m, ok := v.(*redis.Message); !ok || m.Payload != payload {
				done <- fmt.Errorf("message %d: %T", i, v)
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < n; i++ {
		if err := pub.Publish(ctx, "ch", payload).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("fast subscriber: %v", err)
	}
	if got, err := pub.PubSubNumSub(ctx, "ch").Result(); err != nil || got["ch"] != 1 {
		t.Fatalf("PUBSUB NUMSUB after the overflow = %v, %v", got, err)
	}
	list, err := pub.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(list, "flags=P") != 1 {
		t.Fatalf("CLIENT LIST still shows the slow subscriber:\n%s", list)
	}
}

func TestGoRedisKeyspaceNotifications(t *testing.T) {
	s := testutil.StartKeygrid(t, "--notify-keyspace-events", "KEA")
	ctx := context.Background()
	rdb := client(t, s, func(o *redis.Options) { o.Protocol = 3 })
	ps := rdb.PSubscribe(ctx, "__keyevent@0__:*")
	defer ps.Close()
	if _, err := ps.ReceiveTimeout(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	w := client(t, s)
	w.Set(ctx, "k", "v", 0)
	w.LPush(ctx, "l", "a")
	for _, want := range []string{"__keyevent@0__:set k", "__keyevent@0__:lpush l"} {
		v, err := ps.ReceiveTimeout(ctx, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := v.(*redis.Message)
		if !ok || m.Channel+" "+m.Payload != want {
			t.Fatalf("got %#v, want %s", v, want)
		}
	}
}
