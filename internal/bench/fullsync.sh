#!/usr/bin/env bash
# fullsync.sh — full synchronization time of a replica, keygrid against redis-server, one
# run after the other on one machine (issue #6):
#
#   internal/bench/fullsync.sh                    # 1,000,000 keys, every pairing, both modes
#   KEYS=5000000 PAIRS="redis:redis keygrid:keygrid" MODES=diskless internal/bench/fullsync.sh
#
# For each master:replica pairing in PAIRS and each mode in MODES: a master filled with
#   DEBUG POPULATE KEYS          (key:N -> value:N, as redis-server makes them)
# and an empty replica, both started with --save "" --appendonly no; then REPLICAOF on the
# replica, polling INFO every 20 ms. The modes:
#   disk      master repl-diskless-sync no   (RDB file, "$<len>" payload), replica
#             repl-diskless-load disabled    (payload to a temp file, then loaded)
#   diskless  master repl-diskless-sync yes, repl-diskless-sync-delay 0 ("$EOF:" payload
#             from the snapshot), replica repl-diskless-load on-empty-db (parsed from the
#             socket as it arrives)
# Reported per run:
#   sync_s    REPLICAOF -> the replica's master_link_status:up and the master's slave0
#             state=online (the whole full sync: snapshot, transfer, load)
#   load_s    the part of it spent loading on the replica: from its log's "Loading DB in
#             memory" to "Finished with success" (both servers log those lines)
#   m_cpu/r_cpu  CPU seconds (user+system) the master / the replica used during sync_s:
#             steadier than wall time on a loaded machine
#   hwm_kB    the replica process's peak RSS (VmHWM) over its life, which the load sets
#   rss_kB    the replica's RSS once in sync (the dataset)
#   keys      DBSIZE on the replica (must be KEYS)
# The issue's bar: keygrid -> keygrid sync_s <= redis -> redis sync_s, per mode; the mixed
# pairings show which side a gap is on. A diskless load's peak should be about the dataset
# (hwm_kB close to rss_kB), not dataset + payload.
#
# Run from the project's root after `make build`. Settings (environment): KEYGRID_BIN
# (./bin/keygrid), REDIS_BIN (redis-server), KEYS (1000000), PAIRS ("redis:redis
# keygrid:keygrid redis:keygrid keygrid:redis"), MODES ("disk diskless"), PIN (1: master on
# CPU 0, replica on CPU 1).
set -euo pipefail

KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid}
REDIS_BIN=${REDIS_BIN:-redis-server}
KEYS=${KEYS:-1000000}
PAIRS=${PAIRS:-"redis:redis keygrid:keygrid redis:keygrid keygrid:redis"}
MODES=${MODES:-"disk diskless"}
PIN=${PIN:-1}
m_pin=() r_pin=()
if [[ $PIN == 1 ]] && command -v taskset >/dev/null && (( $(nproc) >= 2 )); then
  m_pin=(taskset -c 0) r_pin=(taskset -c 1)
fi
[[ -x $KEYGRID_BIN ]] || { echo "fullsync.sh: $KEYGRID_BIN is not an executable" >&2; exit 2; }

. "$(dirname "$0")/lib.sh"

