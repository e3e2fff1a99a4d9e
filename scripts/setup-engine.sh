#!/usr/bin/env bash
# Make sure a Docker engine answers. Idempotent; safe for CI (never reads stdin).
#
#  - If `docker info` already works (DOCKER_HOST is honoured), do nothing.
#  - Otherwise install docker.io + debootstrap (Debian/Ubuntu, apt-get) if missing,
#    start dockerd detached (log: /var/log/dockerd.log) and wait until /var/run/docker.sock answers.
#
# Environment:
#   SANDBOX4J_ENGINE_TIMEOUT  seconds to wait for the engine to answer (default 60)
#   DOCKERD_LOG               dockerd log file (default /var/log/dockerd.log)
set -euo pipefail
exec </dev/null

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

TIMEOUT=${SANDBOX4J_ENGINE_TIMEOUT:-60}
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
SOCK=/var/run/docker.sock
export DEBIAN_FRONTEND=noninteractive

# Run as root, via non-interactive sudo if we are not root.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n env DEBIAN_FRONTEND=noninteractive "$@"
    else
        die "need root (or password-less sudo) to run: $*"
    fi
}

# The docker CLI on PATH may be newer than Debian's dockerd (API 1.41). Recent clients negotiate
# the API version; if this one refuses, pin the engine's version.
docker_ok() {
    command -v docker >/dev/null 2>&1 || return 1
    if docker info >/dev/null 2>&1; then
        return 0
    fi
    if [ -z "${DOCKER_API_VERSION:-}" ] &&
        DOCKER_API_VERSION=1.41 docker info >/dev/null 2>&1; then
        export DOCKER_API_VERSION=1.41
        log "note: docker client needs DOCKER_API_VERSION=1.41 for this engine"
        return 0
    fi
    return 1
}

# Readiness of the local socket, independent of the client version.
sock_ok() {
    [ -S "$SOCK" ] || return 1
    if command -v curl >/dev/null 2>&1; then
        [ "$(curl -fsS --max-time 3 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null)" = "OK" ]
    else
        docker_ok
    fi
}

if docker_ok; then
    log "docker engine already answers (${DOCKER_HOST:-unix://$SOCK}); nothing to do"
    exit 0
fi

# A remote/non-default DOCKER_HOST that does not answer is not something we can fix locally.
case "${DOCKER_HOST:-}" in
    ''|unix://$SOCK|unix:///run/docker.sock) ;;
    *) die "DOCKER_HOST=$DOCKER_HOST does not answer 'docker info'; start that engine or unset DOCKER_HOST" ;;
esac

# ---- install packages if missing ---------------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
command -v curl >/dev/null 2>&1 || missing+=(curl)

if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 ||
        die "missing ${missing[*]} and no apt-get here: install Docker and debootstrap yourself"
    apt_opts=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    log "installing ${missing[*]} (apt-get)"
    # Refresh the package lists only when the packages are not known yet (fresh machine).
    need_update=0
    for p in "${missing[@]}"; do
        cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
        if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then need_update=1; fi
    done
    if [ "$need_update" -eq 1 ]; then
        log "apt-get update"
        as_root apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null || die "apt-get update failed"
    fi
    if ! as_root apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}" >/tmp/sandbox4j-apt.log 2>&1; then
        # Stale lists on an old machine: refresh once and retry.
        log "apt-get install failed; refreshing package lists and retrying"
        as_root apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null || true
        as_root apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}" >/tmp/sandbox4j-apt.log 2>&1 || {
            tail -n 20 /tmp/sandbox4j-apt.log >&2
            die "apt-get install ${missing[*]} failed (full log: /tmp/sandbox4j-apt.log)"
        }
    fi
    log "installed ${missing[*]}"
fi
command -v dockerd >/dev/null 2>&1 || die "dockerd not found after installation"

# ---- start the engine --------------------------------------------------------------------------
if pgrep -x dockerd >/dev/null 2>&1; then
    log "dockerd is already running (pid $(pgrep -x dockerd | head -n1)); waiting for it to answer"
elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 &&
    as_root systemctl start docker >/dev/null 2>&1; then
    log "started docker.service (systemd)"
else
    log "starting dockerd (log: $DOCKERD_LOG)"
    as_root mkdir -p "$(dirname "$DOCKERD_LOG")"
    # Detached from this shell: own session, no stdin, output to the log, survives our exit.
    # (A simple command, not the as_root function, so no extra bash process lingers as its parent.)
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && exec setsid nohup dockerd </dev/null >>"$DOCKERD_LOG" 2>&1) &
    else
        as_root true # fails early with a clear message when we cannot become root
        sudo -n sh -c 'cd / && exec setsid nohup dockerd </dev/null >>"$1" 2>&1' sh "$DOCKERD_LOG" &
    fi
    disown 2>/dev/null || true
fi

deadline=$((SECONDS + TIMEOUT))
until sock_ok; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        log "ERROR: docker engine did not answer on $SOCK within ${TIMEOUT}s; last lines of $DOCKERD_LOG:"
        tail -n 30 "$DOCKERD_LOG" >&2 2>/dev/null || true
        exit 1
    fi
    if ! pgrep -x dockerd >/dev/null 2>&1 && [ "$SECONDS" -ge $((deadline - TIMEOUT + 3)) ]; then
        log "ERROR: dockerd exited during startup; last lines of $DOCKERD_LOG:"
        tail -n 30 "$DOCKERD_LOG" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.5
done

docker_ok || {
    log "ERROR: the engine answers on $SOCK but 'docker info' fails:"
    docker info 2>&1 | tail -n 10 >&2 || true
    exit 1
}
log "docker engine ready: server $(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?') on ${DOCKER_HOST:-unix://$SOCK}"
