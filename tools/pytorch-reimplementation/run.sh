#!/usr/bin/env bash
# Times our deploy exports against the ONNX export of the PyTorch re-implementations, on this machine.
#   tools/pytorch-reimplementation/run.sh [MODEL...]      (default: cmt_ti cmt_s nextvit_small)
# Needs PyTorch for python3 (Debian: apt-get install python3-torch). Writes into
# target/pytorch-reimplementation/: the re-implementations' exports, their weights, and our exports of those weights.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/target/pytorch-reimplementation"
MODELS=("$@")
[ ${#MODELS[@]} -eq 0 ] && MODELS=(cmt_ti cmt_s nextvit_small)
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
  echo "run.sh: $PYTHON cannot import torch; install PyTorch (Debian: apt-get install python3-torch) or set PYTHON" >&2
  exit 1
fi
"$PYTHON" "$HERE/export_reimpl.py" --out "$OUT" "${MODELS[@]}"
# 1) the benchmark, with the re-implementation's export timed interleaved with ours in the same run
"$ROOT/hybridvit" benchmark "${MODELS[@]}" --runtime onnx --baseline "$OUT" --json "$OUT/benchmark.json"
# 2) interleaved paired timing of the two graphs with the same weights, and their logits
for m in "${MODELS[@]}"; do
  "$ROOT/hybridvit" export "$m" --weights "$OUT/$m.pth" --deploy --onnx "$OUT/$m.ours.onnx"
  echo "== $m: A = PyTorch re-implementation's export, B = ours (deploy), same weights"
  "$ROOT/hybridvit" compare "$OUT/$m.onnx" "$OUT/$m.ours.onnx" --rounds 20 2>/dev/null
done
