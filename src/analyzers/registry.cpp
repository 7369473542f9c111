#include "analyzers/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analyzers/audio_loudness.h"
#include "analyzers/color.h"
#include "analyzers/shot_cuts.h"
#include "base/error.h"

namespace vidscope::analyzers {

const std::vector<AnalyzerEntry>& analyzer_registry() {
  static const std::vector<AnalyzerEntry> entries = {
      {"shot_cuts", [] { return std::make_unique<ShotCutsAnalyzer>(); }, true},
      {"color", [] { return std::make_unique<ColorAnalyzer>(); }, true},
      {"audio_loudness", [] { return std::make_unique<AudioLoudnessAnalyzer>(); }, true},
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
