#pragma once
// Fades and flashes read from a video's mean-luma trajectory (one sample per frame). Pure functions,
// used by the visual_effects analyzer and tested on hand-made trajectories.
#include <string>
#include <vector>

namespace vidscope::analyzers {

struct LumaSample {
  double time_s = 0;
  double mean = 0;    // mean BT.601 luma, 0..255
  double stddev = 0;  // spread of luma over the frame: a black or white screen is also flat
};

struct LumaEventParams {
  double black_level = 20;      // a frame at or below this mean (and flat) is black
  double white_level = 235;     // at or above: white
  double flat_stddev = 16;      // "flat": luma spread at most this
  double min_fade_levels = 30;  // a fade moves the mean by at least this
  double min_step_levels = 0.2; // each frame of a fade moves the mean by at least this, the same way
  int min_fade_frames = 3;      // a fade lasts this many frames at least (fewer is a cut to black)
  double flash_levels = 40;     // a flash lifts the mean this far above the frame before it
  double max_flash_s = 0.2;     // and is gone (back within half that) after at most this long
};

struct LumaFade {
  std::string kind;  // "fade_out" (into black/white) or "fade_in" (out of it)
  std::string via;   // "black" or "white"
  double start_s = 0;
  double end_s = 0;  // fade_out: first black/white frame; fade_in: last frame still rising
};

struct LumaFlash {
  double start_s = 0;     // first bright frame
  double end_s = 0;       // first frame back to normal
  double peak_delta = 0;  // largest rise above the frame before, luma levels
};

std::vector<LumaFade> find_fades(const std::vector<LumaSample>& series, const LumaEventParams& params);
std::vector<LumaFlash> find_flashes(const std::vector<LumaSample>& series, const LumaEventParams& params);

}  // namespace vidscope::analyzers
