#!/usr/bin/env bash
# Paced rates side by side: sonde and the simplest net/http pacer
# (bench/minimal -rate: one goroutine per request) against a trivial server
# (bench/minimal -serve: two chunks per answer, at once) pinned to core 1,
# each client on core 0 where taskset can pin. For each rate: what the
# server saw (the rate is held when within 5 % of the one asked), the
# schedule lag each client reports, and the client's CPU per request.
# Loopback only; bounded (two seconds of schedule per rate).
#
#   bash bench/rate.sh                 # 1,000, 5,000 and 20,000 requests/s
#   bash bench/rate.sh 10000 15000     # other rates
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1000 5000 20000)
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

go build -o "$out/sonde" ./cmd/sonde
go build -o "$out/minimal" ./bench/minimal
pin0=() pin1=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then pin0=(taskset -c 0) pin1=(taskset -c 1); fi

"${pin1[@]}" "$out/minimal" -serve 127.0.0.1:0 >"$out/serve.log" 2>&1 &
for _ in $(seq 50); do grep -q listening "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
addr=$(awk '/listening/{print $2; exit}' "$out/serve.log")

# held prints what the server saw since the last reset: count, rate and
# connections opened (a client that falls behind opens one per request
# sent at once, and each costs it more CPU than a request).
held() {
  curl -s "$addr/stats" | awk -v want="$1" '{n=$2; s=($6-$4)/1e9; r=(n>1&&s>0)?(n-1)/s:0;
    printf "server saw %d at %.0f/s (%s) over %d connections", n, r, (r>=0.95*want)?"held":"NOT held", $8}'
}
for r in "${rates[@]}"; do
  n=$((2 * r))
  curl -s -X POST "$addr/reset"
  m=$("${pin0[@]}" "$out/minimal" -url "$addr/v1/chat/completions" -rate "$r" -requests "$n")
  printf "%6d/s minimal: %s; lag p50 %s ms, p99 %s ms; %.1f µs CPU per request\n" "$r" "$(held "$r")" \
    "$(awk '{print $6}' <<<"$m")" "$(awk '{print $8}' <<<"$m")" "$(awk -v n="$n" '{print $10/n*1e6}' <<<"$m")"
  curl -s -X POST "$addr/reset"
  cpu=$(/usr/bin/time -f "%U %S" "${pin0[@]}" "$out/sonde" profile -m m --tokenizer builtin --streaming --url "$addr" \
    --request-rate "$r" --arrival-pattern constant --request-count "$n" --isl 10 --osl 2 --ui-type none \
    --no-server-metrics --artifact-dir "$out/run" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}')
  lag=$(python3 -c "import json;d=json.load(open('$out/run/profile_export_aiperf.json'))['schedule_lag'];print(round(d['p50'],3),round(d['p99'],3))")
  printf "%6d/s sonde:   %s; lag p50 %s ms, p99 %s ms; %.1f µs CPU per request (whole process)\n" "$r" "$(held "$r")" \
    "${lag% *}" "${lag#* }" "$(awk -v c="$cpu" -v n="$n" 'BEGIN{print c/n*1e6}')"
done
