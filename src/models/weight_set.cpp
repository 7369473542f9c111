#include "models/weight_set.h"

#include "base/error.h"
#include "models/json_file.h"

namespace vidscope::models {
namespace {

using nlohmann::json;

// A shard name must stay inside the checkpoint directory.
bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

}  // namespace

WeightSet WeightSet::open_files(const std::vector<std::filesystem::path>& files) {
  WeightSet set;
  if (!files.empty()) set.directory_ = files.front().parent_path();
  for (const auto& path : files) {
    set.files_.push_back(std::make_unique<SafetensorsFile>(path));
    for (const auto& [name, ref] : set.files_.back()->tensors()) {
      auto [it, inserted] = set.tensors_.emplace(name, &ref);
      if (!inserted) {
        throw_input_error(path.string() + ": tensor '" + name + "' is also in " +
                          it->second->file->string() + " (a tensor must be stored once)");
      }
    }
  }
  return set;
}

WeightSet WeightSet::open_directory(const std::filesystem::path& directory) {
  const auto index_path = directory / kSafetensorsIndexName;
  if (!std::filesystem::exists(index_path)) {
    const auto single = directory / kSingleSafetensorsName;
    if (!std::filesystem::exists(single)) {
      throw_input_error(directory.string() + ": no " + std::string(kSafetensorsIndexName) + " and no " +
                        std::string(kSingleSafetensorsName) + " (is this a Hugging Face model folder?)");
    }
    WeightSet set = open_files({single});
    set.directory_ = directory;
    return set;
  }

  const json index = read_json_file(index_path);
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw_input_error(index_path.string() + ": expected an object with a \"weight_map\" object");
  }
  std::map<std::string, std::vector<std::string>> tensors_by_shard;
  for (const auto& [tensor, shard] : index["weight_map"].items()) {
    if (!shard.is_string() || !is_plain_file_name(shard.get<std::string>())) {
      throw_input_error(index_path.string() + ": weight_map entry for '" + tensor +
                        "' must be a file name in the same folder, got " + shard.dump());
    }
    tensors_by_shard[shard.get<std::string>()].push_back(tensor);
  }
  if (tensors_by_shard.empty()) throw_input_error(index_path.string() + ": weight_map is empty");

  WeightSet set;
  set.directory_ = directory;
  for (const auto& [shard, names] : tensors_by_shard) {
    const auto shard_path = directory / shard;
    if (!std::filesystem::exists(shard_path)) {
      throw_input_error(shard_path.string() + ": shard listed in " + std::string(kSafetensorsIndexName) +
                        " (for " + std::to_string(names.size()) + " tensors, e.g. '" + names.front() +
                        "') does not exist (incomplete download?)");
    }
    set.files_.push_back(std::make_unique<SafetensorsFile>(shard_path));
    const SafetensorsFile& file = *set.files_.back();
    for (const auto& name : names) {
      const TensorRef* ref = file.find(name);
      if (ref == nullptr) {
        throw_input_error(shard_path.string() + ": tensor '" + name + "' is listed for this file in " +
                          std::string(kSafetensorsIndexName) + " but the file does not contain it");
      }
      set.tensors_.emplace(name, ref);
    }
  }
  return set;
}

const TensorRef* WeightSet::find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : it->second;
}

Bytes WeightSet::total_bytes() const {
  Bytes total = 0;
  for (const auto& [name, ref] : tensors_) total += ref->byte_size;
  return total;
}

std::map<WeightDType, Bytes> WeightSet::bytes_by_dtype() const {
  std::map<WeightDType, Bytes> totals;
  for (const auto& [name, ref] : tensors_) totals[ref->dtype] += ref->byte_size;
  return totals;
}

std::map<std::string, Bytes> WeightSet::bytes_by_prefix(const std::vector<std::string>& prefixes) const {
  std::map<std::string, Bytes> totals;
  for (const auto& prefix : prefixes) {
    Bytes sum = 0;
    for (auto it = tensors_.lower_bound(prefix); it != tensors_.end() && it->first.starts_with(prefix);
         ++it) {
      sum += it->second->byte_size;
    }
    totals[prefix] = sum;
  }
  return totals;
}

}  // namespace vidscope::models
