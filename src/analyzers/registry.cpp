#include "analyzers/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analyzers/audio_environment.h"
#include "analyzers/audio_features.h"
#include "analyzers/audio_loudness.h"
#include "analyzers/call_to_action.h"
#include "analyzers/color.h"
#include "analyzers/shot_cuts.h"
#include "analyzers/sound_effects.h"
#include "analyzers/speech_activity.h"
#include "analyzers/transcript.h"
#include "analyzers/age_estimation.h"
#include "analyzers/eye_contact.h"
#include "analyzers/faces.h"
#include "analyzers/objects.h"
#include "analyzers/segmentation.h"
#include "analyzers/text_overlay.h"
#include "analyzers/camera_motion.h"
#include "analyzers/composition.h"
#include "analyzers/content_quality.h"
#include "analyzers/pacing.h"
#include "analyzers/scenes.h"
#include "analyzers/visual_effects.h"
#include "analyzers/run_shared.h"
#include "analyzers/vlm_segments.h"
#include "analyzers/vlm_transitions.h"
#include "base/error.h"

namespace vidscope::analyzers {

const std::vector<AnalyzerEntry>& analyzer_registry() {
  static const std::vector<AnalyzerEntry> entries = {
      {"shot_cuts", [] { return std::make_unique<ShotCutsAnalyzer>(); }, true},
      {"color", [] { return std::make_unique<ColorAnalyzer>(); }, true},
      {"audio_loudness", [] { return std::make_unique<AudioLoudnessAnalyzer>(); }, true},
      {"audio_features", [] { return std::make_unique<AudioFeaturesAnalyzer>(); }, true},
      {"audio_environment", [] { return std::make_unique<AudioEnvironmentAnalyzer>(); }, true},
      {"sound_effects", [] { return std::make_unique<SoundEffectsAnalyzer>(); }, true},
      {"speech_activity", [] { return std::make_unique<SpeechActivityAnalyzer>(); }, true},
      {"transcript", [] { return std::make_unique<TranscriptAnalyzer>(run_shared<SharedSpeechRecognizer>()); }, true},
      {"call_to_action", [] { return std::make_unique<CallToActionAnalyzer>(run_shared<SharedSpeechRecognizer>()); }, true},
      {"text_overlay", [] { return std::make_unique<TextOverlayAnalyzer>(); }, true},
      {"faces", [] { return std::make_unique<FacesAnalyzer>(run_shared<SharedFaceDetections>()); }, true},
      {"eye_contact", [] { return std::make_unique<EyeContactAnalyzer>(run_shared<SharedFaceDetections>()); }, true},
      {"objects", [] { return std::make_unique<ObjectsAnalyzer>(); }, true},
      {"segmentation", [] { return std::make_unique<SegmentationAnalyzer>(); }, true},
      {"age_estimation", [] { return std::make_unique<AgeEstimationAnalyzer>(); }, true},
      {"scenes", [] { return std::make_unique<ScenesAnalyzer>(); }, true},
      {"camera_motion", [] { return std::make_unique<CameraMotionAnalyzer>(); }, true},
      {"composition", [] { return std::make_unique<CompositionAnalyzer>(); }, true},
      {"content_quality", [] { return std::make_unique<ContentQualityAnalyzer>(); }, true},
      {"visual_effects", [] { return std::make_unique<VisualEffectsAnalyzer>(); }, true},
      {"pacing", [] { return std::make_unique<PacingAnalyzer>(); }, true},
      {"vlm_segments", [] { return std::make_unique<VlmSegmentsAnalyzer>(); }, true},
      {"vlm_transitions", [] { return std::make_unique<VlmTransitionsAnalyzer>(); }, true},
  };
  return entries;
}

std::unique_ptr<Analyzer> create_analyzer(const std::string& name) {
  std::vector<std::string> known;
  for (const AnalyzerEntry& entry : analyzer_registry()) {
    if (entry.name == name) return entry.create();
    known.push_back(entry.name);
  }
  throw_usage_error(fmt::format("unknown analyzer '{}' (known analyzers: {})", name, fmt::join(known, ", ")));
}

std::vector<std::string> default_analyzer_names() {
  std::vector<std::string> names;
  for (const AnalyzerEntry& entry : analyzer_registry()) {
    if (entry.default_enabled) names.push_back(entry.name);
  }
  return names;
}

}  // namespace vidscope::analyzers
