#include "vlm/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "base/error.h"

namespace vidscope::vlm {

SamplingParams sampling_from_generation_config(const models::GenerationConfig& config) {
  SamplingParams p;
  if (config.do_sample) p.do_sample = *config.do_sample;
  if (config.temperature) p.temperature = *config.temperature;
  if (config.top_k) p.top_k = *config.top_k;
  if (config.top_p) p.top_p = *config.top_p;
  if (config.repetition_penalty) p.repetition_penalty = *config.repetition_penalty;
  // transformers treats temperature 0 as greedy.
  if (p.temperature <= 0) {
    p.do_sample = false;
    p.temperature = 1.0;
  }
  return p;
}

void validate_sampling(const SamplingParams& p) {
  if (!(p.temperature > 0)) throw_usage_error("temperature must be positive");
  if (p.top_k < 0) throw_usage_error("top_k must not be negative");
  if (!(p.top_p > 0 && p.top_p <= 1)) throw_usage_error("top_p must be in (0, 1]");
  if (!(p.repetition_penalty > 0)) throw_usage_error("repetition_penalty must be positive");
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) { validate_sampling(params); }

std::int32_t Sampler::sample(std::span<float> logits, std::span<const std::int32_t> history) {
  if (params_.repetition_penalty != 1.0) {
    tensor::penalize_repeats(logits, tensor::sorted_unique(history), params_.penalty());
  }
  if (params_.is_greedy()) return argmax(logits);

  const auto inv_t = static_cast<float>(1.0 / params_.temperature);
  std::vector<std::int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  auto by_logit = [&](std::int32_t a, std::int32_t b) {
    const float la = logits[static_cast<std::size_t>(a)], lb = logits[static_cast<std::size_t>(b)];
    return la > lb || (la == lb && a < b);
  };
  std::size_t keep = order.size();
  if (params_.top_k > 0) keep = std::min(keep, static_cast<std::size_t>(params_.top_k));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(), by_logit);
  order.resize(keep);

  std::vector<double> probs(keep);
  const double top = static_cast<double>(logits[static_cast<std::size_t>(order[0])]) * inv_t;
  double sum = 0;
  for (std::size_t i = 0; i < keep; ++i) {
    probs[i] = std::exp(static_cast<double>(logits[static_cast<std::size_t>(order[i])]) * inv_t - top);
    sum += probs[i];
  }
  // top-p: the smallest prefix (by probability) whose mass reaches top_p; at least one token.
  if (params_.top_p < 1.0) {
    double mass = 0;
    std::size_t n = 0;
    while (n < keep) {
      mass += probs[n] / sum;
      ++n;
      if (mass >= params_.top_p) break;
    }
    probs.resize(n);
    order.resize(n);
    sum = std::accumulate(probs.begin(), probs.end(), 0.0);
  }
  std::uniform_real_distribution<double> uniform(0.0, sum);
  double r = uniform(rng_);
  for (std::size_t i = 0; i < probs.size(); ++i) {
    r -= probs[i];
    if (r < 0) return order[i];
  }
  return order.back();
}

}  // namespace vidscope::vlm
