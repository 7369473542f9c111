#pragma once
// Byte-level BPE (Hugging Face "BPE" model with a ByteLevel alphabet): a word's bytes start as one
// symbol each and the pair with the lowest merge rank is merged until no listed merge applies.
#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vidscope::models {

using TokenId = std::int32_t;

class BpeModel {
 public:
  // `vocab` maps byte-level token strings to ids; `merges` are pairs of vocab tokens in rank order.
  // Throws vidscope::Error (kind input) naming `file` when a merge uses a token not in the vocabulary or
  // its concatenation is not in the vocabulary.
  BpeModel(std::unordered_map<std::string, TokenId> vocab, const std::vector<std::pair<std::string, std::string>>& merges,
           const std::string& file);
  BpeModel(const BpeModel&) = delete;
  BpeModel& operator=(const BpeModel&) = delete;

  // Appends the ids of `word` (raw bytes of one pre-tokenized piece). Bytes whose character is not in the
  // vocabulary are dropped, as Hugging Face does without an unk token. Thread-safe (the word cache is
  // guarded by a mutex).
  void encode_word(std::string_view word, std::vector<TokenId>& out) const;

  std::optional<TokenId> token_to_id(std::string_view token) const;
  const std::unordered_map<std::string, TokenId>& vocab() const { return vocab_; }

 private:
  struct Merge {
    std::int32_t rank;
    TokenId merged;
  };
  static std::uint64_t pair_key(TokenId left, TokenId right) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
  }
  void merge_symbols(std::string_view word, std::vector<TokenId>& out) const;

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  std::unordered_map<std::string, TokenId> vocab_;
  std::unordered_map<std::uint64_t, Merge> merges_;
  std::array<TokenId, 256> byte_ids_{};  // -1 when the byte's character is not a token

  static constexpr std::size_t kCacheCapacity = 1 << 16;
  static constexpr std::size_t kMaxCachedWordBytes = 64;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<TokenId>, StringHash, std::equal_to<>> cache_;
};

}  // namespace vidscope::models
