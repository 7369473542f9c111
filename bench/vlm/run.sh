#!/usr/bin/env bash
# The VLM engine benchmark at Qwen2-VL-2B size: writes a random-weight bf16 checkpoint with the real
# dimensions and layout (two Hub-style shards, ~4.4 GB) once, then runs vlm_engine_bench for bf16 (as
# stored, memory-mapped), int8 and int4, one child process per precision.
#
# Usage: bench/vlm/run.sh [BUILD_DIR] [--model-dir DIR] [--threads N] [--precision LIST] [--keep]
#   BUILD_DIR    a Release build with the bench targets (default build/release)
#   --model-dir  where the checkpoint goes (default out/bench/qwen2-vl-2b-random)
#   --keep       keep the checkpoint afterwards (it is deleted by default: 4.4 GB)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/release
model_dir=out/bench/qwen2-vl-2b-random
threads=2
precision=bf16,int8,int4
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --model-dir) model_dir="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --precision) precision="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) build="$1"; shift ;;
  esac
done
generator="$build/bench/vlm/vidscope-make-random-checkpoint"
bench="$build/bench/vlm/vlm_engine_bench"
for tool in "$generator" "$bench"; do
  [ -x "$tool" ] || { echo "no $tool: build the targets vidscope-make-random-checkpoint and vlm_engine_bench" >&2; exit 2; }
done

if [ ! -f "$model_dir/config.json" ]; then
  # The repository's Qwen2 tokenizer.json goes in too, so loading reads a whole model folder.
  "$generator" --out "$model_dir" --model qwen2-vl-2b --threads "$threads" --tokenizer tests/data/tokenizer/tokenizer.json
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
printf 'machine: %s, %s cores, %s GiB RAM\n' "$cpu" "$(nproc)" "$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)"
status=0
"$bench" --model "$model_dir" --threads "$threads" --precision "$precision" || status=$?
if [ "$keep" = 0 ]; then rm -rf "$model_dir"; fi
exit "$status"
