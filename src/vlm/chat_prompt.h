#pragma once
// Prompt construction for the Qwen2-VL / Qwen2.5-VL Instruct chat template:
//   <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n
//   <|im_start|>user\n<|vision_start|><|image_pad|> x n<|vision_end|>...TEXT<|im_end|>\n
//   <|im_start|>assistant\n
// The result is a list of pieces — text to be run through the tokenizer, single special-token ids, and
// runs of image/video pad tokens (n = t*h*w / merge^2) — so this layer needs no tokenizer. Tokenizing
// each text piece on its own gives the same ids as tokenizing the whole string, because the
// tokenizer splits its input at special tokens before BPE.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vlm/processor_config.h"

namespace vidscope::vlm {

// Special-token ids from the tokenizer / config.json (defaults: the released Qwen2-VL vocabulary).
struct SpecialTokenIds {
  std::int32_t im_start = 151644;      // <|im_start|>
  std::int32_t im_end = 151645;        // <|im_end|>
  std::int32_t vision_start = 151652;  // <|vision_start|>
  std::int32_t vision_end = 151653;    // <|vision_end|>
  std::int32_t image_pad = 151655;     // <|image_pad|>
  std::int32_t video_pad = 151656;     // <|video_pad|>
};

struct PromptPiece {
  enum class Kind { kText, kToken, kPadRun };
  Kind kind = Kind::kText;
  std::string text;          // kText
  std::int32_t token = 0;    // kToken: the id; kPadRun: the pad id repeated
  std::int64_t count = 0;    // kPadRun: number of pad tokens
  friend bool operator==(const PromptPiece&, const PromptPiece&) = default;
};

// One item of the user message, in order: text, or an image / video with its patch grid.
struct ContentItem {
  enum class Kind { kText, kImage, kVideo };
  Kind kind = Kind::kText;
  std::string text;  // kText
  GridThw grid;      // kImage / kVideo

  static ContentItem make_text(std::string text) { return {Kind::kText, std::move(text), {}}; }
  static ContentItem make_image(GridThw grid) { return {Kind::kImage, {}, grid}; }
  static ContentItem make_video(GridThw grid) { return {Kind::kVideo, {}, grid}; }
};

inline constexpr std::string_view kDefaultSystemPrompt = "You are a helpful assistant.";

// Builds the template above for one user turn followed by the generation prompt. Adjacent text is
// merged into one piece. Throws vidscope::Error (input) when a grid is empty or its h, w are not
// multiples of merge_size.
std::vector<PromptPiece> build_chat_prompt(const std::vector<ContentItem>& user_content, const SpecialTokenIds& ids,
                                           int merge_size, std::string_view system_prompt = kDefaultSystemPrompt);

// The vision block alone: <|vision_start|>, the pad run, <|vision_end|> (appended to `out`).
void append_vision_block(std::vector<PromptPiece>& out, const ContentItem& item, const SpecialTokenIds& ids,
                         int merge_size);

// Turns pieces into token ids; `tokenize` maps a text piece to its ids (plain text, no special tokens).
using TextTokenizer = std::function<std::vector<std::int32_t>(std::string_view)>;
std::vector<std::int32_t> flatten_prompt(const std::vector<PromptPiece>& pieces, const TextTokenizer& tokenize);

// The prompt as one string (special tokens spelled out, pad runs expanded only as a count), for logs.
std::string describe_prompt(const std::vector<PromptPiece>& pieces);

}  // namespace vidscope::vlm
