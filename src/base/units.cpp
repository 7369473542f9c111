#include "base/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace vidscope {

std::string format_bytes(Bytes bytes) {
  static constexpr std::array<const char*, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < kKiB) return fmt::format("{} B", bytes);
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.{}f} {}", value, value < 10 ? 2 : (value < 100 ? 1 : 0), kUnits[unit]);
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<Bytes> unit_multiplier(std::string_view unit) {
  std::string lower;
  for (char c : unit) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.empty() || lower == "b") return Bytes{1};
  if (lower == "k" || lower == "kb" || lower == "kib") return kKiB;
  if (lower == "m" || lower == "mb" || lower == "mib") return kMiB;
  if (lower == "g" || lower == "gb" || lower == "gib") return kGiB;
  if (lower == "t" || lower == "tb" || lower == "tib") return 1024 * kGiB;
  return std::nullopt;
}

}  // namespace

std::optional<Bytes> parse_bytes(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  size_t number_end = 0;
  while (number_end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[number_end])) || text[number_end] == '.')) {
    ++number_end;
  }
  if (number_end == 0) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + number_end, value);
  if (ec != std::errc() || ptr != text.data() + number_end || !std::isfinite(value)) return std::nullopt;
  auto multiplier = unit_multiplier(trim(text.substr(number_end)));
  if (!multiplier) return std::nullopt;
  const double bytes = value * static_cast<double>(*multiplier);
  if (bytes >= 18.0e18) return std::nullopt;  // beyond uint64
  return static_cast<Bytes>(std::llround(bytes));
}

}  // namespace vidscope
