#pragma once
// tokenizer.json split into its two big tables and the rest. A Qwen2 tokenizer.json is 11 MB, almost
// all of it model.vocab (151k entries) and model.merges (151k pairs); held as a JSON document those
// take several times their size in small heap blocks, which was most of the host peak while loading a
// memory-mapped model. read_tokenizer_json streams the file once: vocab and merges go straight into
// flat lists, everything else (normalizer, pre_tokenizer, added_tokens, ...) becomes a small document.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/bpe_model.h"

namespace vidscope::models {

// The largest token id accepted (vocab and added tokens): far above any real vocabulary, and it
// keeps a hostile file from sizing the id tables at billions of entries.
inline constexpr std::int64_t kMaxTokenId = std::int64_t{1} << 30;
constexpr bool valid_token_id(std::int64_t id) { return id >= 0 && id <= kMaxTokenId; }

struct TokenizerJsonParts {
  // The file with model.vocab and model.merges left empty ({} and []), when it had them.
  nlohmann::json rest;
  bool has_vocab = false;
  bool has_merges = false;
  std::vector<std::pair<std::string, TokenId>> vocab;          // in file order
  std::vector<std::pair<std::string, std::string>> merges;     // in rank order
};

// Streams `path`. Throws vidscope::Error (kind input) naming the file when it is missing, not JSON,
// or holds a vocab id that is not a small non-negative integer or a merge that is neither "a b" nor
// ["a", "b"].
TokenizerJsonParts read_tokenizer_json(const std::filesystem::path& path);

// The same split of a document already in memory; `file` names it in errors.
TokenizerJsonParts split_tokenizer_json(const nlohmann::json& root, const std::string& file);

}  // namespace vidscope::models
