// Memory must not grow with the video's length: decoding a 10-minute video peaks no higher than
// decoding a 1-minute one (same size and rate), up to a small allowance.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "media_test_util.h"

// This executable only measures memory. AddressSanitizer's quarantines keep freed blocks resident (a
// global one of up to 256 MiB and 1 MiB per thread, and the decoder runs several threads), which makes
// RSS grow with the number of frames freed rather than with what is live; turn them off here so RSS
// reflects live memory. Ignored in builds without the sanitizer.
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"; }

namespace vidscope::media {
namespace {

using testing::generated;

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Measurement {
  long peak_growth_kib = 0;
  int segments = 0;
  std::int64_t frames = 0;
  size_t audio_samples = 0;
};

// Decodes the whole file like the pipeline does (segments consumed and dropped one at a time) and
// records the peak RSS, sampled after every segment, above the RSS before opening the file.
Measurement decode_and_measure(const std::string& path) {
  SourceOptions options;
  options.plan.segment_duration_s = 2.0;
  options.plan.overlap_ratio = 0.5;
  options.streams = {testing::every_frame(0), testing::per_segment(3, 64)};
  options.want_audio = true;
  const long before = rss_kib();
  Measurement run;
  {
    SegmentSource source(path, options);
    while (auto segment = source.next()) {
      run.segments++;
      run.frames += static_cast<std::int64_t>(segment->streams[0].size());
      run.audio_samples += segment->new_audio().size();
      run.peak_growth_kib = std::max(run.peak_growth_kib, rss_kib() - before);
    }
  }
  return run;
}

TEST(ConstantMemory, TenMinutesPeakNoHigherThanOneMinute) {
  ASSERT_GT(rss_kib(), 0) << "/proc/self/status has no VmRSS";
  decode_and_measure(generated("long_1min.mp4"));  // warm-up: decoder tables, thread stacks, allocator arenas
  const Measurement one = decode_and_measure(generated("long_1min.mp4"));
  const Measurement ten = decode_and_measure(generated("long_10min.mp4"));
  EXPECT_EQ(one.frames, 600);
  EXPECT_EQ(ten.frames, 6000);
  // 10 min of mono 16 kHz audio, within one video frame (0.1 s).
  EXPECT_NEAR(static_cast<double>(ten.audio_samples), 600.0 * 16000, 0.1 * 16000);
  std::printf("peak RSS growth: 1 min %ld KiB, 10 min %ld KiB (%d and %d segments)\n", one.peak_growth_kib,
              ten.peak_growth_kib, one.segments, ten.segments);
  // Allowance: 15% plus 8 MiB. The 8 MiB covers allocator noise that does not scale with length:
  // glibc keeps per-thread arenas (the decoder threads each get one) whose trimmed size varies by a
  // few MiB from run to run. A per-frame leak would show as ~40 KiB (one 160x90 RGB frame) x 5400
  // extra frames = 210 MiB, far outside it.
  EXPECT_LE(ten.peak_growth_kib, static_cast<long>(1.15 * one.peak_growth_kib) + 8 * 1024);
}

}  // namespace
}  // namespace vidscope::media
