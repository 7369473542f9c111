#include "analyzers/vlm_batch_runner.h"

#include <algorithm>
#include <chrono>
#include <new>

#include <fmt/format.h>

#include "base/error.h"

namespace vidscope::analyzers {

namespace {

using Clock = std::chrono::steady_clock;

std::string labels(const std::vector<VlmItem>& items, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return items[begin].label;
  return items[begin].label + " .. " + items[end - 1].label;
}

// Keeps every other frame (the first and, for an even count, not the last): half the visual tokens.
void halve_frames(VlmItem& item) {
  std::vector<OwnedImage> kept;
  for (std::size_t i = 0; i < item.images.size(); i += 2) kept.push_back(std::move(item.images[i]));
  item.images = std::move(kept);
}

}  // namespace

std::string vlm_skip_reason(const AnalyzerContext& context) {
  if (context.models != nullptr && !context.models->vlm_unavailable.empty()) return context.models->vlm_unavailable;
  return "no VLM model configured";
}

OwnedImage copy_image(int width, int height, const std::vector<std::uint8_t>& rgb) {
  return OwnedImage{width, height, rgb};
}

VlmBatchRunner::VlmBatchRunner(vlm::VlmEngine& engine, vlm::DescribeOptions options, int max_retries)
    : engine_(engine), options_(std::move(options)), max_retries_(max_retries) {}

std::vector<VlmItemResult> VlmBatchRunner::describe(std::vector<VlmItem> items) {
  std::vector<VlmItemResult> out(items.size());
  if (items.empty()) return out;
  int retries_left = max_retries_;
  run(items, 0, items.size(), out, retries_left);
  return out;
}

void VlmBatchRunner::run(std::vector<VlmItem>& items, std::size_t begin, std::size_t end,
                         std::vector<VlmItemResult>& out, int& retries_left) {
  while (true) {
    std::string error;
    try {
      std::vector<vlm::VisualPrompt> prompts;
      for (std::size_t i = begin; i < end; ++i) {
        const VlmItem& item = items[i];
        vlm::VisualPrompt prompt;
        prompt.kind = item.kind;
        for (const OwnedImage& image : item.images) prompt.frames.push_back(image.view());
        prompt.sample_fps = item.sample_fps;
        prompt.max_pixels = item.max_pixels;
        prompt.prompt = item.prompt;
        prompts.push_back(std::move(prompt));
      }
      const auto start = Clock::now();
      auto described = engine_.describe_batch(prompts, options_);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      const int size = static_cast<int>(end - begin);
      for (std::size_t i = begin; i < end; ++i) {
        out[i] = {std::move(described[i - begin]), ms / size, size, static_cast<int>(items[i].images.size()),
                  items[i].max_pixels};
      }
      return;
    } catch (const std::bad_alloc&) {
      error = "out of memory (allocation failed)";
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kBudget) throw;
      error = e.what();
    }
    const std::string which = labels(items, begin, end);
    if (retries_left <= 0) {
      throw_budget_error(fmt::format("{}: still out of memory after {} smaller retries: {}", which, max_retries_, error));
    }
    --retries_left;
    std::string action;
    VlmItem& first = items[begin];
    if (end - begin > 1) {
      const std::size_t middle = begin + (end - begin) / 2;
      retries_.push_back({{"items", which},
                          {"error", error},
                          {"action", fmt::format("split the batch of {} into {} + {}", end - begin, middle - begin,
                                                 end - middle)}});
      run(items, begin, middle, out, retries_left);
      run(items, middle, end, out, retries_left);
      return;
    }
    if (first.kind != vlm::VisualPrompt::Kind::kPair && first.images.size() > 1) {
      const std::size_t before = first.images.size();
      halve_frames(first);
      action = fmt::format("frames {} -> {}", before, first.images.size());
    } else {
      const double before = first.max_pixels;
      first.max_pixels = std::max(56.0 * 56.0, before / 2);
      if (first.max_pixels >= before) {
        throw_budget_error(fmt::format("{}: out of memory at the smallest input: {}", which, error));
      }
      action = fmt::format("max pixels {:.0f} -> {:.0f}", before, first.max_pixels);
    }
    retries_.push_back({{"items", which}, {"error", error}, {"action", action}});
  }
}

}  // namespace vidscope::analyzers
