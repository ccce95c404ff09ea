#!/usr/bin/env bash
# A large trace streams: how long from process start to the first request
# sent (the run's own records, wall clock), and sonde's peak memory, for a mooncake trace of
# SIZE_MB (default 1024) replayed for a few seconds at 1000 requests/s
# (2000-token prompts of 4 hash blocks), streamed; and for comparison the
# same trace's first 5000 lines read whole and streamed. Loopback only;
# bounded (each replay stops after 5 s, grace 5 s).
#
#   bash bench/stream.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
size_mb=${1:-1024}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
go build -o "$out/sonde" ./cmd/sonde
lines=$((size_mb * 1024 * 1024 / 96))
awk -v n="$lines" 'BEGIN{for(i=0;i<n;i++){h=int(i/50); printf "{\"timestamp\":%d,\"input_length\":2000,\"output_length\":100,\"hash_ids\":[%d,%d,%d,%d]}\n", i, h%1000, h%50000+1000, h+100000, i+20000000}}' >"$out/big.jsonl"
head -5000 "$out/big.jsonl" >"$out/small.jsonl"
"$out/sonde" serve --port 0 --ttft 5ms --itl 1ms >"$out/serve.log" &
for _ in $(seq 50); do grep -q listening "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
addr=$(awk '/listening/{print $5; exit}' "$out/serve.log")

run() { # name, trace, streaming mode, then more flags
  local name=$1 trace=$2 mode=$3; shift 3
  local start
  start=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$out/rss" "$out/sonde" profile -m m --tokenizer builtin --url "$addr" --input-file "$trace" \
    --custom-dataset-type mooncake_trace --input-streaming "$mode" --ui-type none --no-server-metrics \
    --artifact-dir "$out/run-$name" "$@" >/dev/null 2>&1
  python3 - "$out/run-$name/profile_export.jsonl" "$start" "$name" "$(cat "$out/rss")" "$(du -m "$trace" | cut -f1)" "$out/run-$name/profile_export_aiperf.json" <<'PY'
import json, sys
recs, start, name, rss_kb, mb, summary = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
first = min(json.loads(line)["metadata"]["request_start_ns"] for line in open(recs))
s = json.load(open(summary))
print(f"{name:24s} {mb:>6s} MB trace: first request {(first - start) / 1e6:6.0f} ms after start; peak RSS {rss_kb / 1024:5.0f} MiB; "
      f"{s['request_count']['avg']:5.0f} requests, schedule lag p50 {s['schedule_lag']['p50']:.2f} ms, p99 {s['schedule_lag']['p99']:.2f} ms")
PY
}

echo "mooncake traces, 1000 requests/s of 2000-token prompts (times: wall clock, 2 cores, server in another process)"
run "streamed" "$out/big.jsonl" always --benchmark-duration 5 --benchmark-grace-period 5
run "5000 lines, whole" "$out/small.jsonl" never
run "5000 lines, streamed" "$out/small.jsonl" always
