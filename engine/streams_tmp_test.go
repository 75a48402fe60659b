package engine

import (
	"fmt"
	"testing"
)

func TestStreamsAgainstRedisLong(t *testing.T) {
	for seed := uint64(10); seed <= 30; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) { streamsAgainstRedis(t, seed, 6000) })
	}
}
