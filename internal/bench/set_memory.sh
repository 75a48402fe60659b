#!/usr/bin/env bash
# set_memory.sh — RSS per member of one large set or sorted set: keygrid against
# redis-server, in one run on one machine, loaded the way compare.sh memory loads keys
# (redis-cli --pipe).
#
#   internal/bench/set_memory.sh            # 1,000,000 members "member:<i>"
#   MEMBERS=100000 KIND=int internal/bench/set_memory.sh
#   TYPE=zset internal/bench/set_memory.sh  # a sorted set, member i scored i*1.5
#
# Run it from the project's root; it builds nothing (KEYGRID_BIN, default ./bin/keygrid).
# Settings (environment):
#   KEYGRID_BIN  keygrid binary                                   (./bin/keygrid)
#   REDIS_BIN    redis-server binary                              (redis-server)
#   MEMBERS      members to add to the one set                    (1000000)
#   BATCH        members per SADD                                 (100)
#   KIND         str: members "member:<i>"; int: members <i>      (str)
#   TYPE         set (SADD) or zset (ZADD)                        (set)
# The last line printed is the figure: `memory ratio: R (...)`.
set -euo pipefail

KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid}
REDIS_BIN=${REDIS_BIN:-redis-server}
MEMBERS=${MEMBERS:-1000000}
BATCH=${BATCH:-100}
KIND=${KIND:-str}
TYPE=${TYPE:-set}
case $TYPE in set) add=SADD card=SCARD ;; zset) add=ZADD card=ZCARD ;; *) echo "set_memory.sh: TYPE is set or zset" >&2; exit 2 ;; esac
[[ -x $KEYGRID_BIN ]] || { echo "set_memory.sh: $KEYGRID_BIN is not an executable" >&2; exit 2; }

. "$(dirname "$0")/lib.sh"


rport=$(free_port)
"$REDIS_BIN" --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!); rpid=$!
kport=$(free_port)
"$KEYGRID_BIN" server --port "$kport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/keygrid.log" 2>&1 &
pids+=($!); kpid=$!
wait_ready "$rport" redis-server
wait_ready "$kport" keygrid

gen() { # RESP SADD/ZADD commands adding MEMBERS distinct members to key "bigset", BATCH per command
  awk -v n="$MEMBERS" -v b="$BATCH" -v kind="$KIND" -v add="$add" 'BEGIN {
    z = (add == "ZADD")
    for (i = 0; i < n; i += b) {
      m = (n - i < b) ? n - i : b
      printf "*%d\r\n$4\r\n%s\r\n$6\r\nbigset\r\n", (z ? 2 * m : m) + 2, add
      for (j = i; j < i + m; j++) { e = (kind == "int") ? j "" : "member:" j
        if (z) { sc = sprintf("%.1f", j * 1.5); printf "$%d\r\n%s\r\n", length(sc), sc }
        printf "$%d\r\n%s\r\n", length(e), e }
    } }'
}
rss() { awk '/^VmRSS:/ {print $2*1024}' "/proc/$1/status"; }
r0=$(rss "$rpid"); k0=$(rss "$kpid")
gen | redis-cli -p "$rport" --pipe >/dev/null
gen | redis-cli -p "$kport" --pipe >/dev/null
rn=$(redis-cli -p "$rport" $card bigset); kn=$(redis-cli -p "$kport" $card bigset)
[[ $kn == "$MEMBERS" && $rn == "$MEMBERS" ]] || { echo "set_memory.sh: $card redis=$rn keygrid=$kn, expected $MEMBERS" >&2; exit 1; }
sleep 2 # let a garbage-collected heap settle before reading RSS
r1=$(rss "$rpid"); k1=$(rss "$kpid")
rb=$(( (r1 - r0) / rn )); kb=$(( (k1 - k0) / kn ))
printf 'type=%s members=%s kind=%s  redis: rss_delta/member=%s encoding=%s   keygrid: rss_delta/member=%s encoding=%s\n' \
  "$TYPE" "$MEMBERS" "$KIND" "$rb" "$(redis-cli -p "$rport" OBJECT ENCODING bigset)" "$kb" "$(redis-cli -p "$kport" OBJECT ENCODING bigset)"
echo "memory ratio: $(awk -v a="$kb" -v b="$rb" 'BEGIN {printf "%.3f", a/b}') (keygrid/redis RSS bytes per member)"
