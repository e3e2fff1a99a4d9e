#!/usr/bin/env bash
# Make gVisor's runsc available to the Docker engine as runtime "runsc". Idempotent; safe for CI (never reads stdin).
#
#  - Installs Debian's runsc (and jq, to edit the engine's config) if missing.
#  - Registers it in /etc/docker/daemon.json as
#      "runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace", "--network=none"]}}
#    keeping every other key of that file, and makes the running dockerd reload its configuration with SIGHUP
#    (runtimes are reloadable: the engine is never restarted, running containers are not touched).
#
# Why these runtime args (measured on Debian bookworm, runsc 20221219, kernel >= 6.8):
#   --platform=ptrace  the default platform of that build does not start here (no KVM, systrap is newer)
#   --network=none     runsc's own network stack set-up fails on these kernels; sandboxes have no network anyway
#
# Environment:
#   DOCKER_DAEMON_JSON   the engine's config file (default /etc/docker/daemon.json)
#   SANDBOX4J_ENGINE_TIMEOUT  seconds to wait for the engine to offer the runtime (default 30)
set -euo pipefail
exec </dev/null

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

CONF=${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}
TIMEOUT=${SANDBOX4J_ENGINE_TIMEOUT:-30}
WANT='{"path":"/usr/bin/runsc","runtimeArgs":["--platform=ptrace","--network=none"]}'
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" -eq 0 ] || die "setup-runsc.sh needs root (it installs a package and edits $CONF)"

# ---- packages ----------------------------------------------------------------------------------
missing=()
[ -x /usr/bin/runsc ] || missing+=(runsc)
command -v jq >/dev/null 2>&1 || missing+=(jq)
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} (apt-get)"
    apt_install /tmp/sandbox4j-runsc-apt.log "${missing[@]}"
fi

# ---- engine configuration ----------------------------------------------------------------------
# What the engine offers now: {"runsc":{"path":...,"runtimeArgs":[...]}, ...}
offered() {
    docker info --format '{{json .Runtimes}}' 2>/dev/null || echo '{}'
}
registered() {
    offered | jq -e --argjson want "$WANT" \
        '.runsc != null and .runsc.path == $want.path and (.runsc.runtimeArgs // []) == $want.runtimeArgs' \
        >/dev/null 2>&1
}

if registered; then
    log "runsc already registered with the engine ($(runsc --version 2>/dev/null | head -n1))"
    exit 0
fi

mkdir -p "$(dirname "$CONF")"
current='{}'
if [ -s "$CONF" ]; then
    current=$(jq -e . "$CONF" 2>/dev/null) || die "$CONF is not valid JSON; fix it by hand"
fi
updated=$(printf '%s' "$current" | jq --argjson want "$WANT" '.runtimes = ((.runtimes // {}) + {runsc: $want})')
if [ "$updated" != "$current" ]; then
    tmp=$(mktemp "$CONF.XXXXXX")
    printf '%s\n' "$updated" >"$tmp"
    chmod 0644 "$tmp"
    mv "$tmp" "$CONF"
    log "wrote runtime runsc into $CONF"
fi

pid=$(pgrep -x -o dockerd || true)
[ -n "$pid" ] || die "dockerd is not running (run scripts/setup-engine.sh first)"
log "reloading dockerd's configuration (SIGHUP to pid $pid; the engine keeps running)"
kill -HUP "$pid"
deadline=$((SECONDS + TIMEOUT))
until registered; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        log "ERROR: the engine does not offer runtime runsc ${TIMEOUT}s after the reload; it offers: $(offered)"
        tail -n 10 /var/log/dockerd.log >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.5
done
log "runsc registered with the engine ($(runsc --version 2>/dev/null | head -n1))"
