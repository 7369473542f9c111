#pragma once
// Internal to the media layer: the rule that decides whether a stream has a variable frame rate.
#include <cstdint>
#include <vector>

namespace vidscope::media::detail {

// `pts` are the presentation timestamps (any order; packets arrive in decode order) of the first
// packets of a video stream, in units of `tick_s` seconds. The rule: sort them, take the deltas
// between neighbours, and call the rate variable when at least two deltas (and at least 2% of them)
// differ from the median delta by more than 10% of it and by more than one tick. One odd delta is
// ignored because a single dropped or duplicated frame is common in constant-rate files, and the
// one-tick allowance absorbs timestamp rounding (e.g. 30 fps in a 1 ms time base gives 33/34 ms).
bool is_variable_frame_rate(std::vector<std::int64_t> pts, double tick_s);

}  // namespace vidscope::media::detail
