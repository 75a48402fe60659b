package node_test

// Scripting through the real binary with go-redis v9: the distributed-lock pattern
// (SET NX PX to acquire, a check-and-delete script to release) with many clients
// must never let two of them hold the lock at once; go-redis's Script helper
// (EVALSHA, falling back to EVAL on NOSCRIPT) and FCALL work as against Redis.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// The release script of the Redis documentation's single-instance lock.
var unlockScript = redis.NewScript(`
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
else
    return 0
end`)

func TestGoRedisDistributedLock(t *testing.T) {
	s := testutil.StartKeygrid(t)
	ctx := context.Background()
	const workers, rounds = 16, 40
	var holders atomic.Int32
	var acquired atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		rdb := client(t, s)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				token := fmt.Sprintf("w%d-r%d", w, r)
				deadline := time.Now().Add(10 * time.Second)
				for {
					ok, err := rdb.SetNX(ctx, "lock", token, 5*time.Second).Result()
					if err != nil {
						errs <- err
						return
					}
					if ok {
						break
					}
					if time.Now().After(deadline) {
						errs <- errors.New("lock never acquired")
						return
					}
					time.Sleep(time.Duration(w%3) * 100 * time.Microsecond)
				}
				if n := holders.Add(1); n != 1 {
					errs <- fmt.Errorf("%d holders at once", n)
					return
				}
				acquired.Add(1)
				// The critical section: a read-modify-write that a second holder would break.
				v, _ := rdb.Get(ctx, "counter").Int()
				rdb.Set(ctx, "counter", v+1, 0)
				holders.Add(-1)
				n, err := unlockScript.Run(ctx, rdb, []string{"lock"}, token).Int()
				if err != nil || n != 1 {
					errs <- fmt.Errorf("unlock = %d, %v", n, err)
					return
				}
				// Releasing again, or with another token, deletes nothing.
				if n, _ := unlockScript.Run(ctx, rdb, []string{"lock"}, token).Int(); n != 0 {
					errs <- fmt.Errorf("second unlock deleted %d", n)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rdb := client(t, s)
	if got, _ := rdb.Get(ctx, "counter").Int(); got != workers*rounds || acquired.Load() != workers*rounds {
		t.Fatalf("counter = %d, acquired %d, want %d", got, acquired.Load(), workers*rounds)
	}
}

func TestGoRedisScriptsAndFunctions(t *testing.T) {
	s := testutil.StartKeygrid(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		rdb := client(t, s, func(o *redis.Options) { o.Protocol = proto })
		rdb.ScriptFlush(ctx)
		// Script.Run tries EVALSHA first and falls back to EVAL on NOSCRIPT.
		sc := redis.NewScript("return {KEYS[1], ARGV[1], 3.7, {ok='x'}}")
		v, err := sc.Run(ctx, rdb, []string{"k"}, "a").Slice()
		if err != nil || len(v) != 4 || v[0] != "k" || v[1] != "a" || v[2] != int64(3) || v[3] != "x" {
			t.Fatalf("RESP%d script = %#v, %v", proto, v, err)
		}
		if ok, _ := rdb.ScriptExists(ctx, sc.Hash()).Result(); len(ok) != 1 || !ok[0] {
			t.Fatalf("SCRIPT EXISTS = %v", ok)
		}
		err = rdb.Eval(ctx, "return redis.call('nosuch')", nil).Err()
		if err == nil || err.Error() != "ERR Unknown Redis command called from script script: "+redis.NewScript("return redis.call('nosuch')").Hash()+", on @user_script:1." {
			t.Fatalf("script error = %v", err)
		}
		if _, err := rdb.FunctionLoadReplace(ctx, "#!lua name=lib\nredis.register_function('hello', function(keys, args) return 'hi ' .. args[1] end)").Result(); err != nil {
			t.Fatal(err)
		}
		if got, err := rdb.FCall(ctx, "hello", nil, "there").Text(); err != nil || got != "hi there" {
			t.Fatalf("FCALL = %q, %v", got, err)
		}
		libs, err := rdb.FunctionList(ctx, redis.FunctionListQuery{LibraryNamePattern: "l*", WithCode: true}).Result()
		if err != nil || len(libs) != 1 || libs[0].Name != "lib" || len(libs[0].Functions) != 1 || libs[0].Functions[0].Name != "hello" {
			t.Fatalf("FUNCTION LIST = %+v, %v", libs, err)
		}
	}
}
