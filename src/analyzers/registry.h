#pragma once
// All analyzers by name. Adding an analyzer is one file plus one line in registry.cpp.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analyzers/analyzer.h"

namespace vidscope::analyzers {

struct AnalyzerEntry {
  std::string name;
  std::function<std::unique_ptr<Analyzer>()> create;
  bool default_enabled = true;
};

const std::vector<AnalyzerEntry>& analyzer_registry();
// Throws Error(kUsage) listing the known names when `name` is unknown.
std::unique_ptr<Analyzer> create_analyzer(const std::string& name);
std::vector<std::string> default_analyzer_names();

}  // namespace vidscope::analyzers
