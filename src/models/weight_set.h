#pragma once
// All weight files of one checkpoint directory: either a single `model.safetensors` or shards listed by
// `model.safetensors.index.json` ("weight_map": {tensor name: shard file}). Every tensor is reachable by
// its name as stored in the checkpoint; canonical names live in checkpoint_tensors.h.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/units.h"
#include "models/safetensors.h"

namespace vidscope::models {

class WeightSet {
 public:
  // Opens the checkpoint in `directory`. With an index file, every shard it names must exist inside
  // the directory and hold every tensor the index assigns to it; tensors present in a shard but not
  // in the index are ignored (as Hugging Face does). Without an index, `model.safetensors` is used.
  // Throws vidscope::Error (kind input) naming the file and what was expected.
  // Thread-safety: immutable after construction.
  static WeightSet open_directory(const std::filesystem::path& directory);
  // Opens exactly the given files (no index); tensor names must be unique across them.
  static WeightSet open_files(const std::vector<std::filesystem::path>& files);

  const std::filesystem::path& directory() const { return directory_; }
  const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }
  // All tensors by checkpoint name; pointers stay valid while this WeightSet lives.
  const std::map<std::string, const TensorRef*, std::less<>>& tensors() const { return tensors_; }
  const TensorRef* find(std::string_view name) const;

  // Byte totals for the memory planner.
  Bytes total_bytes() const;
  std::map<WeightDType, Bytes> bytes_by_dtype() const;
  // Sums bytes of tensors whose names start with each prefix (a tensor may count under several).
  std::map<std::string, Bytes> bytes_by_prefix(const std::vector<std::string>& prefixes) const;

 private:
  std::filesystem::path directory_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorRef*, std::less<>> tensors_;
};

inline constexpr std::string_view kSafetensorsIndexName = "model.safetensors.index.json";
inline constexpr std::string_view kSingleSafetensorsName = "model.safetensors";

}  // namespace vidscope::models
