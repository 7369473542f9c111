#!/usr/bin/env bash
# `vidscope analyze` against a plain FFmpeg decode of the same file, measured in the same run on the same
# machine. Prints both times and their ratio.
#   default:  the foundation analyzers (shot_cuts, color, audio_loudness), target <= 1.5x the decode
#   --suite:  every default analyzer (the full classical suite), target <= 2.5x the decode
#
# Usage: bench/analyze/run.sh [VIDSCOPE_BINARY] [--repeat N] [--suite]
# Needs a release build (scripts/build release). The 60 s 1080p30 H.264 test video is generated once into
# out/bench/.
set -euo pipefail
cd "$(dirname "$0")/../.."
vidscope="build/release/src/cli/vidscope"
repeat=3
analyzers=(--analyzers shot_cuts,color,audio_loudness)
target=1.50
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="$2"; shift 2 ;;
    --suite) analyzers=(); target=2.50; shift ;;
    *) vidscope="$1"; shift ;;
  esac
done
[ -x "$vidscope" ] || { echo "no vidscope binary at $vidscope: run scripts/build release first" >&2; exit 2; }

video=out/bench/1080p30_60s.mp4
mkdir -p out/bench
if [ ! -f "$video" ]; then
  echo "generating $video (60 s, 1920x1080, 30 fps, H.264 + AAC; hard cuts every 5 s)..." >&2
  # Six visually different 10 s sources, each split by a hard cut halfway through (hue rotation jump).
  ffmpeg -v error -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=10" \
    -f lavfi -i "mandelbrot=size=1920x1080:rate=30,trim=duration=10" \
    -f lavfi -i "smptehdbars=size=1920x1080:rate=30:duration=10" \
    -f lavfi -i "cellauto=size=1920x1080:rate=30:rule=110,trim=duration=10" \
    -f lavfi -i "life=size=1920x1080:rate=30:mold=10:ratio=0.1,trim=duration=10" \
    -f lavfi -i "gradients=size=1920x1080:rate=30:duration=10:speed=0.05" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=60" \
    -filter_complex "[0:v][1:v][2:v][3:v][4:v][5:v]concat=n=6:v=1:a=0,format=yuv420p,hue=h='if(lt(mod(t,10),5),0,120)'[v]" \
    -map "[v]" -map 6:a -c:v libx264 -preset veryfast -crf 23 -g 60 -c:a aac -b:a 128k "$video"
fi

threads=$(nproc)
best() { sort -g | head -n 1; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN{print e-s}'; }

decode_times=(); analyze_times=()
for _ in $(seq "$repeat"); do
  decode_times+=("$(seconds ffmpeg -v error -threads "$threads" -i "$video" -f null -)")
  analyze_times+=("$(seconds "$vidscope" --quiet analyze "$video" "${analyzers[@]}" -o out/bench/report.json --threads "$threads")")
done
decode=$(printf '%s\n' "${decode_times[@]}" | best)
analyze=$(printf '%s\n' "${analyze_times[@]}" | best)
ratio=$(awk -v a="$analyze" -v d="$decode" 'BEGIN{print a/d}')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
printf 'machine: %s, %s threads\n' "$cpu" "$threads"
printf 'plain ffmpeg decode (best of %d): %.2f s\n' "$repeat" "$decode"
printf 'vidscope analyze    (best of %d): %.2f s\n' "$repeat" "$analyze"
printf 'ratio analyze/decode: %.2f (target <= %s)\n' "$ratio" "$target"
if command -v python3 >/dev/null; then
  python3 - "$PWD/out/bench/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
runs = r.get("analyzer_runs", {})
print("per analyzer (run ms):", ", ".join(f"{k} {v.get('run_ms', 0):.0f}" for k, v in runs.items()))
print("peak RSS: %.1f MiB" % (r.get("memory", {}).get("peak_rss_bytes", 0) / 2**20))
PY
fi
