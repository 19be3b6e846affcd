#!/usr/bin/env bash
# Load test of `./hybridvit serve` over loopback, bounded in requests and time.
#   tools/serve-loadtest.sh MODEL IMG_SIZE IMAGE [REQUESTS] [CONCURRENCY]
# Exports MODEL (fresh weights: throughput does not depend on their values) at IMG_SIZE with a
# dynamic batch, then for --max-batch 1 (no batching) and 8 (batching within 5 ms) starts the server,
# runs `loadtest` at each concurrency, and finally 10 % bad requests; each server is stopped with
# SIGTERM and must exit 0. Prints Markdown tables. Environment: PORT, SERVER_HEAP (default 1g),
# MAX_SECONDS (time limit per level, default 120).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL=$1 SIZE=$2 IMAGE=$3 REQUESTS=${4:-2000} CONCURRENCY=${5:-1,8,32,64}
PORT=${PORT:-18080}
# the server's Java heap, fixed as a deployment would fix it (unset, G1 grows towards a quarter of RAM)
SERVER_HEAP=${SERVER_HEAP:-1g}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
HV="$ROOT/hybridvit"
"$HV" models "$MODEL" >/dev/null  # builds the CLI if needed; fails on an unknown model

# fresh weights under the official key names, then the deploy export with its embedding output
jshell -q --class-path "$ROOT/cli/target/hybridvit-cli.jar:$(ls "$ROOT"/cli/target/lib/*.jar | tr '\n' ':')" \
  -R-Dai.djl.offline=true <<JSH >/dev/null
var m = dev.hybridvit.models.ModelRegistry.get("$MODEL").create(dev.hybridvit.models.ModelOptions.defaults().withImageSize($SIZE), 1);
dev.hybridvit.weights.WeightsExport.write(m, java.nio.file.Path.of("$WORK/w.safetensors"));
/exit
JSH
"$HV" export "$MODEL" --weights "$WORK/w.safetensors" --img-size "$SIZE" --deploy --batch dynamic --embedding \
  --onnx "$WORK/model.onnx" 2>/dev/null

serve() { # max-batch, label, bad-every, header
  HYBRIDVIT_JAVA_OPTS="-Xmx$SERVER_HEAP ${HYBRIDVIT_JAVA_OPTS:-}" "$HV" serve --weights "$WORK/model.onnx" --port "$PORT" --max-batch "$1" --max-delay-ms 5 --queue 1024 \
    --max-body-mb 1 --threads 2 2>"$WORK/serve.log" &
  local pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  "$HV" loadtest --url "http://127.0.0.1:$PORT" --model "$MODEL" --image "$IMAGE" --pid "$pid" \
    --requests "$REQUESTS" --concurrency "$CONCURRENCY" --max-seconds "${MAX_SECONDS:-120}" --max-body-mb 1 --label "$2" --bad-every "$3" $4 || true
  kill -TERM "$pid"
  local code=0; wait "$pid" || code=$?
  echo "<!-- $2: server exit code after SIGTERM: $code -->"
}
echo "<!-- $MODEL at $SIZE px, $(date -u +%FT%TZ), $(git -C "$ROOT" rev-parse --short HEAD), load: $(uptime | sed 's/.*load average: //') -->"
serve 1 "no batching" 0 --header
serve 8 "batching (max 8, 5 ms)" 0 ""
serve 8 "batching, 10 % bad" 10 ""
