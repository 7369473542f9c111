#pragma once
// Where the scheduler gets segments from. The real feed decodes a file (media::SegmentSource); tests
// and later callers (a live stream, a cached decode) provide their own.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/segment.h"
#include "media/segment_source.h"
#include "media/video_info.h"

namespace vidscope::pipeline {

// Used by one thread at a time (the scheduler's calling thread).
class SegmentFeed {
 public:
  virtual ~SegmentFeed() = default;
  // The next segment in time order, or nullopt after the last. May throw vidscope::Error.
  virtual std::optional<media::Segment> next() = 0;
  virtual double progress() const = 0;              // in [0, 1]
  virtual int expected_segment_count() const = 0;   // an estimate; the real count may differ by one
  // Problems met while producing the segments that did not stop the feed (the report lists them).
  virtual std::vector<std::string> warnings() const { return {}; }
};

// Decodes a file through media::SegmentSource.
class SourceFeed final : public SegmentFeed {
 public:
  // Opens the file; throws Error(kInput) like media::SegmentSource.
  SourceFeed(const std::string& path, media::SourceOptions options);

  const media::VideoInfo& info() const { return source_.info(); }
  std::optional<media::Segment> next() override { return source_.next(); }
  double progress() const override { return source_.progress(); }
  int expected_segment_count() const override { return source_.expected_segment_count(); }
  std::vector<std::string> warnings() const override { return source_.warnings(); }

 private:
  media::SegmentSource source_;
};

}  // namespace vidscope::pipeline
