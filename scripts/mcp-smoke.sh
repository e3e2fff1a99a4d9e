#!/usr/bin/env bash
# Smoke test of the MCP stdio server (`bin/sandbox4j mcp`) with the official MCP Inspector's CLI mode from npm
# (npx -y @modelcontextprotocol/inspector --cli ...): a real third-party MCP client, as a person would try it.
#
# Needs: node/npx (the npm registry reachable on first use), a running Docker engine and the sandbox4j images
# (bin/sandbox4j images build). Not part of CI (it downloads the Inspector and starts one server per step, ~10 s
# each); the SDK-client ITs (McpStdioIT, McpCommandIT, McpHttpIT) cover the same ground in `mvn verify`.
#
# Usage: scripts/mcp-smoke.sh            exit code 0 when every step passed
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
inspector=(npx -y @modelcontextprotocol/inspector@0.15.0 --cli "$root/bin/sandbox4j" mcp)
command -v npx >/dev/null 2>&1 || { echo "mcp-smoke: npx not found (apt-get install -y npm)" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0

# step NAME NODE_CHECK INSPECTOR_ARGS...: runs the Inspector, then a JavaScript expression over its JSON output (r)
step() {
    local name=$1 check=$2
    shift 2
    local start=$SECONDS
    if ! "${inspector[@]}" "$@" >"$out" 2>"$out.err"; then
        echo "FAIL  $name: the Inspector failed: $(tail -3 "$out.err")"
        failed=1
        return
    fi
    local verdict
    verdict=$(node -e "const r = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
        const text = (r.content || []).filter(c => c.type === 'text').map(c => c.text).join('\n');
        const images = (r.content || []).filter(c => c.type === 'image');
        const ok = ($check);
        console.log((ok ? 'PASS' : 'FAIL') + '|' + JSON.stringify(r).slice(0, 300));" "$out") || verdict="FAIL|unreadable output: $(head -c 300 "$out")"
    if [[ $verdict == PASS* ]]; then
        echo "PASS  $name ($((SECONDS - start)) s)"
    else
        echo "FAIL  $name: ${verdict#FAIL|}"
        failed=1
    fi
    rm -f "$out.err"
}

step "tools/list: nine tools with output schemas" \
    "r.tools.length === 9 && r.tools.every(t => t.outputSchema && t.inputSchema.type === 'object')" \
    --method tools/list
step "list_languages: python is available" \
    "r.isError === false && r.structuredContent.languages.some(l => l.language === 'python' && l.available)" \
    --method tools/call --tool-name list_languages
step "execute_code: python prints 42" \
    "r.isError === false && r.structuredContent.stdout === '42\n' && text.includes('status: ok')" \
    --method tools/call --tool-name execute_code --tool-arg language=python --tool-arg 'code=print(6*7)'
step "execute_code: a matplotlib plot comes back as an image" \
    "r.isError === false && images.length === 1 && images[0].mimeType === 'image/png'" \
    --method tools/call --tool-name execute_code --tool-arg language=python \
    --tool-arg $'code=import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])\nplt.show()'
step "execute_code: javascript" \
    "r.isError === false && r.structuredContent.stdout === 'hello from node\n'" \
    --method tools/call --tool-name execute_code --tool-arg language=javascript \
    --tool-arg "code=console.log('hello from node')"
step "execute_code: a failing program is a result (nonzero_exit), not an error" \
    "r.isError === false && r.structuredContent.status === 'nonzero_exit' && text.includes('ZeroDivisionError')" \
    --method tools/call --tool-name execute_code --tool-arg language=python --tool-arg 'code=1/0'
step "read_file: an unknown session is an isError result" \
    "r.isError === true && text.includes('Unknown session_id')" \
    --method tools/call --tool-name read_file --tool-arg session_id=nope --tool-arg path=a.txt
step "execute_code: an unknown language is an isError result" \
    "r.isError === true && text.includes(\"but was 'rust'\")" \
    --method tools/call --tool-name execute_code --tool-arg language=rust --tool-arg 'code=fn main() {}'

if [ "$failed" -ne 0 ]; then
    echo "mcp-smoke: FAILED"
    exit 1
fi
echo "mcp-smoke: all steps passed"
