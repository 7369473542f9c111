#pragma once
// Hugging Face "added_tokens": strings such as <|im_start|> that are found in the text before any other
// splitting and map straight to one id. Matching is leftmost-longest; lstrip/rstrip absorb whitespace
// next to the token, single_word requires no word character on either side.
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "models/bpe_model.h"

namespace vidscope::models {

struct AddedToken {
  TokenId id = 0;
  std::string content;
  bool special = false;
  bool normalized = false;  // matched after (true) or before (false) normalization
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
};

// One stretch of text: either an added token (id >= 0) or text still to be tokenized (id == -1).
struct TextSegment {
  std::string_view text;
  TokenId id = -1;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // Keeps only tokens whose `normalized` flag equals `normalized`.
  AddedTokenMatcher(const std::vector<AddedToken>& tokens, bool normalized);

  bool empty() const { return tokens_.empty(); }
  // Appends the segments of `text` in order. Thread-safe.
  void split(std::string_view text, std::vector<TextSegment>& out) const;

 private:
  std::vector<AddedToken> tokens_;             // longest content first
  std::array<bool, 256> first_byte_{};         // bytes that can start a token
};

}  // namespace vidscope::models
