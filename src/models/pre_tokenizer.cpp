#include "models/pre_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/error.h"

namespace vidscope::models {
namespace {

// GPT-2's pre-tokenization regex, applied by a ByteLevel pre-tokenizer with use_regex true.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct Range {
  std::size_t begin, end;
  bool is_match;
};

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof(buffer));
  return reinterpret_cast<const char*>(buffer);
}

SplitBehavior parse_behavior(const std::string& name, const std::string& file) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  throw_input_error(file + ": pre_tokenizer Split behavior '" + name + "' is not one of Removed, Isolated, "
                    "MergedWithPrevious, MergedWithNext, Contiguous");
}

// Hugging Face's SplitDelimiterBehavior applied to (range, is_match) runs covering the text.
std::vector<Range> apply_behavior(const std::vector<Range>& ranges, SplitBehavior behavior) {
  std::vector<Range> result;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      return ranges;
    case SplitBehavior::kRemoved:
      for (const auto& r : ranges) {
        if (!r.is_match) result.push_back(r);
      }
      return result;
    case SplitBehavior::kMergedWithPrevious:
      for (const auto& r : ranges) {
        if (r.is_match && !previous_match && !result.empty()) result.back().end = r.end;
        else result.push_back({r.begin, r.end, false});
        previous_match = r.is_match;
      }
      return result;
    case SplitBehavior::kMergedWithNext:
      for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) {
        if (it->is_match && !previous_match && !result.empty()) result.back().begin = it->begin;
        else result.push_back({it->begin, it->end, false});
        previous_match = it->is_match;
      }
      return {result.rbegin(), result.rend()};
    case SplitBehavior::kContiguous:
      for (const auto& r : ranges) {
        if (r.is_match == previous_match && !result.empty()) result.back().end = r.end;
        else result.push_back({r.begin, r.end, false});
        previous_match = r.is_match;
      }
      return result;
  }
  return ranges;
}

}  // namespace

struct SplitPattern::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(code); }
};

SplitPattern::SplitPattern(const std::string& pattern, bool regex, SplitBehavior behavior, bool invert,
                           const std::string& file)
    : behavior_(behavior), invert_(invert) {
  auto code = std::make_shared<Code>();
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  // PCRE2_LITERAL does not accept PCRE2_UCP (it has no character classes to affect anyway).
  const std::uint32_t options = regex ? (PCRE2_UTF | PCRE2_UCP) : (PCRE2_UTF | PCRE2_LITERAL);
  code->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error,
                             &error_offset, nullptr);
  if (code->code == nullptr) {
    throw_input_error(file + ": pre_tokenizer regex does not compile at offset " + std::to_string(error_offset) +
                      ": " + pcre2_message(error) + " (pattern: " + pattern + ")");
  }
  code->jit = pcre2_jit_compile(code->code, PCRE2_JIT_COMPLETE) == 0;
  code_ = std::move(code);
}

void SplitPattern::split(std::string_view text, std::vector<std::string_view>& out) const {
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
  const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::vector<Range> ranges;
  std::size_t previous_end = 0;
  std::size_t offset = 0;
  while (offset <= text.size()) {
    // Text is validated UTF-8 before it gets here, so PCRE2 need not check it again per call.
    int rc = code_->jit ? pcre2_jit_match(code_->code, subject, text.size(), offset, 0, match.get(), nullptr)
                        : PCRE2_ERROR_JIT_STACKLIMIT;
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
      rc = pcre2_match(code_->code, subject, text.size(), offset, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, match.get(),
                       nullptr);
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw_input_error("text could not be pre-tokenized: " + pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    const std::size_t begin = ovector[0], end = ovector[1];
    if (begin > previous_end) ranges.push_back({previous_end, begin, false});
    ranges.push_back({begin, end, true});
    previous_end = end;
    if (end > begin) {
      offset = end;
    } else {  // empty match: step over one whole character
      offset = end + 1;
      while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) ++offset;
    }
  }
  if (previous_end < text.size()) ranges.push_back({previous_end, text.size(), false});
  if (invert_) {
    for (auto& r : ranges) r.is_match = !r.is_match;
  }
  for (const auto& r : apply_behavior(ranges, behavior_)) {
    if (r.end > r.begin) out.push_back(text.substr(r.begin, r.end - r.begin));
  }
}

namespace {

void add_step(const nlohmann::json& step, const std::string& file, std::vector<SplitPattern>& steps, bool& byte_level) {
  const std::string type = step.value("type", "");
  if (byte_level) {
    throw_input_error(file + ": pre_tokenizer step '" + type + "' after ByteLevel is not supported (ByteLevel must be last)");
  }
  if (type == "Split") {
    const auto& pattern = step.at("pattern");
    const bool regex = pattern.contains("Regex");
    const std::string text = regex ? pattern.at("Regex").get<std::string>() : pattern.at("String").get<std::string>();
    steps.emplace_back(text, regex, parse_behavior(step.value("behavior", ""), file), step.value("invert", false), file);
  } else if (type == "ByteLevel") {
    if (step.value("add_prefix_space", false)) {
      throw_input_error(file + ": pre_tokenizer ByteLevel with add_prefix_space true is not supported");
    }
    if (step.value("use_regex", true)) {
      steps.emplace_back(std::string(kGpt2Pattern), true, SplitBehavior::kIsolated, false, file);
    }
    byte_level = true;
  } else if (type == "Sequence") {
    for (const auto& inner : step.at("pretokenizers")) add_step(inner, file, steps, byte_level);
  } else {
    throw_input_error(file + ": pre_tokenizer type '" + type + "' is not supported (supported: Split, ByteLevel, Sequence)");
  }
}

}  // namespace

PreTokenizer PreTokenizer::from_json(const nlohmann::json& config, const std::string& file) {
  PreTokenizer pre;
  if (config.is_null()) return pre;
  try {
    add_step(config, file, pre.steps_, pre.byte_level_);
  } catch (const nlohmann::json::exception& e) {
    throw_input_error(file + ": malformed pre_tokenizer: " + e.what());
  }
  return pre;
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& out) const {
  if (steps_.empty()) {
    if (!text.empty()) out.push_back(text);
    return;
  }
  std::vector<std::string_view> current{text};
  std::vector<std::string_view> next;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    auto& target = i + 1 == steps_.size() ? out : next;
    for (std::string_view piece : current) steps_[i].split(piece, target);
    if (i + 1 < steps_.size()) {
      current.swap(next);
      next.clear();
    }
  }
}

}  // namespace vidscope::models
