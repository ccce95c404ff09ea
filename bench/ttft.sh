#!/usr/bin/env bash
# Compares how late sonde and a minimal client (bench/minimal) see each
# answer's first token, against the simulator's own record of when it wrote
# it, with 1,000 streams open at once. Prints the p50 and p90 of
# (client's first-token time − server's first-token write) for both, and
# the ratio of the p50s (#9's target: ≤ 1.2). Loopback only; bounded.
#
#   bash bench/ttft.sh [streams]   # default 1000
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
streams=${1:-1000}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
go build -o "$out/sonde" ./cmd/sonde
go build -o "$out/minimal" ./bench/minimal
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

serve() { # record file: starts the simulator, sets addr and pid
  "$out/sonde" serve --port 0 --ttft 20ms --itl 5ms --max-num-seqs 4096 --record-requests "$1" >"$out/serve.log" &
  pid=$!
  for _ in $(seq 50); do grep -q listening "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
  addr=$(awk '/listening/{print $5; exit}' "$out/serve.log")
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; } # the simulator flushes its record file

serve "$out/minimal-server.jsonl"
"$out/minimal" -url "$addr/v1/chat/completions" -streams "$streams" -requests "$streams" -osl 20 -first-chunks "$out/minimal-first.txt" >/dev/null
stop
serve "$out/sonde-server.jsonl"
"$out/sonde" profile -m m --tokenizer builtin --streaming --url "$addr" --request-count "$streams" --concurrency "$streams" \
  --isl 10 --osl 20 --ui-type none --no-server-metrics --artifact-dir "$out/run" >/dev/null 2>&1
stop

python3 - "$out" <<'PY'
import json, sys, statistics
out = sys.argv[1]
def server(path):
    return {r["request_id"]: r["first_token_unix_ns"] for r in map(json.loads, open(path)) if r.get("first_token_unix_ns")}
def pct(xs, q):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(q * (len(xs) - 1)))]
srv = server(f"{out}/minimal-server.jsonl")
m = [int(t) - srv[i] for i, t in (l.split() for l in open(f"{out}/minimal-first.txt")) if i in srv]
srv = server(f"{out}/sonde-server.jsonl")
s = [r["metadata"]["first_token_ns"] - srv[r["metadata"]["x_request_id"]]
     for r in map(json.loads, open(f"{out}/run/profile_export.jsonl")) if r["metadata"]["x_request_id"] in srv]
for name, xs in (("minimal", m), ("sonde", s)):
    print(f"{name}: {len(xs)} requests, first token seen after the server wrote it: p50 {pct(xs, .5)/1e6:.3f} ms, p90 {pct(xs, .9)/1e6:.3f} ms")
print(f"ratio of p50s (sonde / minimal): {pct(s, .5) / pct(m, .5):.2f}")
PY
