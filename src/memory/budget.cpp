#include "memory/budget.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "base/error.h"

namespace vidscope::memory {

namespace {

constexpr const char* kAcceptedForms =
    "expected a size such as 12GiB, 800MiB, 1.5G or 4096 (bytes), a share of the device such as 80% "
    "(more than 0, at most 100), or 'unlimited'";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void reject(std::string_view text, std::string_view reason) {
  throw_usage_error(fmt::format("invalid memory budget '{}': {}; {}", text, reason, kAcceptedForms));
}

bool is_unlimited_word(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "unlimited" || lower == "none";
}

std::optional<double> parse_percent_number(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.front() == '+' || text.front() == '-') return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// The largest binary unit that divides `bytes` exactly, so to_string() round-trips through parse().
std::string exact_size_text(Bytes bytes) {
  constexpr Bytes kTiB = 1024 * kGiB;
  if (bytes % kTiB == 0) return fmt::format("{}TiB", bytes / kTiB);
  if (bytes % kGiB == 0) return fmt::format("{}GiB", bytes / kGiB);
  if (bytes % kMiB == 0) return fmt::format("{}MiB", bytes / kMiB);
  if (bytes % kKiB == 0) return fmt::format("{}KiB", bytes / kKiB);
  return fmt::format("{}", bytes);
}

}  // namespace

BudgetSpec BudgetSpec::absolute(Bytes bytes) {
  if (bytes == 0) throw_usage_error("a memory budget of 0 bytes admits nothing; give a positive size");
  BudgetSpec spec;
  spec.bytes_ = bytes;
  return spec;
}

BudgetSpec BudgetSpec::percent(double percent) {
  if (!std::isfinite(percent) || percent <= 0 || percent > 100) {
    throw_usage_error(fmt::format("a memory budget of {}% is out of range; give more than 0% and at most 100%",
                                  percent));
  }
  BudgetSpec spec;
  spec.percent_ = percent;
  return spec;
}

BudgetSpec BudgetSpec::parse(std::string_view text) {
  const std::string_view trimmed = trim(text);
  if (trimmed.empty()) reject(text, "it is empty");
  if (is_unlimited_word(trimmed)) return unlimited();
  if (trimmed.front() == '-') reject(text, "it is negative");
  if (trimmed.back() == '%') {
    const auto value = parse_percent_number(trimmed.substr(0, trimmed.size() - 1));
    if (!value) reject(text, "the percentage is not a number");
    if (*value <= 0 || *value > 100) reject(text, "the percentage is out of range");
    return percent(*value);
  }
  const auto bytes = parse_bytes(trimmed);
  if (!bytes) reject(text, "it is not a size");
  if (*bytes == 0) reject(text, "it is zero");
  return absolute(*bytes);
}

std::optional<Bytes> BudgetSpec::resolve(Bytes capacity) const {
  if (bytes_) return *bytes_;
  if (percent_) {
    return static_cast<Bytes>(std::floor(static_cast<long double>(capacity) * *percent_ / 100.0L));
  }
  return std::nullopt;
}

std::string BudgetSpec::to_string() const {
  if (bytes_) return exact_size_text(*bytes_);
  if (percent_) return fmt::format("{:g}%", *percent_);
  return "unlimited";
}

}  // namespace vidscope::memory
