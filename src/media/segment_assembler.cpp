#include "media/segment_assembler.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace vidscope::media::detail {
namespace {

// Times are doubles derived from integer timestamps; this absorbs their rounding at window edges.
constexpr double kTimeEpsilon = 1e-9;

}  // namespace

SegmentAssembler::SegmentAssembler(SegmentPlan plan, std::vector<FrameStreamSpec> specs, double expected_end_s)
    : plan_(plan),
      specs_(std::move(specs)),
      expected_end_s_(expected_end_s),
      fps_next_target_(specs_.size(), 0),
      fps_last_delivered_(specs_.size(), -1) {
  assert(plan_.segment_duration_s > 0 && plan_.stride_s() > 0);
}

int SegmentAssembler::stride_window_of(double time_s) const {
  return static_cast<int>(std::floor(time_s / plan_.stride_s() + kTimeEpsilon));
}

SegmentAssembler::Pending* SegmentAssembler::find_pending(int index) {
  if (pending_.empty()) return nullptr;
  const int offset = index - pending_.front().segment.index;
  if (offset < 0 || offset >= static_cast<int>(pending_.size())) return nullptr;
  return &pending_[static_cast<size_t>(offset)];
}

void SegmentAssembler::open_segments_until(double time_s) {
  while (next_segment_index_ * plan_.stride_s() <= time_s + kTimeEpsilon) {
    Pending pending;
    Segment& segment = pending.segment;
    segment.index = next_segment_index_++;
    segment.t0 = segment.index * plan_.stride_s();
    segment.t1 = segment.t0 + plan_.segment_duration_s;
    segment.streams.resize(specs_.size());
    double targets_end = segment.t1;
    if (expected_end_s_ > segment.t0 && expected_end_s_ < segment.t1) targets_end = expected_end_s_;
    pending.targets.resize(specs_.size());
    pending.next_target.assign(specs_.size(), 0);
    for (size_t s = 0; s < specs_.size(); ++s) {
      if (specs_[s].mode != SampleMode::kPerSegment) continue;
      const int count = std::max(specs_[s].count, 1);
      for (int i = 0; i < count; ++i) {
        pending.targets[s].push_back(segment.t0 + (i + 0.5) * (targets_end - segment.t0) / count);
      }
    }
    pending_.push_back(std::move(pending));
  }
}

void SegmentAssembler::deliver(int segment_index, size_t spec_index, const std::shared_ptr<Picture>& picture) {
  Pending* pending = find_pending(segment_index);
  if (!pending) return;  // the window was already handed out (only with timestamps going backwards)
  pending->segment.streams[spec_index].push_back(picture->frame_for(spec_index));
}

// Answers every target that lies before `time_s` (or all of them, at the end) with the previous
// picture: it is the latest picture at or before those targets.
void SegmentAssembler::resolve_targets_before(double time_s, bool all) {
  if (!previous_) return;
  for (size_t s = 0; s < specs_.size(); ++s) {
    const FrameStreamSpec& spec = specs_[s];
    if (spec.mode == SampleMode::kPerSegment) {
      for (Pending& pending : pending_) {
        auto& next = pending.next_target[s];
        const auto& targets = pending.targets[s];
        while (next < targets.size() && (all || targets[next] < time_s)) {
          pending.segment.streams[s].push_back(previous_->frame_for(s));
          ++next;
        }
      }
    } else if (spec.mode == SampleMode::kFps && spec.fps > 0) {
      auto& m = fps_next_target_[s];
      const double limit = all ? end_s_ : time_s;
      while (m / spec.fps < limit - kTimeEpsilon) {
        if (fps_last_delivered_[s] != previous_->index()) {
          fps_last_delivered_[s] = previous_->index();
          deliver(stride_window_of(previous_->time_s()), s, previous_);
        }
        ++m;
      }
    }
  }
}

void SegmentAssembler::add_picture(std::shared_ptr<Picture> picture) {
  assert(!finished_);
  open_segments_until(picture->time_s());
  resolve_targets_before(picture->time_s(), false);
  for (size_t s = 0; s < specs_.size(); ++s) {
    if (specs_[s].mode == SampleMode::kEveryFrame) deliver(stride_window_of(picture->time_s()), s, picture);
  }
  latest_time_s_ = std::max(latest_time_s_, picture->time_s());
  previous_ = std::move(picture);
}

void SegmentAssembler::finish(double end_s) {
  if (finished_) return;
  finished_ = true;
  end_s_ = std::max(end_s, latest_time_s_);
  resolve_targets_before(end_s_, true);
  previous_.reset();
  for (Pending& pending : pending_) {
    Segment& segment = pending.segment;
    segment.t1 = std::min(segment.t1, end_s_);
    segment.is_partial = segment.t1 - segment.t0 < plan_.segment_duration_s - 1e-6;
  }
  if (!pending_.empty()) pending_.back().segment.is_last = true;
}

bool SegmentAssembler::front_ready() const {
  if (pending_.empty()) return false;
  return finished_ || latest_time_s_ >= pending_.front().segment.t1 - kTimeEpsilon;
}

double SegmentAssembler::front_end_s() const { return pending_.empty() ? 0.0 : pending_.front().segment.t1; }

Segment SegmentAssembler::pop_front() {
  assert(!pending_.empty());
  Segment segment = std::move(pending_.front().segment);
  pending_.pop_front();
  return segment;
}

}  // namespace vidscope::media::detail
