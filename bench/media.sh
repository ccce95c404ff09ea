#!/usr/bin/env bash
# Shows that media are made before the run, never on its measuring path:
# for a text run and for runs with images, audio and video, how long the
# media took to make (the run's own log line) and how long after they were
# ready the simulator received the first request — to compare with the
# text run's process start → first request. Loopback only; bounded.
#
#   bash bench/media.sh [entries]   # dataset entries (media made), default 20
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
entries=${1:-20}
command -v ffmpeg >/dev/null || { echo "bench/media.sh needs ffmpeg (apt install ffmpeg)"; exit 1; }
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
go build -o "$out/sonde" ./cmd/sonde

run() { # name, then sonde's media flags
  local name=$1; shift
  "$out/sonde" serve --port 0 --ttft 5ms --itl 1ms --record-requests "$out/$name.jsonl" >"$out/serve.log" &
  local pid=$!
  for _ in $(seq 50); do grep -q listening "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
  local addr
  addr=$(awk '/listening/{print $5; exit}' "$out/serve.log")
  local start
  start=$(date +%s%N)
  "$out/sonde" profile -m m --tokenizer builtin --streaming --url "$addr" --request-count "$entries" --concurrency 4 \
    --num-dataset-entries "$entries" --isl 100 --osl 20 --random-seed 1 --ui-type none --no-server-metrics \
    --artifact-dir "$out/run-$name" "$@" >/dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$out/$name.jsonl" "$out/run-$name/logs/aiperf.log" "$start" "$name" <<'PY'
import json, re, sys
recs, log, start, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
first = min(r["received_unix_ns"] for r in map(json.loads, open(recs)))
prep = 0.0
sent = 0
for line in open(log):
    m = re.search(r"Media prepared in ([0-9.]+) s", line)
    if m:
        prep = float(m.group(1))
    for kind in ("Images", "Audio", "Videos"):
        m = re.search(kind + r": (\d+).*?([0-9.]+) MB as sent", line)
        if m:
            sent += float(m.group(2))
total = (first - start) / 1e6
print(f"{name:28s} media {sent:6.1f} MB made in {prep*1000:7.0f} ms; first request {total:7.0f} ms after start, "
      f"{total - prep*1000:5.0f} ms after the media were ready")
PY
}

echo "$entries dataset entries, $entries requests at concurrency 4 (times: wall clock, 2 cores)"
run text
run images-512px --image-width-mean 512 --image-height-mean 512 --image-batch-size 2
run audio-5s-wav --audio-length-mean 5
run audio-5s-mp3 --audio-length-mean 5 --audio-format mp3
run video-640x480-5s-vp9 --video-width 640 --video-height 480
run video-320x240-h264-sound --video-width 320 --video-height 240 --video-format mp4 --video-codec libx264 --video-audio-num-channels 1
