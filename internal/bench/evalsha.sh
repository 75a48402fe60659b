#!/usr/bin/env bash
# evalsha.sh — EVALSHA of a one-command script (issue #4's bar), keygrid against redis-server
# in one run on one machine: `return redis.call('INCR', KEYS[1])` loaded with SCRIPT LOAD, then
#   redis-benchmark -p PORT -n N -P {1,16} -q evalsha SHA 1 ctr
# ROUNDS times, alternating the two servers (servers on CPU 0, redis-benchmark on CPU 1).
# Run from the project's root after `make build`. Settings (environment): KEYGRID_BIN
# (./bin/keygrid), REDIS_BIN (redis-server), N (300000), ROUNDS (3), RPORT (7301), KPORT (7302).
# The last lines are both counters (they must be equal: every call ran).
set -euo pipefail
KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid} REDIS_BIN=${REDIS_BIN:-redis-server}
N=${N:-300000} ROUNDS=${ROUNDS:-3} RPORT=${RPORT:-7301} KPORT=${KPORT:-7302}
work=$(mktemp -d)
taskset -c 0 "$REDIS_BIN" --port "$RPORT" --save '' --appendonly no --dir "$work" >/dev/null 2>&1 & R=$!
taskset -c 0 "$KEYGRID_BIN" server --port "$KPORT" --save '' --dir "$work" >/dev/null 2>&1 & K=$!
trap 'kill $R $K 2>/dev/null; wait $R $K 2>/dev/null; rm -rf "$work"' EXIT
for p in "$RPORT" "$KPORT"; do
  until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.1; done
  sha=$(redis-cli -p "$p" SCRIPT LOAD "return redis.call('INCR', KEYS[1])")
done
for _ in $(seq "$ROUNDS"); do
  for P in 1 16; do
    for p in "$RPORT" "$KPORT"; do
      name=redis; [[ $p == "$KPORT" ]] && name=keygrid
      printf '%-8s P%-3s %s\n' "$name" "$P" "$(taskset -c 1 redis-benchmark -p "$p" -n "$N" -P "$P" -q evalsha "$sha" 1 ctr 2>&1 | tr '\r' '\n' | tail -1 | sed 's/.*ctr: //')"
    done
  done
done
for p in "$RPORT" "$KPORT"; do echo "counter on $p: $(redis-cli -p "$p" get ctr)"; done
