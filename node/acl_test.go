package node_test

// ACL users seen from go-redis: Options.Username/Password authenticate the
// connection (HELLO 3 AUTH, or AUTH user pass on RESP2), and the user's rules
// apply to every command the client sends.

import (
	"context"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

func TestGoRedisACLUser(t *testing.T) {
	s := testutil.StartKeygrid(t)
	ctx := context.Background()
	admin := client(t, s)
	if err := admin.Do(ctx, "ACL", "SETUSER", "app", "on", ">s3cret", "~app:*", "-@all", "+@read", "+set", "+ping").Err(); err != nil {
		t.Fatal(err)
	}
	for _, proto := range []int{2, 3} {
		rdb := client(t, s, func(o *redis.Options) {
			o.Protocol = proto
			o.Username = "app"
			o.Password = "s3cret"
		})
		if who, err := rdb.Do(ctx, "ACL", "WHOAMI").Result(); err == nil || !strings.HasPrefix(err.Error(), "NOPERM") {
			t.Fatalf("RESP%d ACL WHOAMI as app: %v %v", proto, who, err)
		}
		if err := rdb.Set(ctx, "app:k", "v", 0).Err(); err != nil {
			t.Fatalf("RESP%d SET app:k: %v", proto, err)
		}
		if v, err := rdb.Get(ctx, "app:k").Result(); err != nil || v != "v" {
			t.Fatalf("RESP%d GET app:k = %q, %v", proto, v, err)
		}
		err := rdb.Get(ctx, "other").Err()
		if err == nil || err.Error() != "NOPERM this user has no permissions to access one of the keys used as arguments" {
			t.Fatalf("RESP%d GET other: %v", proto, err)
		}
		err = rdb.Del(ctx, "app:k").Err()
		if err == nil || err.Error() != "NOPERM this user has no permissions to run the 'del' command" {
			t.Fatalf("RESP%d DEL: %v", proto, err)
		}
		if n, err := admin.Do(ctx, "CLIENT", "KILL", "USER", "app").Int(); err != nil || n != 1 {
			t.Fatalf("RESP%d CLIENT KILL USER app = %d, %v", proto, n, err)
		}
	}
	bad := client(t, s, func(o *redis.Options) {
		o.Username = "app"
		o.Password = "wrong"
		o.MaxRetries = -1
	})
	err := bad.Ping(ctx).Err()
	if err == nil || !strings.Contains(err.Error(), "WRONGPASS invalid username-password pair or user is disabled.") {
		t.Fatalf("wrong password: %v", err)
	}
}
