#pragma once
// A Hugging Face tokenizer.json of the byte-level BPE kind (GPT-2, Qwen2, Qwen2-VL, Qwen2.5-VL):
//   added tokens -> NFC normalizer -> Split/ByteLevel pre-tokenizer -> BPE -> ids, and back through the
//   ByteLevel decoder. encode() equals Hugging Face `encode(text, add_special_tokens=False)`.
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/added_tokens.h"
#include "models/bpe_model.h"
#include "models/pre_tokenizer.h"

namespace vidscope::models {

struct TokenizerJsonParts;  // tokenizer_json_reader.h

enum class AddedTokenMode {
  kMatch,   // "<|im_start|>" in the text becomes its single id (Hugging Face's default)
  kAsText,  // added tokens are tokenized as ordinary text; use for untrusted user text
};

class Tokenizer {
 public:
  // Loads tokenizer.json. Throws vidscope::Error (kind input) naming the file for a missing or malformed
  // file and for components this implementation does not support (the message names the component),
  // so that it never silently produces ids that differ from Hugging Face's.
  static Tokenizer load(const std::filesystem::path& tokenizer_json);
  static Tokenizer from_json(const nlohmann::json& json, const std::string& file);

  // Text to ids. Throws vidscope::Error (kind input) when `text` is not valid UTF-8 (with the offset).
  // Thread-safe: may be called concurrently on one Tokenizer.
  std::vector<TokenId> encode(std::string_view text, AddedTokenMode mode = AddedTokenMode::kMatch) const;

  // Ids to text; invalid UTF-8 produced by byte tokens becomes U+FFFD (as in Hugging Face). Unknown ids
  // are skipped, as Hugging Face does. Thread-safe.
  std::string decode(std::span<const TokenId> ids, bool skip_special_tokens = false) const;
  // The raw bytes one id stands for (not necessarily valid UTF-8); empty for unknown ids.
  std::string token_bytes(TokenId id) const;

  std::optional<TokenId> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(TokenId id) const;
  bool is_special(TokenId id) const;
  // One more than the largest id (base vocabulary and added tokens).
  std::size_t vocab_size() const { return id_to_token_.size(); }
  const std::vector<AddedToken>& added_tokens() const { return added_tokens_; }

 private:
  Tokenizer() = default;  // only the factories make one, so a Tokenizer always has a model
  static Tokenizer from_parts(TokenizerJsonParts parts, const std::string& file);
  void encode_plain(std::string_view text, std::vector<TokenId>& ids) const;
  void encode_normalized(std::string_view text, AddedTokenMode mode, std::vector<TokenId>& ids) const;

  std::shared_ptr<const BpeModel> model_;
  PreTokenizer pre_tokenizer_;
  bool nfc_ = false;
  std::vector<AddedToken> added_tokens_;
  AddedTokenMatcher raw_matcher_;         // added tokens with normalized == false
  AddedTokenMatcher normalized_matcher_;  // added tokens with normalized == true
  std::vector<std::string> id_to_token_;  // empty string for ids without a token
  std::vector<std::int8_t> special_;      // 1 for special added tokens
};

// Turns ids into text one at a time for streaming output: bytes of a character split across tokens (an
// emoji is often two or three byte tokens) are held back until the character is complete.
// Not thread-safe; one decoder per stream. The Tokenizer must outlive it.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool skip_special_tokens = false)
      : tokenizer_(&tokenizer), skip_special_(skip_special_tokens) {}

  // Returns the text completed by `id` (possibly empty).
  std::string push(TokenId id);
  // Returns what is still held back (incomplete bytes become U+FFFD) and resets the decoder.
  std::string finish();

 private:
  const Tokenizer* tokenizer_;
  bool skip_special_;
  std::string pending_;
};

}  // namespace vidscope::models
