#!/usr/bin/env bash
# Make a Podman engine answer on its Docker-compatible socket, with the python image loaded. Idempotent; safe for CI
# (never reads stdin).
#
#  - Installs Debian's podman if missing.
#  - Lowers Podman's default ulimits in /etc/containers/containers.conf, keeping the rest of that file: podman 4.3 as
#    root raises nofile and nproc to values runc may not set here ("error setting rlimit type 6/7: operation not
#    permitted"; measured: nproc 16384 works, 65536 does not).
#  - Starts `podman system service --time=0 unix:///run/podman/podman.sock` detached (log: /var/log/podman-service.log)
#    unless that socket already answers.
#  - Copies sandbox4j/python:bookworm from the Docker engine into Podman (docker save | podman load) when Podman does
#    not have that image id yet; an unchanged image costs nothing.
#
# Environment:
#   PODMAN_SOCK              socket path (default /run/podman/podman.sock)
#   SANDBOX4J_PODMAN_IMAGES  images to copy from Docker (default sandbox4j/python:bookworm)
#   SANDBOX4J_ENGINE_TIMEOUT seconds to wait for the socket (default 30)
set -euo pipefail
exec </dev/null

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

SOCK=${PODMAN_SOCK:-/run/podman/podman.sock}
IMAGES=${SANDBOX4J_PODMAN_IMAGES:-sandbox4j/python:bookworm}
TIMEOUT=${SANDBOX4J_ENGINE_TIMEOUT:-30}
LOGF=/var/log/podman-service.log
CONF=/etc/containers/containers.conf
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" -eq 0 ] || die "setup-podman.sh needs root (it installs a package and runs the rootful Podman service)"

# ---- package -----------------------------------------------------------------------------------
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
# the init process of containers created with Init=true (a recommended package, so not pulled in by default)
[ -x /usr/libexec/podman/catatonit ] || missing+=(catatonit)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} (apt-get)"
    apt_install /tmp/sandbox4j-podman-apt.log "${missing[@]}"
fi

# ---- containers.conf: default ulimits ----------------------------------------------------------
mkdir -p "$(dirname "$CONF")"
touch "$CONF"
if ! grep -Eq '^[[:space:]]*default_ulimits[[:space:]]*=' "$CONF"; then
    if grep -Eq '^[[:space:]]*\[containers\]' "$CONF"; then
        sed -i '/^[[:space:]]*\[containers\]/a default_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]' "$CONF"
    else
        printf '\n[containers]\ndefault_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]\n' >>"$CONF"
    fi
    log "set default_ulimits in $CONF"
fi

# ---- the API service ---------------------------------------------------------------------------
sock_ok() {
    [ -S "$SOCK" ] && [ "$(curl -fsS --max-time 3 --unix-socket "$SOCK" http://d/_ping 2>/dev/null)" = "OK" ]
}
# A service left running in a directory that was deleted since (e.g. the CI clone it was started from) still answers
# _ping, but conmon cannot start containers ("Failed to get working directory"): restart it.
svc=$(pgrep -f "podman system service .*$SOCK" | head -n1 || true)
if [ -n "$svc" ] && readlink "/proc/$svc/cwd" 2>/dev/null | grep -q ' (deleted)$'; then
    log "podman service (pid $svc) runs in a deleted directory; restarting it"
    kill "$svc" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$svc" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$svc" 2>/dev/null || true
    rm -f "$SOCK"
fi
if sock_ok; then
    log "podman service already answers on $SOCK"
else
    mkdir -p "$(dirname "$SOCK")" "$(dirname "$LOGF")"
    rm -f "$SOCK"
    log "starting podman system service on unix://$SOCK (log: $LOGF)"
    # from /, so that the service (and the conmon processes it starts) never sit in a directory that may be deleted
    (cd / && exec setsid nohup podman system service --time=0 "unix://$SOCK" </dev/null >>"$LOGF" 2>&1) &
    disown 2>/dev/null || true
    deadline=$((SECONDS + TIMEOUT))
    until sock_ok; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 20 "$LOGF" >&2 2>/dev/null || true
            die "podman service did not answer on $SOCK within ${TIMEOUT}s"
        fi
        sleep 0.3
    done
    log "podman $(podman version --format '{{.Server.Version}}' 2>/dev/null || echo '?') answers on $SOCK"
fi

# ---- images ------------------------------------------------------------------------------------
for image in $IMAGES; do
    want=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null) ||
        die "image $image is not on the Docker engine (build it first: bin/sandbox4j images build)"
    have=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
    if [ "sha256:$have" = "$want" ] || [ "$have" = "$want" ]; then
        log "podman already has $image (${want:7:12})"
        continue
    fi
    log "copying $image (${want:7:12}) from Docker into Podman"
    docker save "$image" | podman load -q >/dev/null || die "docker save $image | podman load failed"
    # the old copy, if any, is now untagged
    if [ -n "$have" ]; then
        podman rmi "$have" >/dev/null 2>&1 || true
    fi
done
