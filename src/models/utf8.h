#pragma once
// UTF-8 helpers the tokenizer needs: validation, NFC, lossy conversion of byte strings that may end in
// or contain broken sequences (decoded tokens are raw bytes), and splitting off an incomplete tail.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vidscope::models {

// Offset of the first invalid byte, or nullopt when `text` is valid UTF-8.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// NFC-normalizes valid UTF-8 (pure ASCII is returned unchanged without calling utf8proc).
std::string normalize_nfc(std::string_view text);

// Replaces each maximal invalid subsequence with U+FFFD, like Rust's String::from_utf8_lossy (which the
// Hugging Face ByteLevel decoder uses).
std::string utf8_lossy(std::string_view bytes);

// Length of the longest prefix of `bytes` that does not end inside a sequence which could still be
// completed by more bytes. Invalid bytes count as complete (they will become U+FFFD).
std::size_t complete_utf8_prefix(std::string_view bytes);

}  // namespace vidscope::models
