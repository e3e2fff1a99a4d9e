# shellcheck shell=bash
# Shared helpers for sandbox4j scripts. Source it: `. "$(dirname "$0")/lib.sh"`.

# log MESSAGE... : progress line on stderr.
log() {
    printf '[sandbox4j] %s\n' "$*" >&2
}

# die MESSAGE... : error line on stderr, then exit 1.
die() {
    log "ERROR: $*"
    exit 1
}

# apt_install LOGFILE PACKAGE... : installs the packages (no recommends, waiting for the dpkg lock); when that fails,
# refreshes the package lists once and tries again; when that fails too, shows the log's tail and dies. Needs root.
apt_install() {
    local logf="$1"
    shift
    local opts=(-y -q -o DPkg::Lock::Timeout=600 --no-install-recommends)
    DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@" >"$logf" 2>&1 ||
        { DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update >>"$logf" 2>&1 &&
          DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@" >>"$logf" 2>&1; } ||
        { tail -n 20 "$logf" >&2; die "apt-get install $* failed (log: $logf)"; }
}

# _java_major JAVA_EXECUTABLE : prints the major version (8, 17, 21, 25, ...) or nothing.
_java_major() {
    local java="$1" line ver
    [ -x "$java" ] || return 1
    line=$("$java" -version 2>&1 | grep -m1 -i 'version "') || return 1
    ver=${line#*\"}
    ver=${ver%%\"*}
    case "$ver" in
        1.*) ver=${ver#1.}; ver=${ver%%.*} ;;   # 1.8.0_392 -> 8
        *)   ver=${ver%%[.+-]*} ;;              # 21.0.5 / 25 / 26-ea -> 21 / 25 / 26
    esac
    case "$ver" in
        ''|*[!0-9]*) return 1 ;;
    esac
    printf '%s\n' "$ver"
}

# _java_ok DIR : true if DIR/bin/java is a JDK of major >= 21.
_java_ok() {
    local dir="$1" major
    [ -n "$dir" ] && [ -x "$dir/bin/java" ] || return 1
    major=$(_java_major "$dir/bin/java") || return 1
    [ "$major" -ge 21 ]
}

# pick_java : exports JAVA_HOME (JDK >= 21) and puts $JAVA_HOME/bin first on PATH; exits 1 if none.
pick_java() {
    local candidate=""
    if _java_ok "${JAVA_HOME:-}"; then
        candidate="$JAVA_HOME"
    elif _java_ok /usr/lib/jvm/temurin-25-jdk-amd64; then
        candidate=/usr/lib/jvm/temurin-25-jdk-amd64
    else
        local dir
        for dir in /usr/lib/jvm/*; do
            [ -L "$dir" ] && continue          # skip alias symlinks, prefer real dirs
            if _java_ok "$dir"; then candidate="$dir"; fi   # last (highest sorted) wins
        done
        if [ -z "$candidate" ]; then
            for dir in /usr/lib/jvm/*; do
                if _java_ok "$dir"; then candidate="$dir"; fi
            done
        fi
    fi
    if [ -z "$candidate" ]; then
        log "ERROR: sandbox4j needs JDK 21+; set JAVA_HOME to a JDK 21 or newer (found: ${JAVA_HOME:-<JAVA_HOME unset>}; nothing suitable in /usr/lib/jvm)"
        exit 1
    fi
    JAVA_HOME="$candidate"
    PATH="$JAVA_HOME/bin:$PATH"
    export JAVA_HOME PATH
}
