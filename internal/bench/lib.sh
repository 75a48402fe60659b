# lib.sh — what the benchmark scripts of this folder share. Sourced, not run:
#
#   . "$(dirname "$0")/lib.sh"
#
# It sets srv_pin and cli_pin (PIN=1, the default, on a machine of 2 CPUs or more:
# `taskset -c 0` for servers, `taskset -c 1` for the client, which cuts the noise of a
# small machine; empty otherwise), work (a temporary directory) and pids (processes
# the script started: killed, waited for and work removed when the script exits), and
# defines free_port, wait_ready and median. Messages name the script that sourced it.

PIN=${PIN:-1}
srv_pin=() cli_pin=()
if [[ $PIN == 1 ]] && command -v taskset >/dev/null && (($(nproc) >= 2)); then
  srv_pin=(taskset -c 0) cli_pin=(taskset -c 1)
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -n ${KEEP:-} ]] && cp -r "$work" "$KEEP"; rm -rf "$work"
}
trap cleanup EXIT

# free_port prints a loopback TCP port nothing listens on.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((12000 + RANDOM % 8000))
    if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "${0##*/}: no free port" >&2
  exit 2
}

# wait_ready PORT waits up to 60 s (a server loading a big file) for PONG.
wait_ready() {
  for _ in $(seq 1 600); do
    [[ $(redis-cli -p "$1" PING 2>/dev/null) == PONG ]] && return 0
    sleep 0.1
  done
  echo "${0##*/}: port $1 did not answer PING" >&2
  exit 1
}

# median of the numbers on stdin, one per line (the mean of the middle two if even).
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
