#!/usr/bin/env bash
# Loads the replica's SPA in headless Chromium and drives it over the DevTools protocol:
# real clicks, pushState navigation, lazy rows, tabs, search, re-sign-in after expiry, the
# FITR request headers, and no CSP violations or console errors. Needs /usr/bin/chromium and
# Node >= 20. Usage: standins/fitr-replica/browser-check/run.sh  (from the workspace root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${FITR_PORT:-18410}"
debug_port="${CHROME_DEBUG_PORT:-19333}"
profile="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$profile" 2>/dev/null || true
}
trap cleanup EXIT

cargo build --quiet -p fitr-replica
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
"$target_dir/debug/fitr-replica" --listen "127.0.0.1:$port" >/dev/null &
pids+=($!)
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" \
  --remote-debugging-port="$debug_port" --window-size=1200,900 about:blank >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$debug_port/json/version" >/dev/null && \
    curl -sf "http://127.0.0.1:$port/coach/clients" >/dev/null && break
  sleep 0.2
done
node_flags=()
node -e 'process.exit(typeof WebSocket === "undefined" ? 1 : 0)' || node_flags+=(--experimental-websocket)
node "${node_flags[@]}" "$here/drive.mjs" "http://127.0.0.1:$port" "http://127.0.0.1:$debug_port" "${1:-/tmp/fitr-replica-browser.png}"
