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
#   bash bench/run.sh [raw64|paced|sim|short|startup ...]   # default: all
#
# Per chunk (raw64, paced, sim): 4 streams x 5,000 tokens (800 answers;
# paced: 32) and 256 x 500 (8,192; paced: 1,024) — about a CPU-second of
# sonde per run, so its start-up (about 0.05 CPU-s) is not what is
# measured; each side three times, the median CPU of each. sonde's CPU
# includes all it does in a run — start-up, building prompts, counting every
# answer's tokens (as AIPerf does), the exports — the minimal client's only
# the streaming.
# short: raw64 with 64 answers at 4 x 5,000 and 1,024 at 256 x 500, the
# sizes earlier sessions used, where sonde's start-up is a third of its CPU.
# startup: one request, CPU and peak RSS of each process (median of five),
# and the peak RSS of a 4 x 5,000 run of 64 answers.
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

# sonde is every sonde run here, on core 0: streamed 10-token prompts, the
# builtin tokenizer, nothing beside the run; the URL and load come after.
sonde=("${pin0[@]}" "$out/sonde" profile -m m --tokenizer builtin --streaming --isl 10 --ui-type none --no-server-metrics)

# cpu prints user+system CPU seconds of a command (its stdout discarded).
cpu() { /usr/bin/time -o "$out/time" -f "%U %S" "$@" >/dev/null 2>&1; awk '{print $1 + $2}' "$out/time"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # kind streams requests osl
  local kind=$1 s=$2 n=$3 osl=$4 mcpus=() scpus=() m mc
  start "$kind" "$osl"
  for _ in 1 2 3; do
    m=$("${pin0[@]}" "$out/minimal" -url "$addr/v1/chat/completions" -streams "$s" -requests "$n" -osl "$osl")
    mc=$(awk '{print $2}' <<<"$m"); mcpus+=("$(awk '{print $4}' <<<"$m")")
    scpus+=("$(cpu "${sonde[@]}" --url "$addr" --request-count "$n" --concurrency "$s" --osl "$osl" --artifact-dir "$out/run-$s")")
  done
  kill "$spid"; wait "$spid" 2>/dev/null || true
  local mcpu scpu sc
  mcpu=$(printf '%s\n' "${mcpus[@]}" | median); scpu=$(printf '%s\n' "${scpus[@]}" | median)
  sc=$(python3 -c "import json;d=json.load(open('$out/run-$s/profile_export_aiperf.json'));print(int(d['total_osl']['avg']))")
  python3 - "$kind" "$s" "$osl" "$n" "$mc" "$mcpu" "$sc" "$scpu" <<'PY'
import sys
kind, s, osl, n, mc, mcpu, sc, scpu = sys.argv[1:]
m = float(mc) / float(mcpu); t = float(sc) / float(scpu)
print(f"{kind:5} {s:>3} streams x {osl} tokens, {n:>5} answers: minimal {m:,.0f} chunks/CPU-s, sonde {t:,.0f} tokens/CPU-s, ratio {t/m:.2f}")
PY
}

# startup: one request each (CPU-s and peak RSS, median of five), then the
# peak RSS of a 4 x 5,000-token run of 64 answers.
startup() {
  local mc=() sc=() mr=() sr=() m
  start raw64 5000
  for _ in 1 2 3 4 5; do
    m=$("${pin0[@]}" "$out/minimal" -url "$addr/v1/chat/completions" -streams 1 -requests 1 -osl 5000)
    mc+=("$(awk '{print $4}' <<<"$m")"); mr+=("$(awk '{print $8}' <<<"$m")")
    /usr/bin/time -o "$out/time" -f "%U %S %M" "${sonde[@]}" --url "$addr" --request-count 1 --osl 5000 --artifact-dir "$out/run-1" >/dev/null 2>&1
    sc+=("$(awk '{print $1 + $2}' "$out/time")"); sr+=("$(awk '{print $3}' "$out/time")")
  done
  echo "start-up, one 5,000-token request: minimal $(printf '%s\n' "${mc[@]}" | median) CPU-s, $(printf '%s\n' "${mr[@]}" | median) KB peak RSS;" \
    "sonde $(printf '%s\n' "${sc[@]}" | median) CPU-s, $(printf '%s\n' "${sr[@]}" | median) KB"
  m=$("${pin0[@]}" "$out/minimal" -url "$addr/v1/chat/completions" -streams 4 -requests 64 -osl 5000)
  /usr/bin/time -o "$out/time" -f "%M" "${sonde[@]}" --url "$addr" --request-count 64 --concurrency 4 --osl 5000 --artifact-dir "$out/run-64" >/dev/null 2>&1
  echo "peak RSS, 4 streams x 5,000 tokens, 64 answers: minimal $(awk '{print $8}' <<<"$m") KB, sonde $(cat "$out/time") KB"
  kill "$spid"; wait "$spid" 2>/dev/null || true
}

for k in ${@:-raw64 paced sim short startup}; do
  case $k in
    raw64 | sim) measure "$k" 4 800 5000; measure "$k" 256 8192 500 ;;
    paced) measure paced 4 32 5000; measure paced 256 1024 500 ;;
    short) measure raw64 4 64 5000; measure raw64 256 1024 500 ;;
    startup) startup ;;
    *) echo "unknown: $k (raw64, paced, sim, short, startup)" >&2; exit 2 ;;
  esac
done
