#!/usr/bin/env bash
# Runs Trappe distributed on one machine: the Kafka dev broker (librdkafka's mock cluster)
# and the four services, each its own process on loopback.
#
#   deploy/run-local.sh [options] start|stop|status
#
# Options (each also as an environment variable):
#   --build-dir DIR        where the binaries were built (TRAPPE_BUILD_DIR; default build/default)
#   --state-dir DIR        data, logs and pid files (TRAPPE_LOCAL_STATE; default .trappe-local)
#   --cases-port N         (TRAPPE_CASES_PORT; default 7481)
#   --placements-port N    (TRAPPE_PLACEMENTS_PORT; default 7482)
#   --scheduling-port N    (TRAPPE_SCHEDULING_PORT; default 7483)
#   --workload-port N      (TRAPPE_WORKLOAD_PORT; default 7484)
#   --partitions N         partitions per topic (TRAPPE_PARTITIONS; default 4)
#   --log-options OPTS     librdkafka properties for the services' kafka:// log URL, as
#                          'name=value&name=value' (TRAPPE_LOG_OPTIONS; default none)
#   --timeout SECONDS      how long start waits for each process, and stop for each to end
#                          after SIGTERM before it kills it (TRAPPE_TIMEOUT; default 60)
#
# The dev broker keeps the log in memory: everything written is lost when it stops. So
# `start` begins with empty projections (it clears <state>/data); the logs of the last run
# stay in <state>/logs until the next start.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly SERVICES=(workload cases placements scheduling)  # start order: cases asks workload

build_dir="${TRAPPE_BUILD_DIR:-$ROOT/build/default}"
state_dir="${TRAPPE_LOCAL_STATE:-$ROOT/.trappe-local}"
declare -A port=(
  [cases]="${TRAPPE_CASES_PORT:-7481}"
  [placements]="${TRAPPE_PLACEMENTS_PORT:-7482}"
  [scheduling]="${TRAPPE_SCHEDULING_PORT:-7483}"
  [workload]="${TRAPPE_WORKLOAD_PORT:-7484}"
)
declare -A health_name=(
  [cases]=trappe.cases.v1.CaseService
  [placements]=trappe.placements.v1.PlacementService
  [scheduling]=trappe.scheduling.v1.SchedulingService
  [workload]=trappe.workload.v1.WorkloadService
)
partitions="${TRAPPE_PARTITIONS:-4}"
log_options="${TRAPPE_LOG_OPTIONS:-}"
timeout="${TRAPPE_TIMEOUT:-60}"

usage() {
  sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
  echo "run-local: $*" >&2
  exit 1
}

is_number() { [[ "$1" =~ ^[0-9]+$ ]]; }

command=""
while (($#)); do
  case "$1" in
    --build-dir) build_dir="${2:?--build-dir needs a value}"; shift 2 ;;
    --state-dir) state_dir="${2:?--state-dir needs a value}"; shift 2 ;;
    --cases-port | --placements-port | --scheduling-port | --workload-port)
      service="${1#--}"
      port[${service%-port}]="${2:?$1 needs a value}"
      shift 2
      ;;
    --partitions) partitions="${2:?--partitions needs a value}"; shift 2 ;;
    --log-options) log_options="${2:?--log-options needs a value}"; shift 2 ;;
    --timeout) timeout="${2:?--timeout needs a value}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    start | stop | status)
      [[ -z "$command" ]] || die "one command at a time (got $command and $1)"
      command="$1"
      shift
      ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ -n "$command" ]] || { usage >&2; exit 2; }
for service in "${SERVICES[@]}"; do
  is_number "${port[$service]}" || die "--$service-port: not a port number: ${port[$service]}"
done
is_number "$partitions" || die "--partitions: not a number: $partitions"
is_number "$timeout" || die "--timeout: not a number of seconds: $timeout"
if [[ "$command" == start ]]; then mkdir -p "$state_dir"; fi
if [[ -d "$state_dir" ]]; then state_dir="$(cd "$state_dir" && pwd)"; fi
if [[ -d "$build_dir" ]]; then build_dir="$(cd "$build_dir" && pwd)"; fi

readonly DATA="$state_dir/data" LOGS="$state_dir/logs" RUN="$state_dir/run"

# Whether process <pid> runs (exists and has not ended: a zombie has ended).
alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# The pid in <name>.pid if that process is alive and is ours (a Trappe binary), else "".
running_pid() {
  local file="$RUN/$1.pid" pid
  [[ -f "$file" ]] || return 0
  pid="$(<"$file")"
  if is_number "$pid" && alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "trappe-"; then
    echo "$pid"
  fi
}

# Waits until <file> has a line matching <regex> (prints it) or the process <pid> ends.
wait_for_line() {
  local file="$1" regex="$2" pid="$3" deadline=$((SECONDS + timeout)) line
  while ((SECONDS < deadline)); do
    if line="$(grep -m1 -E "$regex" "$file" 2>/dev/null)"; then
      echo "$line"
      return 0
    fi
    alive "$pid" || return 1
    sleep 0.1
  done
  return 1
}