started=""
start() { # kind dir port pin... -- extra args; sets started to the pid
  local kind=$1 dir=$2 port=$3; shift 3
  local pin=()
  while [[ $1 != -- ]]; do pin+=("$1"); shift; done
  shift
  if [[ $kind == keygrid ]]; then
    "${pin[@]}" "$KEYGRID_BIN" server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
      --enable-debug-command yes --dir "$dir" "$@" >>"$dir/server.log" 2>&1 &
  else
    "${pin[@]}" "$REDIS_BIN" --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
      --enable-debug-command yes --dir "$dir" --logfile "$dir/server.log" "$@" >/dev/null 2>&1 &
  fi
  started=$!
  pids+=("$started")
}
stop() { # port pid
  redis-cli -p "$1" SHUTDOWN NOSAVE NOW >/dev/null 2>&1 || true
  wait "$2" 2>/dev/null || true
}
field() { redis-cli -p "$1" INFO "$2" | tr -d '\r' | awk -F: -v f="$3" '$1==f {print $2}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
status_kb() { awk -v f="$2:" '$1==f {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Seconds between the first lines of log $1 matching $2 and $3 (timestamps as both
# servers write them: redis "dd Mon yyyy hh:mm:ss.mmm", keygrid's ISO 8601 or epoch).
log_span() {
  python3 - "$1" "$2" "$3" <<'EOF'
import re, sys, datetime
path, a, b = sys.argv[1:4]
def stamp(line):
    m = re.search(r'(\d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3})', line)
    if m:
        return datetime.datetime.strptime(m.group(1), '%d %b %Y %H:%M:%S.%f').timestamp()
    m = re.search(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)', line)
    if m:
        return datetime.datetime.fromisoformat(m.group(1)).timestamp()
    m = re.search(r'"ts":\s*([0-9.]+)', line) or re.match(r'\s*([0-9]{10}\.[0-9]+)', line)
    return float(m.group(1)) if m else None
ta = tb = None
for line in open(path, errors='replace'):
    if ta is None and a in line:
        ta = stamp(line)
    elif ta is not None and tb is None and b in line:
        tb = stamp(line)
print('%.2f' % (tb - ta) if ta is not None and tb is not None else '?')
EOF
}

hz=$(getconf CLK_TCK)
printf '%-16s %-9s %7s %7s %6s %6s %10s %10s %8s\n' master:replica mode sync_s load_s m_cpu r_cpu hwm_kB rss_kB keys
for pair in $PAIRS; do
  mkind=${pair%%:*} rkind=${pair##*:}
  for mode in $MODES; do
    if [[ $mode == disk ]]; then
      margs=(--repl-diskless-sync no) rargs=(--repl-diskless-load disabled)
    else
      margs=(--repl-diskless-sync yes --repl-diskless-sync-delay 0) rargs=(--repl-diskless-load on-empty-db)
    fi
    run="$work/$pair.$mode"; mkdir -p "$run/m" "$run/r"
    mport=$(free_port)
    start "$mkind" "$run/m" "$mport" "${m_pin[@]}" -- "${margs[@]}"; mpid=$started
    wait_ready "$mport"
    rport=$(free_port)
    [[ $rport == "$mport" ]] && rport=$(free_port)
    start "$rkind" "$run/r" "$rport" "${r_pin[@]}" -- "${rargs[@]}" --repl-timeout 120; rpid=$started
    wait_ready "$rport"
    redis-cli -p "$mport" DEBUG POPULATE "$KEYS" >/dev/null
    [[ $(redis-cli -p "$mport" DBSIZE) == "$KEYS" ]] || { echo "fullsync.sh: $mkind did not populate $KEYS keys" >&2; exit 1; }

    mc0=$(cpu_ticks "$mpid") rc0=$(cpu_ticks "$rpid")
    t0=$(date +%s.%N)
    redis-cli -p "$rport" REPLICAOF 127.0.0.1 "$mport" >/dev/null
    deadline=$((SECONDS + 600))
    until [[ $(field "$rport" replication master_link_status) == up ]] &&
          field "$mport" replication slave0 | grep -q state=online; do
      (( SECONDS < deadline )) || { echo "fullsync.sh: $pair $mode did not sync in 600 s" >&2; exit 1; }
      sleep 0.02
    done
    t1=$(date +%s.%N)
    mcpu=$(awk -v a="$mc0" -v b="$(cpu_ticks "$mpid")" -v hz="$hz" 'BEGIN {printf "%.2f", (b-a)/hz}')
    rcpu=$(awk -v a="$rc0" -v b="$(cpu_ticks "$rpid")" -v hz="$hz" 'BEGIN {printf "%.2f", (b-a)/hz}')
    keys=$(redis-cli -p "$rport" DBSIZE)
    hwm=$(status_kb "$rpid" VmHWM) rss=$(status_kb "$rpid" VmRSS)
    load=$(log_span "$run/r/server.log" "Loading DB in memory" "Finished with success")
    sync=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b-a}')
    printf '%-16s %-9s %7s %7s %6s %6s %10s %10s %8s\n' "$pair" "$mode" "$sync" "$load" "$mcpu" "$rcpu" "$hwm" "$rss" "$keys"
    stop "$rport" "$rpid"
    stop "$mport" "$mpid"
    pids=()
    rm -rf "$run"
  done
done
