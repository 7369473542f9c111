#pragma once
// Reads one analyzer's settings object (AnalyzerContext::settings) with strict checking: every key
// must be known, every value must have the expected type and range. Mistakes are the user's, so
// they become Error(kUsage) naming the analyzer, the key and what was expected.
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace vidscope::analyzers {

class SettingsReader {
 public:
  // Throws Error(kUsage) when `settings` is neither null nor an object.
  SettingsReader(std::string analyzer_name, const nlohmann::json& settings);

  // Each getter returns the stored value, or `fallback` when the key is absent, and records the key
  // as known. Throws Error(kUsage) for a wrong type or a value outside [min, max].
  double number(const std::string& key, double fallback, double min, double max);
  int integer(const std::string& key, int fallback, int min, int max);
  bool boolean(const std::string& key, bool fallback);
  // `choices` lists the accepted spellings.
  std::string choice(const std::string& key, const std::string& fallback, const std::set<std::string>& choices);
  // Any string (a file path, a label); `fallback` when absent. Throws Error(kUsage) for a non-string.
  std::string text(const std::string& key, const std::string& fallback);

  // Call after all getters: throws Error(kUsage) naming any key no getter asked for, and the known keys.
  void reject_unknown_keys() const;

 private:
  const nlohmann::json* find(const std::string& key);

  std::string analyzer_name_;
  nlohmann::json settings_;
  std::set<std::string> known_keys_;
};

}  // namespace vidscope::analyzers
