// describe_batch: every prompt kind in one batch gives what each prompt gives alone (greedy), and
// malformed batches are input errors. Tiny random model: the text is noise, the equality is the point.
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "base/error.h"
#include "vlm/tiny_model_dir.h"
#include "vlm/vlm_engine.h"

namespace vidscope::vlm {
namespace {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
  RgbImageView view() const { return {width, height, rgb}; }
};

Image pattern(int width, int height, int phase) {
  Image img{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width * height * 3))};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::size_t at = (static_cast<std::size_t>(y) * width + x) * 3;
      img.rgb[at] = static_cast<std::uint8_t>((x * 7 + phase * 40) & 255);
      img.rgb[at + 1] = static_cast<std::uint8_t>((y * 5 + phase * 17) & 255);
      img.rgb[at + 2] = static_cast<std::uint8_t>(((x ^ y) + phase * 91) & 255);
    }
  }
  return img;
}

class DescribeBatch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testing::make_tiny_describing_model("describe");
    EngineOptions options;
    options.threads = 2;
    engine_ = VlmEngine::load(dir_, options).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
    std::filesystem::remove_all(dir_);
  }
  static inline std::filesystem::path dir_;
  static inline VlmEngine* engine_ = nullptr;
};

TEST_F(DescribeBatch, BatchEqualsEachPromptAlone) {
  const Image a = pattern(84, 56, 0), b = pattern(84, 56, 1), c = pattern(84, 56, 2);
  std::vector<VisualPrompt> prompts(3);
  prompts[0] = {VisualPrompt::Kind::kPair, {a.view(), b.view()}, 0.0, std::nullopt, ""};
  prompts[1] = {VisualPrompt::Kind::kVideo, {a.view(), b.view(), c.view()}, 1.5, 56.0 * 84.0, "What happens?"};
  prompts[2] = {VisualPrompt::Kind::kImages, {c.view(), a.view()}, 0.0, std::nullopt, "Compare."};
  DescribeOptions options;
  options.max_new_tokens = 6;
  options.sampling = SamplingParams{};  // greedy
  const auto together = engine_->describe_batch(prompts, options);
  ASSERT_EQ(together.size(), 3u);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const auto alone = engine_->describe_batch(std::span<const VisualPrompt>(&prompts[i], 1), options);
    EXPECT_EQ(together[i].text, alone[0].text) << "prompt " << i;
    EXPECT_EQ(together[i].tokens, alone[0].tokens) << "prompt " << i;
    EXPECT_GE(together[i].tokens, 1);
    EXPECT_LE(together[i].tokens, 6);
    EXPECT_GT(together[i].prompt_tokens, together[i].visual_tokens);
  }
  // 84x56 -> smart_resize 84x56 -> 6x4 patches -> 6 merged tokens per image; the pair has two images,
  // the 3-frame video two temporal patches, the two images two grids.
  EXPECT_EQ(together[0].visual_tokens, 12);
  EXPECT_EQ(together[1].visual_tokens, 12);
  EXPECT_EQ(together[2].visual_tokens, 12);
  // The single-prompt entry points are the same path.
  EXPECT_EQ(engine_->describe_pair(a.view(), b.view(), options), together[0].text);
}

TEST_F(DescribeBatch, MalformedBatchesAreInputErrors) {
  const Image a = pattern(84, 56, 0);
  DescribeOptions options;
  options.max_new_tokens = 2;
  const auto expect_input_error = [&](std::vector<VisualPrompt> prompts, const char* needle) {
    try {
      engine_->describe_batch(prompts, options);
      FAIL() << "expected an input error containing '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_input_error({}, "empty");
  expect_input_error({{VisualPrompt::Kind::kPair, {a.view()}, 0.0, std::nullopt, ""}}, "exactly two");
  expect_input_error({{VisualPrompt::Kind::kImages, {}, 0.0, std::nullopt, ""}}, "no frames");
  expect_input_error({{VisualPrompt::Kind::kImages, {a.view()}, 0.0, 100.0, ""}}, "min_pixels");
}

}  // namespace
}  // namespace vidscope::vlm
