#!/usr/bin/env bash
# The memory plan at work on a Qwen2-VL-2B-sized checkpoint with random weights: for each RAM budget,
# the tier `vidscope plan` chooses (nothing loaded), then `vidscope analyze --analyzers vlm_segments`
# on a short clip under that budget: the tier it ran at, predicted vs measured peak, load time, and
# time per segment. Prints one table; record it in docs/benchmarks.md.
#
# Usage: bench/planner/run.sh [BUILD_DIR] [--model-dir DIR] [--budgets 8GiB,4GiB,2GiB,1GiB]
#                             [--new-tokens N] [--threads N] [--keep]
#   BUILD_DIR    a Release build with the targets vidscope and vidscope-make-random-checkpoint
#                (default build/release)
#   --keep       keep the 4.4 GB checkpoint afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/release
model_dir=out/bench/qwen2-vl-2b-random
budgets=8GiB,4GiB,2GiB,1GiB
new_tokens=16
threads=$(nproc)
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --model-dir) model_dir="$2"; shift 2 ;;
    --budgets) budgets="$2"; shift 2 ;;
    --new-tokens) new_tokens="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) build="$1"; shift ;;
  esac
done
cli="$build/src/cli/vidscope"
generator="$build/bench/vlm/vidscope-make-random-checkpoint"
for tool in "$cli" "$generator"; do
  [ -x "$tool" ] || { echo "no $tool: build the targets vidscope and vidscope-make-random-checkpoint" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -f "$model_dir/config.json" ]; then
  "$generator" --out "$model_dir" --model qwen2-vl-2b --threads "$threads"
fi
# Describing needs a tokenizer: the real Qwen2 one (the ids match the 2B config).
cp tests/data/tokenizer/tokenizer.json "$model_dir/tokenizer.json"

# A 4 s clip: two 2 s segments, described in one batch of two.
ffmpeg -v error -f lavfi -i "testsrc2=size=640x360:rate=25:duration=4" -pix_fmt yuv420p "$work/clip.mp4"
printf '{"vlm_segments": {"max_new_tokens": %s, "batch": 2}}\n' "$new_tokens" > "$work/settings.json"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
printf 'machine: %s, %s cores, %s GiB RAM; %s threads, %s new tokens per segment\n' "$cpu" "$(nproc)" \
  "$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)" "$threads" "$new_tokens"
printf '%-8s %-10s %-10s %-10s %12s %12s %10s %10s %12s %10s\n' budget plan-tier ran-tier precision \
  predicted-MiB measured-MiB meas/pred load-s s/segment rss-MiB
IFS=, read -ra list <<< "$budgets"
for budget in "${list[@]}"; do
  plan_tier=$("$cli" --quiet plan --model "$model_dir" --ram-budget "$budget" --json --frames-per-segment 3 \
                --max-pixels 112896 --batch 2 --max-new-tokens "$new_tokens" \
              | python3 -c 'import json,sys; print(json.load(sys.stdin)["tier"])' || true)
  report="$work/report-$budget.json"
  if "$cli" --quiet analyze "$work/clip.mp4" --analyzers vlm_segments --model "$model_dir" \
       --ram-budget "$budget" --threads "$threads" --settings "$work/settings.json" -o "$report" 2> "$work/err"; then
    python3 - "$report" "$budget" "$plan_tier" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["models"][0]
seg = r["analyzers"].get("vlm_segments", {})
n = max(1, len(seg.get("segments", [])))
# Mapped weights (cpu-mmap) are page cache the kernel keeps or drops as RAM allows, so that tier is
# compared on anonymous memory (the plan's peak minus the mapped working set it counts resident, against
# anonymous RSS); every other tier on whole RSS. The report says which (models[].compared_by).
if m["tier"] == "cpu-mmap":
    predicted, measured = m["predicted_anon_peak_bytes"], m["measured_anon_peak_bytes"]
else:
    predicted, measured = m["predicted_peak_bytes"], m["measured_peak_bytes"]
print(f'{sys.argv[2]:<8} {sys.argv[3]:<10} {m["tier"]:<10} {m["precision"]:<10} '
      f'{predicted/2**20:12.0f} {measured/2**20:12.0f} {measured/max(1,predicted):10.2f} '
      f'{m["load_ms"]/1000:10.1f} {seg.get("generate_ms", 0)/1000/n:12.1f} {r["memory"]["peak_rss_bytes"]/2**20:10.0f}')
PY
  else
    printf '%-8s %-10s refused (exit %s): %s\n' "$budget" "$plan_tier" "$?" "$(head -c 200 "$work/err" | tr '\n' ' ')"
  fi
done
if [ "$keep" = 0 ]; then rm -rf "$model_dir"; fi
