#!/usr/bin/env bash
# sonde's OpenTelemetry export against a real OpenTelemetry Collector: the
# core Collector v0.165.0 (OTLP receiver, debug exporter), built here from
# the Go module proxy into a temporary module (about 3 minutes the first
# time, seconds after). Two runs against the simulator, one over OTLP/HTTP
# and one over OTLP/gRPC, each streaming metrics and spans; the collector
# must hold one span per request, with the trace ids the requests carried
# (profile_export.jsonl), and AIPerf's four GenAI client metrics.
# Loopback only; bounded. Not in CI (the build alone is minutes).
#
#   bash bench/otel.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
go build -o "$out/sonde" ./cmd/sonde

mkdir "$out/col"
cat >"$out/col/main.go" <<'GO'
// A minimal OpenTelemetry Collector: OTLP in, the debug exporter out.
package main

import (
	"log"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/exporter/debugexporter"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

func factories() (otelcol.Factories, error) {
	var f otelcol.Factories
	var err error
	if f.Receivers, err = otelcol.MakeFactoryMap(otlpreceiver.NewFactory()); err != nil {
		return f, err
	}
	if f.Exporters, err = otelcol.MakeFactoryMap(debugexporter.NewFactory()); err != nil {
		return f, err
	}
	f.Telemetry = otelconftelemetry.NewFactory()
	return f, nil
}

func main() {
	set := otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{Command: "otelcol", Description: "sonde's check", Version: "0.165.0"},
		Factories: factories,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{ResolverSettings: confmap.ResolverSettings{
			ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory()}, DefaultScheme: "file"}},
	}
	if err := otelcol.NewCommand(set).Execute(); err != nil {
		log.Fatal(err)
	}
}
GO
printf 'module otelcol\n\ngo 1.26\n' >"$out/col/go.mod"
echo "building the collector (v0.165.0) ..."
(cd "$out/col" && go get go.opentelemetry.io/collector/otelcol@v0.165.0 go.opentelemetry.io/collector/receiver/otlpreceiver@v0.165.0 \
  go.opentelemetry.io/collector/exporter/debugexporter@v0.165.0 go.opentelemetry.io/collector/service@v0.165.0 \
  go.opentelemetry.io/collector/confmap/provider/fileprovider@v1.71.0 >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1 && go build -o otelcol .)

cat >"$out/col.yaml" <<'YAML'
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:14317}
      http: {endpoint: 127.0.0.1:14318}
exporters:
  debug: {verbosity: detailed}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
    metrics: {receivers: [otlp], exporters: [debug]}
YAML
"$out/col/otelcol" --config "file:$out/col.yaml" >"$out/col.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "Everything is ready" "$out/col.log" 2>/dev/null && break; sleep 0.1; done

for url in http://127.0.0.1:14318 grpc://127.0.0.1:14317; do
  name=${url%%:*}
  "$out/sonde" profile -m m --tokenizer builtin --streaming --url sim:// --request-count 20 --concurrency 4 --isl 50 --osl 8 \
    --ui-type none --artifact-dir "$out/$name" --otel-url "$url" --stream default --otel-resource-attributes "check=$name" >/dev/null 2>&1
done
sleep 1
kill -INT "$pid"; wait "$pid" 2>/dev/null || true

python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
log = open(out + "/col.log").read()
spans = re.findall(r"Trace ID\s*: ([0-9a-f]{32})\n.*\n.*\n\s*Name\s*: chat m", log)
ok = True
for name in ("http", "grpc"):
    want = {json.loads(l)["metadata"]["trace_id"] for l in open(f"{out}/{name}/profile_export.jsonl")}
    got = want & set(spans)
    print(f"OTLP/{name}: {len(want)} requests, {len(got)} of their spans in the collector")
    ok &= len(want) == 20 and got == want
for m in ("gen_ai.client.operation.duration", "gen_ai.client.token.usage",
          "gen_ai.client.operation.time_to_first_chunk", "gen_ai.client.operation.time_per_output_chunk"):
    found = ("Name: " + m) in log
    print(f"metric {m}: {'received' if found else 'MISSING'}")
    ok &= found
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
