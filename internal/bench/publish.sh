#!/usr/bin/env bash
# publish.sh — PUBLISH to 50 subscribers (issue #4's bar), keygrid against redis-server in one
# run on one machine: SUBS `redis-cli subscribe ch` processes per server, then
#   redis-benchmark -p PORT -n N -P {1,16} -q publish ch hello-world
# ROUNDS times, alternating the servers (servers on CPU 0; subscribers and redis-benchmark on
# CPU 1, so the subscribers' reading is the limit both servers meet).
# Run from the project's root after `make build`. Settings (environment): KEYGRID_BIN
# (./bin/keygrid), REDIS_BIN (redis-server), N (100000), ROUNDS (3), SUBS (50), RPORT (7301),
# KPORT (7302).
set -euo pipefail
KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid} REDIS_BIN=${REDIS_BIN:-redis-server}
N=${N:-100000} ROUNDS=${ROUNDS:-3} SUBS=${SUBS:-50} RPORT=${RPORT:-7301} KPORT=${KPORT:-7302}
work=$(mktemp -d)
pids=()
taskset -c 0 "$REDIS_BIN" --port "$RPORT" --save '' --appendonly no --dir "$work" >/dev/null 2>&1 & pids+=($!)
taskset -c 0 "$KEYGRID_BIN" server --port "$KPORT" --save '' --dir "$work" >/dev/null 2>&1 & pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for p in "$RPORT" "$KPORT"; do
  until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.1; done
  for _ in $(seq "$SUBS"); do taskset -c 1 redis-cli -p "$p" subscribe ch >/dev/null & pids+=($!); done
  until [[ $(redis-cli -p "$p" pubsub numsub ch | tail -1) == "$SUBS" ]]; do sleep 0.1; done
done
for _ in $(seq "$ROUNDS"); do
  for P in 1 16; do
    for p in "$RPORT" "$KPORT"; do
      name=redis; [[ $p == "$KPORT" ]] && name=keygrid
      printf '%-8s P%-3s %s\n' "$name" "$P" "$(taskset -c 1 redis-benchmark -p "$p" -n "$N" -P "$P" -q publish ch hello-world 2>&1 | tr '\r' '\n' | tail -1 | sed 's/.*hello-world: //')"
    done
  done
done
