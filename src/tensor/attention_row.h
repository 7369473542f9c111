#pragma once
// Arguments of KernelTable::attention_row: one query row of one or more heads that share their keys
// and values (the query heads of one KV head), against keys [0, key_count).
#include <cstddef>
#include <cstdint>

namespace vidscope::tensor {

// out = sum_j softmax_j(scale * q.k_j) v_j over j < key_count (key_count >= 1), computed with an
// online softmax over blocks of keys so scores never need more than kAttentionKeyBlock floats.
struct AttentionRowArgs {
  const float* q = nullptr;       // heads * dim floats: head h at q + h * dim
  const float* k = nullptr;       // key j of this head starts at k + j * k_stride
  std::int64_t k_stride = 0;      // floats
  const float* v = nullptr;       // value j starts at v + j * v_stride
  std::int64_t v_stride = 0;      // floats
  std::int64_t key_count = 0;
  std::int64_t dim = 0;
  float scale = 1.0f;
  float* out = nullptr;           // heads * dim floats like q; must not alias q, k or v
  std::int64_t heads = 1;
};
inline constexpr std::int64_t kAttentionKeyBlock = 64;

}  // namespace vidscope::tensor
