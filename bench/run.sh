#!/usr/bin/env bash
# Compares sonde's client cost per streamed chunk with a minimal Go client
# (bench/minimal: reads lines, stamps them, parses nothing), in one run,
# against three loopback servers that cannot flatter either side:
#   raw64  writes 64 SSE events per write: both clients get full reads, so
#          parsing, counting and records show (bench/minimal -serve-tokens);
#   paced  writes each event on its own after a pause: one event per read;
#   sim    sonde serve --itl 1us, which coalesces 5–10 events per chunk.
# Prints chunks per client CPU-second for both and their ratio. The server
# runs on its own core where taskset can pin it. Loopback only; bounded.
#
#   bash bench/run.sh [raw64|paced|sim ...]   # default: all three
#   # 4 streams x 5,000 tokens (64 answers; paced: 16) and 256 x 500 (1,024);
#   # each side three times, the median CPU of each
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

# start kind osl: starts the server, sets addr and spid
start() {
  case $1 in
    raw64) "${pin1[@]}" "$out/minimal" -serve 127.0.0.1:0 -serve-tokens "$2" -serve-per-write 64 >"$out/serve.log" & ;;
    paced) "${pin1[@]}" "$out/minimal" -serve 127.0.0.1:0 -serve-tokens "$2" -serve-per-write 1 -serve-pause 20us >"$out/serve.log" & ;;
    sim) "${pin1[@]}" "$out/sonde" serve --port 0 --ttft 1ms --itl 1us --max-num-seqs 512 >"$out/serve.log" & ;;
  esac
  spid=$!
  for _ in $(seq 50); do grep -q listening "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
  addr=$(grep -o 'http://[0-9.:]*' "$out/serve.log" | head -1)
}

# cpu prints user+system CPU seconds of a command (its stdout discarded).
cpu() { /usr/bin/time -o "$out/time" -f "%U %S" "$@" >/dev/null 2>&1; awk '{print $1 + $2}' "$out/time"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # kind streams requests osl
  local kind=$1 s=$2 n=$3 osl=$4 mcpus=() scpus=() m mc
  start "$kind" "$osl"
  for _ in 1 2 3; do
    m=$("${pin0[@]}" "$out/minimal" -url "$addr/v1/chat/completions" -streams "$s" -requests "$n" -osl "$osl")
    mc=$(awk '{print $2}' <<<"$m"); mcpus+=("$(awk '{print $4}' <<<"$m")")
    scpus+=("$(cpu "${pin0[@]}" "$out/sonde" profile -m m --tokenizer builtin --streaming \
      --url "$addr" --request-count "$n" --concurrency "$s" --isl 10 --osl "$osl" --ui-type none --no-server-metrics \
      --artifact-dir "$out/run-$s")")
  done
  kill "$spid"; wait "$spid" 2>/dev/null || true
  local mcpu scpu sc
  mcpu=$(printf '%s\n' "${mcpus[@]}" | median); scpu=$(printf '%s\n' "${scpus[@]}" | median)
  sc=$(python3 -c "import json;d=json.load(open('$out/run-$s/profile_export_aiperf.json'));print(int(d['total_osl']['avg']))")
  python3 - "$kind" "$s" "$osl" "$mc" "$mcpu" "$sc" "$scpu" <<'PY'
import sys
kind, s, osl, mc, mcpu, sc, scpu = sys.argv[1:]
m = float(mc) / float(mcpu); t = float(sc) / float(scpu)
print(f"{kind:5} {s:>3} streams x {osl} tokens: minimal {m:,.0f} chunks/CPU-s, sonde {t:,.0f} tokens/CPU-s, ratio {t/m:.2f}")
PY
}

for kind in "${@:-raw64 paced sim}"; do
  for k in $kind; do
    if [ "$k" = paced ]; then measure paced 4 16 5000; else measure "$k" 4 64 5000; fi
    measure "$k" 256 1024 500
  done
done
