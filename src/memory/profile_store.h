#pragma once
// The profile store: measured step peaks from earlier runs, kept in a small JSON file so that the next
// analysis admits each step by what it really used, not only by what its analyzer declared. Declared
// needs are guesses written once for typical input; a measurement follows the video, the settings and
// the machine's libraries.
//
// Entries are keyed by a string the caller builds from everything that changes a step's memory (the
// analyzer, its frame size, segment length and settings); this layer does not interpret keys.
// File: {"format": "vidscope-step-profiles", "version": 1, "entries": {key: entry}}; at most kMaxEntries
// entries, the least recently updated dropped first.
//
// The store is advisory: a missing, unreadable or corrupt file, or one that cannot be written, gives a
// warning and an empty store, never a failed analysis. Saving merges into whatever the file holds at that
// moment under an exclusive lock (flock on "<file>.lock"), so concurrent analyses keep each other's
// entries, and replaces the file atomically.
//
// Thread-safety: none; one analysis uses its store from one thread.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/units.h"

namespace vidscope::memory {

struct StepProfile {
  Bytes measured_bytes = 0;  // the most one step allocated in the latest run that measured it
  Bytes declared_bytes = 0;  // what the analyzer declared in that run
  int steps = 0;             // steps measured in that run
  int runs = 0;              // runs that updated this entry so far
  std::string updated;       // when, ISO 8601 UTC
};

class ProfileStore {
 public:
  static constexpr std::size_t kMaxEntries = 512;

  // A store that remembers nothing and writes nothing (profiles switched off).
  ProfileStore() = default;
  // Reads `path` if it exists. Problems are appended to `warnings` and leave the store empty (but still
  // enabled: save() then writes a fresh file).
  static ProfileStore open(std::filesystem::path path, std::vector<std::string>& warnings);

  bool enabled() const { return !path_.empty(); }
  const std::filesystem::path& path() const { return path_; }
  std::size_t size() const { return entries_.size(); }

  std::optional<StepProfile> find(const std::string& key) const;
  // Records this run's measurement for `key` (kept in memory until save()).
  void record(const std::string& key, Bytes measured_bytes, Bytes declared_bytes, int steps);
  // Writes the entries recorded since open() into the file (merged, locked, atomic). Does nothing when
  // disabled or when nothing was recorded. Failures become warnings.
  void save(std::vector<std::string>& warnings);

 private:
  std::filesystem::path path_;
  std::map<std::string, StepProfile> entries_;
  std::map<std::string, StepProfile> recorded_;  // this run's updates, merged into the file by save()
};

// Where the store lives by default: $VIDSCOPE_PROFILE_STORE when set ("off" or "" switches profiles off
// and yields an empty path), else $XDG_STATE_HOME/vidscope/step-profiles.json, else
// ~/.local/state/vidscope/step-profiles.json; empty when none of these can be formed (no HOME).
std::filesystem::path default_profile_store_path();

}  // namespace vidscope::memory
