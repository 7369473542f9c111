#include "analyzers/luma_events.h"

#include <algorithm>

namespace vidscope::analyzers {
namespace {

enum class Extreme { kNone, kBlack, kWhite };

Extreme extreme_of(const LumaSample& s, const LumaEventParams& p) {
  if (s.stddev > p.flat_stddev) return Extreme::kNone;
  if (s.mean <= p.black_level) return Extreme::kBlack;
  if (s.mean >= p.white_level) return Extreme::kWhite;
  return Extreme::kNone;
}

// `toward`: +1 when the ramp must brighten frame by frame, -1 when it must darken. Returns how many
// consecutive steps, walking from `from` in direction `walk` (+1 / -1), keep moving that way.
int ramp_steps(const std::vector<LumaSample>& series, size_t from, int walk, double toward, const LumaEventParams& p) {
  int steps = 0;
  for (long i = static_cast<long>(from); ; i += walk) {
    const long next = i + walk;
    if (next < 0 || next >= static_cast<long>(series.size())) break;
    // Along time the ramp moves `toward`; compare in time order whatever the walking direction.
    const LumaSample& earlier = series[static_cast<size_t>(std::min(i, next))];
    const LumaSample& later = series[static_cast<size_t>(std::max(i, next))];
    if ((later.mean - earlier.mean) * toward < p.min_step_levels) break;
    ++steps;
  }
  return steps;
}

// A ramp is a fade when it is long and travels far, and no single step carries most of it (a cut into
// a dark picture followed by a short settle is not a fade).
bool is_fade(const std::vector<LumaSample>& series, size_t first, size_t last, const LumaEventParams& p) {
  if (last < first + static_cast<size_t>(p.min_fade_frames)) return false;
  const double travel = std::abs(series[last].mean - series[first].mean);
  if (travel < p.min_fade_levels) return false;
  double largest_step = 0;
  for (size_t i = first; i < last; ++i) largest_step = std::max(largest_step, std::abs(series[i + 1].mean - series[i].mean));
  return largest_step <= 0.6 * travel;
}

}  // namespace

std::vector<LumaFade> find_fades(const std::vector<LumaSample>& series, const LumaEventParams& p) {
  std::vector<LumaFade> fades;
  size_t i = 0;
  while (i < series.size()) {
    const Extreme kind = extreme_of(series[i], p);
    if (kind == Extreme::kNone) { ++i; continue; }
    size_t run_end = i;  // last frame of the black (white) run
    while (run_end + 1 < series.size() && extreme_of(series[run_end + 1], p) == kind) ++run_end;
    const char* via = kind == Extreme::kBlack ? "black" : "white";
    const double into = kind == Extreme::kBlack ? -1.0 : 1.0;  // direction of a fade into the extreme
    if (i > 0) {
      const int steps = ramp_steps(series, i, -1, into, p);
      const size_t first = i - static_cast<size_t>(steps);
      if (steps > 0 && is_fade(series, first, i, p)) fades.push_back({"fade_out", via, series[first].time_s, series[i].time_s});
    }
    const int steps = ramp_steps(series, run_end, +1, -into, p);
    const size_t last = run_end + static_cast<size_t>(steps);
    if (steps > 0 && is_fade(series, run_end, last, p)) fades.push_back({"fade_in", via, series[run_end].time_s, series[last].time_s});
    i = run_end + 1;
  }
  return fades;
}

std::vector<LumaFlash> find_flashes(const std::vector<LumaSample>& series, const LumaEventParams& p) {
  std::vector<LumaFlash> flashes;
  size_t i = 1;
  while (i < series.size()) {
    const double baseline = series[i - 1].mean;
    if (series[i].mean < baseline + p.flash_levels) { ++i; continue; }
    size_t back = i;  // first frame back within half the flash height of the baseline
    double peak = 0;
    while (back < series.size() && series[back].time_s - series[i].time_s <= p.max_flash_s &&
           series[back].mean > baseline + p.flash_levels / 2) {
      peak = std::max(peak, series[back].mean - baseline);
      ++back;
    }
    if (back < series.size() && series[back].mean <= baseline + p.flash_levels / 2 &&
        series[back].time_s - series[i].time_s <= p.max_flash_s + 1e-9) {
      flashes.push_back({series[i].time_s, series[back].time_s, peak});
      i = back + 1;
    } else {
      ++i;  // stays bright: a cut or a fade, not a flash
    }
  }
  return flashes;
}

}  // namespace vidscope::analyzers
