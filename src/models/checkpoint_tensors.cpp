#include "models/checkpoint_tensors.h"

#include "base/error.h"

namespace vidscope::models {
namespace {

std::optional<std::string_view> strip(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  return name.substr(prefix.size());
}

}  // namespace

std::optional<std::string> canonical_tensor_name(std::string_view name) {
  if (auto rest = strip(name, "model.visual.")) return "visual." + std::string(*rest);
  if (auto rest = strip(name, "model.language_model.")) return "llm." + std::string(*rest);
  if (name.starts_with("visual.") || name.starts_with("lm_head.")) return std::string(name);
  if (auto rest = strip(name, "model.")) return "llm." + std::string(*rest);
  return std::nullopt;
}

CheckpointTensors::CheckpointTensors(const WeightSet& weights, bool tie_word_embeddings)
    : weights_(&weights) {
  for (const auto& [name, ref] : weights.tensors()) {
    auto canonical = canonical_tensor_name(name);
    if (!canonical) {
      unrecognized_.push_back(name);
      continue;
    }
    auto [it, inserted] = canonical_.emplace(*canonical, ref);
    if (!inserted) {
      throw_input_error(weights.directory().string() + ": tensors '" + it->second->name + "' and '" + name +
                        "' both mean '" + *canonical +
                        "' (the checkpoint mixes the old and new transformers name layouts)");
    }
  }
  if (tie_word_embeddings && !canonical_.contains(kLmHeadWeight)) {
    if (auto it = canonical_.find(kEmbedTokensWeight); it != canonical_.end()) {
      const TensorRef* embed = it->second;
      canonical_.emplace(std::string(kLmHeadWeight), embed);
      lm_head_tied_ = true;
    }
  }
}

const TensorRef* CheckpointTensors::find(std::string_view canonical_name) const {
  auto it = canonical_.find(canonical_name);
  return it == canonical_.end() ? nullptr : it->second;
}

const TensorRef& CheckpointTensors::get(std::string_view canonical_name) const {
  if (const TensorRef* ref = find(canonical_name)) return *ref;
  // Built with append: GCC 12 warns falsely (-Wrestrict) on `"literal" + std::string&&` here.
  std::string spellings = "'";
  if (canonical_name.starts_with("visual.")) {
    spellings.append(canonical_name).append("' or 'model.").append(canonical_name).append("'");
  } else if (auto rest = strip(canonical_name, "llm.")) {
    spellings.append("model.").append(*rest).append("' or 'model.language_model.").append(*rest).append("'");
  } else {
    spellings.append(canonical_name).append("'");
  }
  throw_input_error(weights_->directory().string() + ": checkpoint has no tensor " + spellings +
                    " (incomplete or different model?)");
}

}  // namespace vidscope::models
