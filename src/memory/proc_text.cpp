#include "memory/proc_text.h"

#include <cctype>
#include <charconv>

namespace vidscope::memory {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<Bytes> parse_unsigned(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  Bytes value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// Calls `visit(key, value)` for every "Key:   value" line.
template <typename Visit>
void for_each_field(std::string_view text, Visit visit) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    visit(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
}

// "1234 kB" -> bytes. The kernel writes these fields in KiB although it spells them "kB".
std::optional<Bytes> parse_kib_field(std::string_view value) {
  if (value.size() < 2 || value.substr(value.size() - 2) != "kB") return std::nullopt;
  const auto kib = parse_unsigned(value.substr(0, value.size() - 2));
  if (!kib || *kib > (~Bytes{0}) / kKiB) return std::nullopt;
  return *kib * kKiB;
}

}  // namespace

ProcessMemory parse_proc_status(std::string_view text) {
  ProcessMemory m;
  for_each_field(text, [&m](std::string_view key, std::string_view value) {
    Bytes* target = nullptr;
    if (key == "VmRSS") target = &m.rss;
    else if (key == "RssAnon") target = &m.rss_anon;
    else if (key == "RssFile") target = &m.rss_file;
    else if (key == "RssShmem") target = &m.rss_shmem;
    else if (key == "VmHWM") target = &m.peak_rss;
    if (target) *target = parse_kib_field(value).value_or(0);
  });
  return m;
}

std::optional<Bytes> parse_smaps_rollup_pss(std::string_view text) {
  std::optional<Bytes> pss;
  for_each_field(text, [&pss](std::string_view key, std::string_view value) {
    if (key == "Pss") pss = parse_kib_field(value);
  });
  return pss;
}

SystemMemory parse_meminfo(std::string_view text) {
  SystemMemory m;
  for_each_field(text, [&m](std::string_view key, std::string_view value) {
    if (key == "MemTotal") m.total = parse_kib_field(value).value_or(0);
    else if (key == "MemAvailable") m.available = parse_kib_field(value).value_or(0);
  });
  return m;
}

std::optional<Bytes> parse_cgroup_v2_limit(std::string_view text) {
  if (trim(text) == "max") return std::nullopt;
  return parse_unsigned(text);
}

std::optional<Bytes> parse_cgroup_v1_limit(std::string_view text) {
  const auto limit = parse_unsigned(text);
  if (!limit || *limit >= kCgroupV1UnlimitedThreshold) return std::nullopt;
  return limit;
}

std::optional<Bytes> parse_cgroup_usage(std::string_view text) { return parse_unsigned(text); }

CgroupPaths parse_proc_self_cgroup(std::string_view text) {
  CgroupPaths paths;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    // "<hierarchy-id>:<controllers>:<path>"; the path itself may contain ':'.
    const size_t first = line.find(':');
    if (first == std::string_view::npos) continue;
    const size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, first);
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string path(line.substr(second + 1));
    if (id == "0" && controllers.empty()) {
      paths.v2 = path;
      continue;
    }
    // v1 controller lists are comma separated ("memory" or e.g. "cpu,memory").
    std::string_view rest = controllers;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      if (rest.substr(0, comma) == "memory") paths.v1_memory = path;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return paths;
}

}  // namespace vidscope::memory
