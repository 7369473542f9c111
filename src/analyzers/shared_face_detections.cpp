#include "analyzers/shared_face_detections.h"

#include <fmt/format.h>

#include "analyzers/content_hash.h"
#include "analyzers/frame_mat.h"

namespace vidscope::analyzers {
namespace {

std::string frame_key(const FaceDetectorConfig& c, const media::Frame& frame) {
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{:.6f}\n{}x{}\n{:016x}", c.face_cascade, c.yunet_model, c.min_face_ratio,
                     c.min_neighbors, c.scale_factor, c.yunet_score, frame.time_s, frame.width, frame.height,
                     content_hash(std::as_bytes(std::span<const std::uint8_t>(frame.rgb))));
}

}  // namespace

std::shared_future<FaceList> SharedFaceDetections::faces(const FaceDetectorConfig& config, const media::Frame& frame,
                                                         const std::function<FaceList()>& detect) {
  const std::string key = frame_key(config, frame);
  std::promise<FaceList> promise;
  const std::shared_future<FaceList> result = promise.get_future().share();
  {
    std::lock_guard lock(mutex_);
    if (const auto it = results_.find(key); it != results_.end()) return it->second;
    results_.emplace(key, result);
    order_.push_back(key);
    if (order_.size() > kRememberedFrames) {
      results_.erase(order_.front());
      order_.pop_front();
    }
  }
  try {
    promise.set_value(detect());
  } catch (...) {
    promise.set_exception(std::current_exception());
  }
  return result;
}

std::vector<FaceList> segment_faces(SharedFaceDetections& shared, FaceDetector& detector, const FaceDetectorConfig& config,
                                    const std::vector<media::FramePtr>& frames) {
  std::vector<std::shared_future<FaceList>> claims;
  for (const media::FramePtr& frame : frames) {
    if (!frame) continue;
    claims.push_back(shared.faces(config, *frame, [&] { return detector.detect(view_rgb(*frame)); }));
  }
  std::vector<FaceList> faces;
  faces.reserve(claims.size());
  for (const auto& claim : claims) faces.push_back(claim.get());
  return faces;
}

}  // namespace vidscope::analyzers
