#!/usr/bin/env bash
# Install Deno and Pyodide for the WebAssembly backend (sandbox4j-backend-wasm). Idempotent; safe for CI.
#
# Both come from the npm registry: the `deno` package's platform package (@deno/linux-x64-glibc, ...) carries the
# deno binary, the `pyodide` package carries the interpreter (pyodide.asm.wasm) and Python's standard library.
# Pyodide's extra packages (numpy, matplotlib, micropip, ...) are not in the npm package; they would come from the
# jsDelivr CDN, which the wasm backend does not use.
#
# Result (what WasmSandbox.builder() finds by default):
#   $SANDBOX4J_WASM_HOME/bin/deno      -> the deno binary
#   $SANDBOX4J_WASM_HOME/pyodide       -> the pyodide package directory
#
# Environment:
#   SANDBOX4J_WASM_HOME   install directory (default /opt/sandbox4j-wasm; not inside the repository)
#   DENO_VERSION          npm version of deno (default 2.9.6)
#   PYODIDE_VERSION       npm version of pyodide (default 314.0.7)
set -euo pipefail
exec </dev/null

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

HOME_DIR=${SANDBOX4J_WASM_HOME:-/opt/sandbox4j-wasm}
DENO_VERSION=${DENO_VERSION:-2.9.6}
PYODIDE_VERSION=${PYODIDE_VERSION:-314.0.7}

case "$(uname -m)" in
    x86_64 | amd64) platform=linux-x64-glibc ;;
    aarch64 | arm64) platform=linux-arm64-glibc ;;
    *) die "no deno npm package for $(uname -m)" ;;
esac

stamp="$HOME_DIR/.installed"
want="deno@$DENO_VERSION pyodide@$PYODIDE_VERSION $platform"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$HOME_DIR/bin/deno" ] &&
    [ -f "$HOME_DIR/pyodide/pyodide.asm.wasm" ] && "$HOME_DIR/bin/deno" --version >/dev/null 2>&1; then
    log "wasm backend: $want already installed in $HOME_DIR"
    exit 0
fi

command -v npm >/dev/null 2>&1 || {
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing npm (apt-get)"
        apt_install /tmp/sandbox4j-npm.log npm
    else
        die "npm is needed to install deno and pyodide from the npm registry"
    fi
}

log "wasm backend: installing $want into $HOME_DIR (npm)"
mkdir -p "$HOME_DIR/npm" "$HOME_DIR/bin"
[ -f "$HOME_DIR/npm/package.json" ] || printf '{ "name": "sandbox4j-wasm", "private": true }\n' >"$HOME_DIR/npm/package.json"
# --ignore-scripts: deno's postinstall only links the platform binary, which we link ourselves
npm install --prefix "$HOME_DIR/npm" --no-audit --no-fund --ignore-scripts --loglevel=error \
    "deno@$DENO_VERSION" "@deno/$platform@$DENO_VERSION" "pyodide@$PYODIDE_VERSION" >&2 ||
    die "npm install of deno/pyodide failed"

bin="$HOME_DIR/npm/node_modules/@deno/$platform/deno"
[ -f "$bin" ] || die "the deno binary is missing from @deno/$platform ($bin)"
chmod +x "$bin"
ln -sfn "$bin" "$HOME_DIR/bin/deno"
ln -sfn "$HOME_DIR/npm/node_modules/pyodide" "$HOME_DIR/pyodide"
"$HOME_DIR/bin/deno" --version >&2 || die "deno does not run"
printf '%s\n' "$want" >"$stamp"
log "wasm backend: installed ($HOME_DIR/bin/deno, $HOME_DIR/pyodide)"
