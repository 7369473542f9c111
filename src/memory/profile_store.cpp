#include "memory/profile_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/atomic_file.h"

namespace vidscope::memory {

namespace {

constexpr const char* kFormat = "vidscope-step-profiles";
constexpr int kVersion = 1;
// A real store holds a few hundred small entries; anything far larger is not ours.
constexpr std::uintmax_t kMaxFileBytes = 4u << 20;

std::string now_utc() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(
                                                   std::chrono::system_clock::now())));
}

// Reads the entries of the file at `path`; a missing file is an empty store. Throws std::runtime_error
// with the reason for anything else that is wrong.
std::map<std::string, StepProfile> read_entries(const std::filesystem::path& path) {
  std::map<std::string, StepProfile> entries;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return entries;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw std::runtime_error("cannot read its size: " + ec.message());
  if (size > kMaxFileBytes) throw std::runtime_error(fmt::format("it is {} bytes, more than a store ever holds", size));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open it");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) throw std::runtime_error("it is not valid JSON");
  if (!json.is_object() || json.value("format", "") != kFormat) {
    throw std::runtime_error(fmt::format("it is not a {} file", kFormat));
  }
  if (json.value("version", 0) != kVersion) {
    throw std::runtime_error(fmt::format("version {} is not the supported {}", json.value("version", 0), kVersion));
  }
  const auto it = json.find("entries");
  if (it == json.end() || !it->is_object()) throw std::runtime_error("it has no \"entries\" object");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_object()) continue;
    const auto measured = value.find("measured_bytes");
    if (measured == value.end() || !measured->is_number_unsigned()) continue;  // skip, keep the rest
    StepProfile p;
    p.measured_bytes = measured->get<Bytes>();
    p.declared_bytes = value.value("declared_bytes", Bytes{0});
    p.steps = value.value("steps", 0);
    p.runs = value.value("runs", 0);
    p.updated = value.value("updated", std::string());
    entries[key] = std::move(p);
  }
  return entries;
}

std::string serialize(const std::map<std::string, StepProfile>& entries) {
  nlohmann::json out = {{"format", kFormat}, {"version", kVersion}, {"entries", nlohmann::json::object()}};
  for (const auto& [key, p] : entries) {
    out["entries"][key] = {{"measured_bytes", p.measured_bytes},
                           {"declared_bytes", p.declared_bytes},
                           {"steps", p.steps},
                           {"runs", p.runs},
                           {"updated", p.updated}};
  }
  return out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Keeps the kMaxEntries most recently updated entries (ISO timestamps sort as text).
void trim(std::map<std::string, StepProfile>& entries) {
  if (entries.size() <= ProfileStore::kMaxEntries) return;
  std::vector<std::pair<std::string, std::string>> by_age;  // (updated, key)
  for (const auto& [key, p] : entries) by_age.emplace_back(p.updated, key);
  std::sort(by_age.begin(), by_age.end());
  const std::size_t drop = entries.size() - ProfileStore::kMaxEntries;
  for (std::size_t i = 0; i < drop; ++i) entries.erase(by_age[i].second);
}

// An exclusive advisory lock on "<store>.lock" for as long as it lives; not locked when the lock file
// cannot be opened (the caller then writes unlocked, which is still atomic, only not merged).
class StoreLock {
 public:
  explicit StoreLock(const std::filesystem::path& store) {
    const std::string lock_path = store.string() + ".lock";
    fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~StoreLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  bool locked() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace

ProfileStore ProfileStore::open(std::filesystem::path path, std::vector<std::string>& warnings) {
  ProfileStore store;
  store.path_ = std::move(path);
  if (store.path_.empty()) return store;
  try {
    store.entries_ = read_entries(store.path_);
  } catch (const std::exception& e) {
    warnings.push_back(fmt::format("the step profile store {} was ignored ({}); it will be rewritten after this run",
                                   store.path_.string(), e.what()));
  }
  return store;
}

std::optional<StepProfile> ProfileStore::find(const std::string& key) const {
  if (const auto it = entries_.find(key); it != entries_.end()) return it->second;
  return std::nullopt;
}

void ProfileStore::record(const std::string& key, Bytes measured_bytes, Bytes declared_bytes, int steps) {
  if (!enabled()) return;
  StepProfile p;
  p.measured_bytes = measured_bytes;
  p.declared_bytes = declared_bytes;
  p.steps = steps;
  p.updated = now_utc();
  recorded_[key] = p;
  entries_[key] = std::move(p);
}

void ProfileStore::save(std::vector<std::string>& warnings) {
  if (!enabled() || recorded_.empty()) return;
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) {
    warnings.push_back(fmt::format("the step profile store {} was not saved: cannot create its folder ({})",
                                   path_.string(), ec.message()));
    return;
  }
  const StoreLock lock(path_);
  std::map<std::string, StepProfile> merged;
  try {
    merged = read_entries(path_);  // what other runs saved since open()
  } catch (const std::exception&) {
    // A corrupt file was already reported by open(); it is replaced by this run's entries.
  }
  for (const auto& [key, p] : recorded_) {
    StepProfile& entry = merged[key];
    const int runs = entry.runs;
    entry = p;
    entry.runs = runs + 1;
  }
  trim(merged);
  try {
    write_file_atomically(path_, serialize(merged));
  } catch (const std::exception& e) {
    warnings.push_back(fmt::format("the step profile store {} was not saved: {}", path_.string(), e.what()));
    return;
  }
  entries_ = std::move(merged);
  recorded_.clear();
}

std::filesystem::path default_profile_store_path() {
  if (const char* explicit_path = std::getenv("VIDSCOPE_PROFILE_STORE")) {
    const std::string value = explicit_path;
    if (value.empty() || value == "off") return {};
    return value;
  }
  constexpr const char* kFile = "vidscope/step-profiles.json";
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state == '/') {
    return std::filesystem::path(state) / kFile;
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    return std::filesystem::path(home) / ".local/state" / kFile;
  }
  return {};
}

}  // namespace vidscope::memory
