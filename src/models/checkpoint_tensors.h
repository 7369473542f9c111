#pragma once
// Canonical tensor names for Qwen2-VL / Qwen2.5-VL, independent of how the checkpoint spells them.
//   Hub layout (saved before transformers 4.52):  visual.*, model.layers.*, model.embed_tokens.*,
//                                                 model.norm.*, lm_head.*
//   Nested layout (transformers >= 4.52 saves):   model.visual.*, model.language_model.*, lm_head.*
// Canonical: "visual.<rest>" for the vision tower, "llm.<rest>" for the decoder body
// (e.g. "llm.layers.0.self_attn.q_proj.weight", "llm.embed_tokens.weight"), "lm_head.weight".
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/weight_set.h"

namespace vidscope::models {

// Maps a checkpoint name to its canonical name; nullopt for names outside both layouts.
std::optional<std::string> canonical_tensor_name(std::string_view checkpoint_name);

inline constexpr std::string_view kLmHeadWeight = "lm_head.weight";
inline constexpr std::string_view kEmbedTokensWeight = "llm.embed_tokens.weight";

class CheckpointTensors {
 public:
  // Indexes `weights` by canonical name. With tie_word_embeddings and no lm_head.weight, lm_head.weight
  // resolves to llm.embed_tokens.weight. Throws vidscope::Error (kind input) when two checkpoint
  // tensors map to the same canonical name (a checkpoint mixing both layouts).
  // `weights` must outlive this object. Thread-safety: immutable after construction.
  CheckpointTensors(const WeightSet& weights, bool tie_word_embeddings);

  // nullptr when absent.
  const TensorRef* find(std::string_view canonical_name) const;
  // Throws vidscope::Error (kind input) naming the checkpoint folder and both spellings when absent.
  const TensorRef& get(std::string_view canonical_name) const;

  const std::map<std::string, const TensorRef*, std::less<>>& by_canonical_name() const { return canonical_; }
  // Checkpoint names that belong to neither layout (reported by `models verify`, otherwise ignored).
  const std::vector<std::string>& unrecognized() const { return unrecognized_; }
  bool lm_head_is_tied() const { return lm_head_tied_; }

 private:
  const WeightSet* weights_;
  std::map<std::string, const TensorRef*, std::less<>> canonical_;
  std::vector<std::string> unrecognized_;
  bool lm_head_tied_ = false;
};

}  // namespace vidscope::models
