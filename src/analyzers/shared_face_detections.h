#pragma once
// Face detections shared by the face analyzers of a run (faces and eye_contact ask for the same frame
// stream and detector settings by default): each frame is detected once, by whichever analyzer claims
// it first; the other takes the result. Two analyzers working on one segment at the same time claim
// different frames, so the segment's detection work is split between them rather than waited for.
//
// Frames are identified by content (detector settings, time, size and a hash of the pixels), so
// sharing is always safe; analyzers with other settings or frames detect their own. The last
// kRememberedFrames results are kept (boxes only).
//
// Thread-safe. Each caller detects with its own FaceDetector (detectors are not thread-safe).
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "analyzers/face_detector.h"
#include "media/frame.h"

namespace vidscope::analyzers {

using FaceList = std::vector<DetectedFace>;

class SharedFaceDetections {
 public:
  static constexpr size_t kRememberedFrames = 64;

  // The faces in `frame` for detector settings `config`: when nobody has claimed the frame yet, the
  // calling thread runs `detect` before returning (its exception is stored and rethrown by get());
  // when another analyzer is detecting it, the future becomes ready when that detection ends.
  std::shared_future<FaceList> faces(const FaceDetectorConfig& config, const media::Frame& frame,
                                     const std::function<FaceList()>& detect);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_future<FaceList>> results_;
  std::deque<std::string> order_;  // oldest first, for forgetting
};

// The faces of every non-null frame of a segment, in order: frames nobody has claimed are detected with
// `detector` first, then the results of frames another analyzer was detecting are waited for.
std::vector<FaceList> segment_faces(SharedFaceDetections& shared, FaceDetector& detector, const FaceDetectorConfig& config,
                                    const std::vector<media::FramePtr>& frames);

}  // namespace vidscope::analyzers
