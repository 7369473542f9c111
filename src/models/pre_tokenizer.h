#pragma once
// Hugging Face pre-tokenizers as used by byte-level BPE tokenizers: a Sequence of Split steps (a regex or
// literal, compiled with PCRE2 in UTF + UCP mode and JIT) followed by ByteLevel. Split implements the
// generic Hugging Face semantics (behaviors Removed, Isolated, MergedWithPrevious, MergedWithNext,
// Contiguous; invert); no tokenizer's pattern is built in.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vidscope::models {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

class SplitPattern {
 public:
  // `regex` false: `pattern` is a literal string. Throws vidscope::Error (kind input) naming `file` when
  // the regex does not compile.
  SplitPattern(const std::string& pattern, bool regex, SplitBehavior behavior, bool invert, const std::string& file);

  // Splits `text` (valid UTF-8) and appends non-empty pieces (views into `text`) to `out`.
  // Thread-safe.
  void split(std::string_view text, std::vector<std::string_view>& out) const;

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
  SplitBehavior behavior_;
  bool invert_;
};

class PreTokenizer {
 public:
  // Reads the "pre_tokenizer" object of tokenizer.json. Accepts Split, ByteLevel (add_prefix_space
  // false; use_regex true adds GPT-2's split) and Sequence of those, ByteLevel last. Throws
  // vidscope::Error (kind input) naming `file` for anything else, since a tokenizer that silently
  // splits differently would produce wrong ids.
  static PreTokenizer from_json(const nlohmann::json& config, const std::string& file);

  // Appends the pieces of `text` (valid UTF-8) as views into `text`. Thread-safe.
  void split(std::string_view text, std::vector<std::string_view>& out) const;
  // True when the pieces are to be byte-level mapped (a ByteLevel step is present).
  bool byte_level() const { return byte_level_; }

 private:
  std::vector<SplitPattern> steps_;
  bool byte_level_ = false;
};

}  // namespace vidscope::models
