#!/usr/bin/env bash
# The twin against a real server: llama.cpp's llama-server (SLOTS slots,
# default 2, one thread; real-servers.md has the build and the tiny
# random-weight model). Fits a twin (told llama.cpp's slots and its 512-token
# physical batch; its prefix cache left unbounded, as the server's
# host-memory prompt cache keeps every history beyond -c) on multi-turn runs at
# concurrency 1, 2 and 4, then predicts
# runs it never saw — concurrency 8 and 16 (the slots queue) and Poisson
# arrivals near saturation — from their commands alone, and prints every
# figure measured against predicted (docs/twin.md records the table).
# ISL is counted through the model's chat template (--apply-chat-template):
# the server prefills the template's tokens too. Loopback only; about 7
# minutes.
#
#   LLAMA_SERVER=…/llama-server MODEL=…/tiny-noeos.gguf [SLOTS=4] bash bench/twin.sh
#
# With two slots the fitted c4 run queues, so the fit sees the server's
# queueing; with 4 no fitted run does (c4 fills them).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
: "${LLAMA_SERVER:?the llama-server binary}" "${MODEL:?a GGUF model (make_tiny_qwen3.py … noeos)}"
tokenizer=${TOKENIZER:-../shared/testdata/tokenizers/qwen3/tokenizer.json}
out=${OUT:-$(mktemp -d)}
slots=${SLOTS:-2}
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
go build -o "$out/sonde" ./cmd/sonde
# Neither process is pinned: llama-server's HTTP threads would share the
# one core with its compute thread (at one stream that made each token twice
# as fast as at two, a server no step model is).
"$LLAMA_SERVER" -m "$MODEL" --host 127.0.0.1 --port 18080 -np "$slots" -c $((4096 * slots)) -t 1 --metrics -a Qwen/Qwen3-0.6B >"$out/server.log" 2>&1 &
for _ in $(seq 100); do curl -sf 127.0.0.1:18080/health >/dev/null 2>&1 && break; sleep 0.2; done

work=(--model Qwen/Qwen3-0.6B --endpoint-type chat --streaming --url 127.0.0.1:18080 --tokenizer "$tokenizer"
  --conversation-turn-mean 3 --conversation-turn-stddev 1 --synthetic-input-tokens-mean 200
  --synthetic-input-tokens-stddev 60 --output-tokens-mean 48 --output-tokens-stddev 12 --ui-type none --apply-chat-template)
run() { # folder, then the load's flags
  local dir=$1; shift
  "$out/sonde" profile "${work[@]}" "$@" --output-artifact-dir "$out/$dir" >/dev/null 2>&1
  echo "measured $dir: $*"
}
run c1 --conversation-num 12 --concurrency 1 --random-seed 1
run c2 --conversation-num 16 --concurrency 2 --random-seed 2
run c4 --conversation-num 24 --concurrency 4 --random-seed 4
run c8 --conversation-num 32 --concurrency 8 --random-seed 8
run c16 --conversation-num 48 --concurrency 16 --random-seed 16
# Poisson arrivals at 85 % of the request rate the queued runs sustained.
rate=$(python3 -c "import json; print(round(0.85 * json.load(open('$out/c8/profile_export_aiperf.json'))['request_throughput']['avg'], 2))")
run poisson --request-rate "$rate" --conversation-num 32 --random-seed 5
"$out/sonde" fit "$out/c1" "$out/c2" "$out/c4" --holdout "$out/c8" --holdout "$out/c16" --holdout "$out/poisson" \
  --max-num-seqs "$slots" --max-num-batched-tokens 512 --server "llama-server (tiny Qwen3, -np $slots -t 1)" \
  -o "$out/twin.yaml"
echo "runs and twin in $out"
