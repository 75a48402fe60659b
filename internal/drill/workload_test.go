package drill

import (
	"context"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// TestUniqueWritesAndDurabilityChecker runs the workload against a real keygrid and
// shows the checker both ways: every acknowledged write is found while the server
// lives, and a kill -9 of a server with no persistence loses them all — which the
// checker must report, or it could not catch a real loss.
func TestUniqueWritesAndDurabilityChecker(t *testing.T) {
	srv := testutil.StartKeygrid(t)
	var h History
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	(&UniqueWrites{Addr: srv.Addr, Clients: 4, Rate: 2000}).Run(ctx, &h)
	acked := h.Acked(Write)
	if len(acked) < 500 {
		t.Fatalf("only %d writes acknowledged in 0.7 s at 2000/s", len(acked))
	}
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rc.Close()
	get := func(k string) (string, bool, error) {
		v, err := rc.Get(context.Background(), k).Result()
		if err == redis.Nil {
			return "", false, nil
		}
		return v, err == nil, err
	}
	rep, err := CheckDurability(h.Ops(), time.Now(), get)
	if err != nil || len(rep.Lost) != 0 || rep.Acked != len(acked) {
		t.Fatalf("live server: %v lost=%d acked=%d", err, len(rep.Lost), rep.Acked)
	}
	crash := time.Now()
	srv.Kill()
	srv.Restart()
	rc.Close()
	rc = redis.NewClient(&redis.Options{Addr: srv.Addr()})
	rep, err = CheckDurability(h.Ops(), crash, get)
	if err != nil || len(rep.Lost) != rep.Acked || rep.MaxLostAge < 500*time.Millisecond {
		t.Fatalf("after kill -9 without persistence every write is lost: %v lost=%d acked=%d age=%v", err, len(rep.Lost), rep.Acked, rep.MaxLostAge)
	}
	if d, ok := RecoveryAfter(h.Ops(), crash); ok {
		t.Fatalf("no write was sent after the crash, yet recovery %v", d)
	}
}
