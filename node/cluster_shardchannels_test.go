package node_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

// TestShardChannelsDroppedWithSlotVsRedis: a slot leaving the node (here
// CLUSTER DELSLOTS; SETSLOT NODE and failovers go the same way) unsubscribes
// every client of its shard channels with a "sunsubscribe" message, as
// redis-server's removeChannelsInSlot; channels of other slots stay (Redis's
// legacy 25-pubsubshard-slot-migration checks it across nodes).
func TestShardChannelsDroppedWithSlotVsRedis(t *testing.T) {
	for _, s := range []*testutil.Server{
		testutil.StartRedis(t, "--cluster-enabled", "yes"),
		testutil.StartKeygrid(t, "--cluster-enabled", "yes"),
	} {
		admin, sub := dialNode(t, s), dialNode(t, s)
		mustDo(t, admin, "CLUSTER", "ADDSLOTSRANGE", "0", "16383")
		sub.SetTimeout(5 * time.Second)
		for _, ch := range []string{"ch3", "ch7"} {
			if got := string(mustDo(t, sub, "SSUBSCRIBE", ch)); got == "" {
				t.Fatal("no reply to SSUBSCRIBE")
			}
		}
		mustDo(t, admin, "CLUSTER", "DELSLOTS", strconv.Itoa(slots.Slot([]byte("ch3"))))
		raw, err := sub.ReadReply()
		if err != nil {
			t.Fatalf("%s: no sunsubscribe: %v", s.Addr(), err)
		}
		if want := "*3\r\n$12\r\nsunsubscribe\r\n$3\r\nch3\r\n:1\r\n"; string(raw) != want {
			t.Fatalf("%s: got %q, want %q", s.Addr(), raw, want)
		}
		if got, want := string(mustDo(t, admin, "PUBSUB", "SHARDCHANNELS")), "*1\r\n$3\r\nch7\r\n"; got != want {
			t.Fatalf("%s: PUBSUB SHARDCHANNELS %q, want %q", s.Addr(), got, want)
		}
	}
}
