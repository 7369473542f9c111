#pragma once
// The frame request and resource estimate shared by the face-based analyzers (faces, eye_contact,
// age_estimation): a few frames per segment, fit inside max_size, area resize (detectors look at
// shapes, not fine texture).
#include "analyzers/analyzer.h"
#include "analyzers/face_detector.h"
#include "analyzers/onnx_model.h"

namespace vidscope::analyzers {

// Haar keeps an integral image pyramid (~3 int/double planes per level) and a grey copy; YuNet's
// activations are a few hundred bytes per pixel at its input size.
inline AnalyzerNeeds face_analyzer_needs(const FaceDetectorConfig& detector, int frames_per_segment, int max_size) {
  AnalyzerNeeds needs;
  media::FrameStreamSpec spec;
  spec.mode = media::SampleMode::kPerSegment;
  spec.count = frames_per_segment;
  spec.max_width = max_size;
  spec.max_height = max_size;
  spec.quality = media::ResizeQuality::kArea;
  needs.frames = spec;
  const Bytes pixels = static_cast<Bytes>(max_size) * static_cast<Bytes>(max_size);
  needs.resources.ram_bytes = detector.yunet_model.empty() ? pixels * 40 + 2 * kMiB
                                                           : pixels * 256 + file_bytes(detector.yunet_model) * 2;
  needs.resources.threads = 1;
  if (!detector.yunet_model.empty()) needs.model = "face_detector";
  return needs;
}

}  // namespace vidscope::analyzers
