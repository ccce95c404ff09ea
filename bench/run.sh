#!/usr/bin/env bash
# Compares sonde's client cost per streamed chunk with a minimal Go client
# (bench/minimal: reads lines, stamps them, parses nothing), in one run,
# against one loopback simulator. Prints chunks per client CPU-second for
# both and their ratio. The server runs on its own core where taskset can
# pin it. Loopback only; bounded in requests.
#
#   bash bench/run.sh   # 4 streams x 5,000 tokens (64 answers), 256 x 500 (1,024);
#                       # each side three times, the median CPU of each
#
# sonde's CPU includes all it does in a run — start-up, building prompts,
# counting every answer's tokens (as AIPerf does), the exports — the
# minimal client's only the streaming.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

go build -o "$out/sonde" ./cmd/sonde
go build -o "$out/minimal" ./bench/minimal
pin0=() pin1=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then pin0=(taskset -c 0) pin1=(taskset -c 1); fi

"${pin1[@]}" "$out/sonde" serve --port 0 --ttft 1ms --itl 1us --max-num-seqs 512 >"$out/serve.log" &
for _ in $(seq 50); do grep -q listening "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
addr=$(awk '/listening/{print $5; exit}' "$out/serve.log")  # http://127.0.0.1:PORT

# cpu prints user+system CPU seconds of a command (its stdout discarded).
cpu() { /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # streams requests osl
  local s=$1 n=$2 osl=$3 mcpus=() scpus=() m mc
  for _ in 1 2 3; do
    m=$("${pin0[@]}" "$out/minimal" -url "$addr/v1/chat/completions" -streams "$s" -requests "$n" -osl "$osl")
    mc=$(awk '{print $2}' <<<"$m"); mcpus+=("$(awk '{print $4}' <<<"$m")")
    scpus+=("$(cpu "${pin0[@]}" "$out/sonde" profile -m m --tokenizer builtin --streaming \
      --url "$addr" --request-count "$n" --concurrency "$s" --isl 10 --osl "$osl" --ui-type none --no-server-metrics \
      --artifact-dir "$out/run-$s")")
  done
  local mcpu scpu sc
  mcpu=$(printf '%s\n' "${mcpus[@]}" | median); scpu=$(printf '%s\n' "${scpus[@]}" | median)
  sc=$(python3 -c "import json;d=json.load(open('$out/run-$s/profile_export_aiperf.json'));print(int(d['total_osl']['avg']))")
  python3 - "$s" "$osl" "$mc" "$mcpu" "$sc" "$scpu" <<'PY'
import sys
s, osl, mc, mcpu, sc, scpu = sys.argv[1:]
m = float(mc) / float(mcpu); t = float(sc) / float(scpu)
print(f"{s} streams x {osl} tokens: minimal {m:,.0f} chunks/CPU-s, sonde {t:,.0f} tokens/CPU-s, ratio {t/m:.2f}")
PY
}
measure 4 64 5000
measure 256 1024 500
