#include "tensor/greedy_choice.h"

#include <algorithm>
#include <string>

#include "tensor/view_checks.h"

namespace vidscope::tensor {

std::int32_t argmax(std::span<const float> values) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (values[i] > values[best]) best = i;
  }
  return static_cast<std::int32_t>(best);
}

std::vector<std::int32_t> sorted_unique(std::span<const std::int32_t> ids) {
  std::vector<std::int32_t> out(ids.begin(), ids.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void penalize_repeats(std::span<float> logits, std::span<const std::int32_t> unique_ids, float penalty) {
  if (penalty == 1.0f) return;
  for (const std::int32_t id : unique_ids) {
    if (id < 0 || static_cast<std::size_t>(id) >= logits.size()) continue;
    float& l = logits[static_cast<std::size_t>(id)];
    l = l < 0 ? l * penalty : l / penalty;
  }
}

void check_greedy_tokens_args(const TensorView& logits, std::size_t penalized_lists, std::size_t outputs) {
  constexpr std::string_view op = "greedy_tokens";
  require_f32_rows(op, "logits", logits);
  const auto rows = static_cast<std::size_t>(logits.rows());
  if (outputs != rows || (penalized_lists != 0 && penalized_lists != rows)) {
    fail_view_check(op, std::to_string(outputs) + " outputs and " + std::to_string(penalized_lists) + " id lists for " +
                            logits.describe());
  }
}

void greedy_tokens(const KernelContext& ctx, const TensorView& logits,
                   std::span<const std::span<const std::int32_t>> penalized, float penalty, std::span<std::int32_t> out) {
  check_greedy_tokens_args(logits, penalized.size(), out.size());
  const std::int64_t rows = logits.rows();
  const auto vocab = static_cast<std::size_t>(logits.cols());
  ctx.parallel_for(static_cast<std::size_t>(rows), [&](std::size_t r) {
    const std::span<float> row(logits.f32_row(static_cast<std::int64_t>(r)), vocab);
    if (!penalized.empty() && penalty != 1.0f) penalize_repeats(row, sorted_unique(penalized[r]), penalty);
    out[r] = argmax(row);
  });
}

}  // namespace vidscope::tensor
