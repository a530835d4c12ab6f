#!/bin/sh
# A private dockerd for tests: its own socket, data root, exec root and pid file, so it never touches a
# system daemon. Usage: scripts/dockerd.sh start|stop|restart|env|status
#   start    start it (idempotent) and wait until `docker info` answers; prints `export DOCKER_HOST=...`
#   stop     stop it and wait until it has exited (containers are stopped by dockerd on the way down)
#   env      print `export DOCKER_HOST=...` (exit 1 when it is not answering)
#   status   exit 0 when it answers
# Directory: $TAILTOP_DOCKERD_DIR (default /tmp/tailtop-dockerd) holding docker.sock, data/, exec/, pid, log.
# Extra dockerd flags: $TAILTOP_DOCKERD_FLAGS. Needs root.
#
# Flags that work on the Debian 12 sandbox (cgroup v1 hybrid, dockerd 20.10): overlay2 storage, the
# default bridge, and --iptables=false --ip6tables=false (no NAT rules are written; containers on the
# bridge reach the host but not beyond, which the tests do not need). If the bridge cannot be created the
# script retries once with --bridge=none (then only --network none / host containers work).
set -eu

DIR=${TAILTOP_DOCKERD_DIR:-/tmp/tailtop-dockerd}
SOCK="$DIR/docker.sock"
PIDFILE="$DIR/pid"
LOG="$DIR/log"
HOST="unix://$SOCK"
DOCKER=${DOCKER:-docker}
WAIT_SECS=${TAILTOP_DOCKERD_WAIT:-60}

say() { echo "dockerd.sh: $*" >&2; }

answering() {
  [ -S "$SOCK" ] || return 1
  DOCKER_HOST="$HOST" timeout 10 "$DOCKER" info >/dev/null 2>&1
}

pid_alive() {
  [ -f "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

launch() {
  # $1: extra flags
  mkdir -p "$DIR/data" "$DIR/exec"
  rm -f "$SOCK"
  # shellcheck disable=SC2086
  setsid dockerd \
    -H "$HOST" \
    --data-root "$DIR/data" \
    --exec-root "$DIR/exec" \
    --pidfile "$PIDFILE" \
    --iptables=false --ip6tables=false \
    --log-level=warn \
    $1 ${TAILTOP_DOCKERD_FLAGS:-} >>"$LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$DIR/launcher.pid"
  i=0
  while [ "$i" -lt $((WAIT_SECS * 4)) ]; do
    if answering; then return 0; fi
    if ! kill -0 "$(cat "$DIR/launcher.pid")" 2>/dev/null; then return 1; fi
    sleep 0.25
    i=$((i + 1))
  done
  return 1
}

start() {
  if answering; then
    echo "export DOCKER_HOST=$HOST"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then say "needs root"; exit 1; fi
  command -v dockerd >/dev/null 2>&1 || { say "dockerd not found"; exit 1; }
  if pid_alive; then stop; fi
  mkdir -p "$DIR"
  : >"$LOG"
  if ! launch ""; then
    say "dockerd did not come up with the default bridge; retrying with --bridge=none (log: $LOG)"
    stop_quiet
    launch "--bridge=none" || { say "dockerd failed to start; last log lines:"; tail -20 "$LOG" >&2; exit 1; }
  fi
  echo "export DOCKER_HOST=$HOST"
}

stop_quiet() {
  for f in "$PIDFILE" "$DIR/launcher.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 160 ]; do sleep 0.25; i=$((i + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
      say "dockerd $pid did not exit after 40 s; killing"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  done
  rm -f "$PIDFILE" "$DIR/launcher.pid" "$SOCK"
}

stop() { stop_quiet; }

# One start/stop at a time per directory (test files and CI may call this concurrently).
lock() {
  mkdir -p "$DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$DIR/lock"
    flock -w 180 9 || { say "could not take $DIR/lock"; exit 1; }
  fi
}

case "${1:-}" in
  start) lock; start ;;
  stop) lock; stop ;;
  restart) lock; stop; start ;;
  env)
    if answering; then echo "export DOCKER_HOST=$HOST"; else say "not running ($HOST)"; exit 1; fi ;;
  status) answering ;;
  *) echo "usage: $0 start|stop|restart|env|status" >&2; exit 2 ;;
esac
