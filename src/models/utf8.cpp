#include "models/utf8.h"

#include <cstdlib>
#include <memory>

#include <utf8proc.h>

#include "base/error.h"

namespace vidscope::models {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the valid sequence starting at `i`, 0 when invalid; `*truncated` tells whether the bytes so
// far are a valid prefix cut short by the end of input.
std::size_t valid_sequence_length(std::string_view s, std::size_t i, bool* truncated) {
  *truncated = false;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= s.size()) {
      *truncated = true;
      return 0;
    }
    const unsigned char c = byte(i + k);
    const unsigned char lo = k == 1 ? low : 0x80, hi = k == 1 ? high : 0xBF;
    if (c < lo || c > hi) return 0;
  }
  return length;
}

// Bytes of the maximal invalid subpart at `i` (at least 1), per Unicode's "substitution of maximal subparts".
std::size_t invalid_subpart_length(std::string_view s, std::size_t i) {
  std::size_t n = 1;
  for (std::size_t len = 2; len <= 4 && i + len <= s.size(); ++len) {
    bool truncated;
    if (valid_sequence_length(s.substr(0, i + len), i, &truncated) == 0 && truncated) n = len;
    else break;
  }
  return n;
}

}  // namespace

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    bool truncated;
    const std::size_t length = valid_sequence_length(text, i, &truncated);
    if (length == 0) return i;
    i += length;
  }
  return std::nullopt;
}

std::string normalize_nfc(std::string_view text) {
  bool ascii = true;
  for (char c : text) ascii &= static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(text);
  utf8proc_uint8_t* output = nullptr;
  const utf8proc_ssize_t length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                               static_cast<utf8proc_ssize_t>(text.size()), &output,
                                               static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (length < 0) {
    throw_input_error(std::string("text cannot be NFC-normalized: ") + utf8proc_errmsg(length));
  }
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(output, &std::free);
  return std::string(reinterpret_cast<const char*>(output), static_cast<std::size_t>(length));
}

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    bool truncated;
    const std::size_t length = valid_sequence_length(bytes, i, &truncated);
    if (length > 0) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      out.append(kReplacement);
      i += invalid_subpart_length(bytes, i);
    }
  }
  return out;
}

std::size_t complete_utf8_prefix(std::string_view bytes) {
  // Only the last three bytes can start an unfinished sequence.
  const std::size_t start = bytes.size() > 3 ? bytes.size() - 3 : 0;
  for (std::size_t i = start; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0xC0) continue;  // ASCII or continuation byte
    bool truncated;
    valid_sequence_length(bytes, i, &truncated);
    if (truncated) return i;
  }
  return bytes.size();
}

}  // namespace vidscope::models