fail_start() {
  local name="$1" what="$2"
  echo "run-local: $name $what; the end of $LOGS/$name.log:" >&2
  tail -n 20 "$LOGS/$name.log" >&2 || true
  stop_all >&2
  exit 1
}

# Starts <name> detached (its own session, so it outlives this script and the terminal's
# signals), output in <logs>/<name>.out and .log, its pid in <run>/<name>.pid.
launch() {
  local name="$1"
  shift
  setsid "$@" </dev/null >"$LOGS/$name.out" 2>"$LOGS/$name.log" &
  echo $! >"$RUN/$name.pid"
}

start_all() {
  local service pid binary
  for name in devbroker "${SERVICES[@]}"; do
    [[ -z "$(running_pid "$name")" ]] || die "$name is already running (pid $(running_pid "$name")); stop it first"
  done
  for binary in tools/devbroker/trappe-devbroker "${SERVICES[@]/#/services/server/trappe-}"; do
    [[ -x "$build_dir/$binary" ]] || die "$build_dir/$binary is missing: build it first (--build-dir)"
  done
  rm -rf "$DATA" "$LOGS"
  mkdir -p "$DATA" "$LOGS" "$RUN"
  local key="$state_dir/master.key"
  if [[ ! -s "$key" ]]; then
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$key" && echo >>"$key")
  fi

  launch devbroker "$build_dir/tools/devbroker/trappe-devbroker" --partitions="$partitions"
  local bootstrap
  bootstrap="$(wait_for_line "$LOGS/devbroker.out" '^127\.0\.0\.1:[0-9]+' "$(<"$RUN/devbroker.pid")")" ||
    fail_start devbroker "did not print its bootstrap servers"
  echo "$bootstrap" >"$RUN/devbroker.address"

  for service in "${SERVICES[@]}"; do
    local args=(--target "$service" --listen "127.0.0.1:${port[$service]}"
      --data-dir "$DATA/$service" --log "kafka://$bootstrap${log_options:+?$log_options}")
    if [[ "$service" == cases ]]; then
      args+=(--workload-address "127.0.0.1:${port[workload]}" --master-key-file "$key")
    fi
    launch "$service" "$build_dir/services/server/trappe-$service" "${args[@]}"
    echo "127.0.0.1:${port[$service]}" >"$RUN/$service.address"
  done
  # Each reports SERVING (and logs service.ready) once it has caught up with the log.
  for service in "${SERVICES[@]}"; do
    pid="$(<"$RUN/$service.pid")"
    wait_for_line "$LOGS/$service.log" "service\.ready.*${health_name[$service]}" "$pid" >/dev/null ||
      fail_start "$service" "did not become SERVING"
  done

  cat <<EOF
Trappe runs distributed on this machine (state: $state_dir).
  dev broker   $bootstrap (Kafka protocol, in memory)
  workload     127.0.0.1:${port[workload]}
  cases        127.0.0.1:${port[cases]}
  placements   127.0.0.1:${port[placements]}
  scheduling   127.0.0.1:${port[scheduling]}
Try (each command to the service that owns it):
  trappe=$build_dir/tools/cli/trappe
  \$trappe --server 127.0.0.1:${port[workload]} municipality add 0657 --name Herning
  \$trappe --server 127.0.0.1:${port[workload]} team add --tenant 0657 --name Vest --id vest
  \$trappe --server 127.0.0.1:${port[cases]} case list --tenant 0657 --min-position <the position team add printed>
  kcat -C -b $bootstrap -t trappe.org-events.v1 -e -f '%k %p:%o %h\n'
Logs: $LOGS; stop with: $0 --state-dir $state_dir stop
EOF
}

# Stops one process: SIGTERM, then SIGKILL if it is still running after the timeout.
stop_one() {
  local name="$1" pid deadline
  pid="$(running_pid "$name")"
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + timeout))
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    if alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      echo "$name: killed (pid $pid did not stop within ${timeout}s of SIGTERM)"
    else
      echo "$name: stopped"
    fi
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.address"
}

stop_all() {
  local i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_one "${SERVICES[i]}"; done
  stop_one devbroker
}

status_all() {
  local up=0 name pid where
  for name in devbroker "${SERVICES[@]}"; do
    pid="$(running_pid "$name")"
    where="$(cat "$RUN/$name.address" 2>/dev/null || true)"
    if [[ -n "$pid" ]]; then
      printf '%-11s running  pid %-8s %s\n' "$name" "$pid" "$where"
      up=$((up + 1))
    else
      printf '%-11s stopped\n' "$name"
    fi
  done
  # LSB convention: 0 all running, 3 none running, 1 some.
  if ((up == 1 + ${#SERVICES[@]})); then return 0; fi
  if ((up == 0)); then return 3; fi
  return 1
}

case "$command" in
  start) start_all ;;
  stop) stop_all ;;
  status) status_all ;;
esac
