// The VLM engine on tiny Qwen2.5-VL checkpoints against outputs of Hugging Face transformers itself
// (tests/data/vlm/ref-q25*.json, float32 eager; scripts/fixtures/make_qwen25vl_fixtures.py). They exercise
// what Qwen2.5-VL adds to Qwen2-VL: RMSNorm and SwiGLU-with-bias vision blocks, window attention
// (56-pixel windows, so 2 x 3 and 5 x 6 merged grids are cut into several windows, edge windows partial;
// a 2 x 2 grid fills one window exactly) alternating with a full-attention block, the window permutation
// and its inverse after the merger, and absolute-time video positions (second_per_grid_t = 1.25, not 1);
// and both checkpoint layouts (transformers 5 f32, and bf16 / tied / sharded like the released 3B).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vlm/reference_compare.h"
#include "vlm/test_support.h"
#include "vlm/vlm_engine.h"

namespace vidscope::vlm {
namespace {

using test::expect_greedy_matches;
using test::logits_max_rel_diff;
using test::logits_rel_l2;
using test::max_abs;

constexpr const char* kCheckpoint = "ckpt-q25-s3-f32";
// Laid out like the released Qwen2.5-VL-3B: bf16, tied embeddings, flat 4.x config, visual.* / model.*
// names, two shards.
constexpr const char* kHubCheckpoint = "ckpt-q25-s4-bf16-tie-shards2";

struct Qwen25Case {
  std::string fixture;
  std::string ckpt;
  std::string image;                // empty: none
  std::vector<std::string> frames;  // empty: no video
  std::vector<std::int32_t> prompt_ids;
  double min_pixels = 0;            // 0: from preprocessor_config.json
  double video_fps = 2.0;
};

const std::vector<std::string> kFrames4 = {"frame0_56x84.png", "frame1_56x84.png", "frame2_56x84.png",
                                           "frame3_56x84.png"};

// The CASES of scripts/fixtures/make_qwen25vl_fixtures.py.
std::vector<Qwen25Case> qwen25_cases() {
  return {
      {"ref-q25-noisy-minpix.json", kCheckpoint, "noisy_45x67.png", {}, {5, 6, -1, 7, 8, 9}, 18816},
      {"ref-q25-video4.json", kCheckpoint, "", kFrames4, {5, -2, 7, 8}, 0, 1.6},
      {"ref-q25-grad-video4.json", kCheckpoint, "grad_56x84.png", kFrames4, {-1, 5, -2, 9}, 0, 1.6},
      {"ref-q25h-noisy-video4.json", kHubCheckpoint, "noisy_45x67.png", kFrames4, {11, -1, 12, -2, 13}, 0, 1.6},
  };
}

nlohmann::json run_probe(const Qwen25Case& c, WeightPrecision precision, std::int64_t max_new_tokens) {
  EngineOptions options;
  options.precision = precision;
  options.threads = 2;
  const auto engine = VlmEngine::load(test::vlm_data_path(c.ckpt), options);
  std::vector<test::OwnedRgb> owned;
  if (!c.image.empty()) owned.push_back(test::load_test_image(c.image));
  for (const auto& f : c.frames) owned.push_back(test::load_test_image(f));
  ProbeRequest request;
  std::size_t next = 0;
  if (!c.image.empty()) request.image = owned[next++].view();
  for (; next < owned.size(); ++next) request.frames.push_back(owned[next].view());
  request.prompt_ids = c.prompt_ids;
  request.max_new_tokens = max_new_tokens;
  request.video_fps = c.video_fps;
  if (c.min_pixels > 0) request.min_pixels = c.min_pixels;
  return engine->probe(request);
}

// f32 tolerance, relative to the largest magnitude of the compared values. transformers (torch CPU
// kernels) and the engine (blocked GEMM, online softmax) sum in different orders; each f32 op then differs
// by a few ulps (~1e-7 relative), and the ~25 ops between pixels and logits (three vision blocks, merger,
// two decoder layers) compound that to about 1e-6 (measured on x86-64 with AVX-512: logits 5.3e-7 to
// 1.2e-6, vision outputs at most 8.5e-7). 1e-5 leaves a margin of about 8x and still fails on any real
// mistake: full attention in the window blocks moves the logits by 0.2, a missing inverse window
// permutation by 0.02.
constexpr double kF32RelTol = 1e-5;
// Pixel values (|x| < 2.7, one f32 ulp there is 2.4e-7): both sides resize with Pillow-exact bicubic, so
// the bytes entering the normalization are identical. The image processor of transformers normalizes like
// the engine (measured: bit-exact); its video processor fuses rescale and normalization in torch, which
// rounds differently in the last ulp (measured: max 1.2e-7, mean 5e-8). 1e-6 allows four ulps.
constexpr double kPixelAbsTol = 1e-6;

double relative_diff(const std::vector<double>& ref, const std::vector<double>& got) {
  EXPECT_EQ(ref.size(), got.size());
  double d = 0;
  for (std::size_t i = 0; i < std::min(ref.size(), got.size()); ++i) d = std::max(d, std::abs(ref[i] - got[i]));
  return d / max_abs(ref);
}

void expect_pixels_match(const nlohmann::json& ref, const nlohmann::json& got, const std::string& key) {
  ASSERT_TRUE(got.contains(key)) << key;
  EXPECT_EQ(got[key]["shape"], ref[key]["shape"]) << key;
  const auto rf = ref[key]["first"].get<std::vector<double>>();
  const auto gf = got[key]["first"].get<std::vector<double>>();
  ASSERT_EQ(rf.size(), gf.size());
  double first_diff = 0;
  for (std::size_t i = 0; i < rf.size(); ++i) first_diff = std::max(first_diff, std::abs(gf[i] - rf[i]));
  EXPECT_LE(first_diff, kPixelAbsTol) << key;
  // Sums over every value: a wrong patch order keeps sum and l2 but moves the position-weighted sum. Per
  // value the bound is kPixelAbsTol, as for the first values.
  const auto& shape = ref[key]["shape"];
  const double n = static_cast<double>(shape[0].get<std::int64_t>() * shape[1].get<std::int64_t>());
  std::printf("[ measured ] %s first max|diff| %.3g", key.c_str(), first_diff);
  for (const char* s : {"sum", "abs_sum", "weighted_sum"}) {
    const double d = std::abs(got[key][s].get<double>() - ref[key][s].get<double>());
    std::printf(", %s |diff| / values %.3g", s, d / n);
    EXPECT_LE(d, kPixelAbsTol * n) << key << " " << s;
  }
  std::printf("\n");
}

// Relative to the largest magnitude of the output (max(|min|, |max|)): the first 8 values (token 0),
// min, max, and the sum per value; l2 relative to itself. The token order (the inverse window
// permutation) is checked separately, by VisionTokensComeBackInRasterOrder.
void expect_vision_matches(const nlohmann::json& ref, const nlohmann::json& got, const std::string& key) {
  ASSERT_TRUE(got.contains(key)) << key;
  const nlohmann::json& r = ref[key];
  const nlohmann::json& g = got[key];
  EXPECT_EQ(g["shape"], r["shape"]) << key;
  const double scale = std::max(std::abs(r["min"].get<double>()), std::abs(r["max"].get<double>()));
  const auto rf = r["first"].get<std::vector<double>>();
  const auto gf = g["first"].get<std::vector<double>>();
  ASSERT_EQ(rf.size(), gf.size());
  double first_diff = 0;
  for (std::size_t i = 0; i < rf.size(); ++i) first_diff = std::max(first_diff, std::abs(rf[i] - gf[i]) / scale);
  const double l2_diff = std::abs(g["l2"].get<double>() - r["l2"].get<double>()) / r["l2"].get<double>();
  const double values = static_cast<double>(r["shape"][0].get<std::int64_t>() * r["shape"][1].get<std::int64_t>());
  const double sum_diff = std::abs(g["sum"].get<double>() - r["sum"].get<double>()) / (scale * values);
  const double min_diff = std::abs(g["min"].get<double>() - r["min"].get<double>()) / scale;
  const double max_diff = std::abs(g["max"].get<double>() - r["max"].get<double>()) / scale;
  std::printf("[ measured ] %s first %.3g l2 %.3g sum/value %.3g min %.3g max %.3g (relative)\n", key.c_str(),
              first_diff, l2_diff, sum_diff, min_diff, max_diff);
  for (const double d : {first_diff, l2_diff, sum_diff, min_diff, max_diff}) EXPECT_LE(d, kF32RelTol) << key;
}

std::vector<double> row_l2(const Activation& a) {
  std::vector<double> out;
  for (std::int64_t r = 0; r < a.rows(); ++r) {
    double sq = 0;
    for (std::int64_t c = 0; c < a.cols(); ++c) sq += static_cast<double>(a.row(r)[c]) * a.row(r)[c];
    out.push_back(std::sqrt(sq));
  }
  return out;
}

void expect_rows_match(const nlohmann::json& ref, const Activation& got, const std::string& key) {
  const auto want = ref.at(key).at("row_l2").get<std::vector<double>>();
  const double diff = relative_diff(want, row_l2(got));
  std::printf("[ measured ] %s per-token L2 %.3g (relative)\n", key.c_str(), diff);
  EXPECT_LE(diff, kF32RelTol) << key;
}

// Both config layouts (transformers 5 "text_config" / "rope_parameters" and the released checkpoints'
// flat keys with "rope_scaling" and "in_chans") describe the same architecture.
TEST(EngineQwen25Reference, BothCheckpointLayoutsLoadAsQwen25) {
  for (const char* name : {kCheckpoint, kHubCheckpoint}) {
    SCOPED_TRACE(name);
    const auto engine = VlmEngine::load(test::vlm_data_path(name));
    const models::VlmConfig& config = engine->config();
    EXPECT_EQ(config.family, models::VlmFamily::kQwen25VL);
    EXPECT_EQ(config.vision.norm, models::VisionNorm::kRmsNorm);
    EXPECT_EQ(config.vision.mlp, models::VisionMlp::kGatedGateUpDown);
    EXPECT_EQ(config.vision.window_size, 56);
    EXPECT_EQ(config.vision.fullatt_block_indexes, std::vector<std::int64_t>({1}));
    EXPECT_EQ(config.vision.depth, 3);
    EXPECT_EQ(config.vision.in_channels, 3);
    EXPECT_EQ(config.vision.tokens_per_second, 2.0);
    EXPECT_EQ(config.text.mrope_section, std::vector<std::int64_t>({2, 3, 3}));
    EXPECT_EQ(config.text.tie_word_embeddings, std::string(name) == kHubCheckpoint);
  }
}

TEST(EngineQwen25Reference, F32MatchesTransformers) {
  for (const auto& c : qwen25_cases()) {
    SCOPED_TRACE(c.fixture);
    const nlohmann::json ref = test::load_json_fixture(c.fixture);
    const nlohmann::json got = run_probe(c, WeightPrecision::kAsStored, 6);
    for (const char* key : {"image_grid_thw", "video_grid_thw", "input_ids", "position_ids_thw", "rope_delta"}) {
      if (ref.contains(key)) {
        EXPECT_EQ(got.at(key), ref.at(key)) << key;
      }
    }
    if (ref.contains("video_second_per_grid_t")) {
      EXPECT_DOUBLE_EQ(got.at("video_second_per_grid_t").get<double>(), ref["video_second_per_grid_t"].get<double>());
    }
    if (ref.contains("pixel_values")) expect_pixels_match(ref, got, "pixel_values");
    if (ref.contains("pixel_values_videos")) expect_pixels_match(ref, got, "pixel_values_videos");
    if (ref.contains("vision_output_image")) expect_vision_matches(ref, got, "vision_output_image");
    if (ref.contains("vision_output_video")) expect_vision_matches(ref, got, "vision_output_video");
    const double diff = logits_max_rel_diff(ref, got);
    std::printf("[ measured ] f32 %s last_logits max|diff|/max|ref| %.3g\n", c.fixture.c_str(), diff);
    EXPECT_LE(diff, kF32RelTol);
    expect_greedy_matches(ref, got, kF32RelTol);
  }
}

// The vision outputs token by token: the tokens leave the tower in window order and must be put back in
// raster order (the inverse permutation) before they replace the pad tokens. The probe's summaries (first
// token, sums) do not see that order; the L2 norm of every token does.
TEST(EngineQwen25Reference, VisionTokensComeBackInRasterOrder) {
  for (const auto& c : qwen25_cases()) {
    SCOPED_TRACE(c.fixture);
    const auto engine = VlmEngine::load(test::vlm_data_path(c.ckpt));
    const nlohmann::json ref = test::load_json_fixture(c.fixture);
    ProcessorConfig pc = engine->processor_config();
    if (c.min_pixels > 0) pc.min_pixels = c.min_pixels;
    if (!c.image.empty()) {
      const test::OwnedRgb image = test::load_test_image(c.image);
      expect_rows_match(ref, engine->encode_vision(preprocess_image(image.view(), pc)), "vision_output_image");
    }
    if (!c.frames.empty()) {
      std::vector<test::OwnedRgb> owned;
      std::vector<RgbImageView> frames;
      for (const auto& f : c.frames) owned.push_back(test::load_test_image(f));
      for (const auto& f : owned) frames.push_back(f.view());
      const ProcessedVideo v = preprocess_video_bounded(frames, c.video_fps, pc, pc.min_pixels, pc.max_pixels);
      expect_rows_match(ref, engine->encode_vision(v.patches), "vision_output_video");
    }
  }
}

// Weights rounded or quantized on load: relative L2 error of last_logits against the f32 reference, per
// fixture. Measured on these cases (x86-64, AVX-512 kernels): bf16 0.0039-0.0047 (f32 checkpoint only),
// int8 0.012-0.014 on the f32 checkpoint and 0.030 on the tied one, int4 0.17-0.20 and 0.36. Expected
// sizes: a bf16 weight is rounded to 2^-9 relative, an int8 step is max|w|/127 per row, an int4 step
// max|w|/8 per block of 32; a dozen random (unredundant) matmuls compound that, as on the Qwen2-VL
// fixtures (engine_reference_test.cpp: int8 0.018-0.031, int4 0.25-0.36), whose range the second random
// model reaches. Bounds: 1e-2 for bf16 (2x the largest measured), about 1.7x (int8) and
// 1.4x (int4) the largest measured error, the bounds of the Qwen2-VL fixtures. The errors are
// deterministic; the margin covers accumulation-order differences between SIMD levels.
constexpr double kBf16Bound = 1e-2;
constexpr double kInt8Bound = 0.05;
constexpr double kInt4Bound = 0.5;

void check_quantized(WeightPrecision precision, double bound) {
  for (const auto& c : qwen25_cases()) {
    // bf16 weights are already bf16 in the bf16 checkpoint: nothing to measure.
    if (precision == WeightPrecision::kBf16 && c.ckpt == kHubCheckpoint) continue;
    SCOPED_TRACE(c.fixture);
    const nlohmann::json ref = test::load_json_fixture(c.fixture);
    const nlohmann::json got = run_probe(c, precision, 1);
    const double err = logits_rel_l2(ref, got);
    std::printf("[ measured ] %s %s last_logits relative L2 error %.3g\n",
                std::string(weight_precision_name(precision)).c_str(), c.fixture.c_str(), err);
    EXPECT_LE(err, bound);
    EXPECT_GT(err, 0.0) << "the precision had no effect: were the weights really converted?";
  }
}

// bf16: weights rounded to 8-bit mantissas, f32 activations and accumulation.
TEST(EngineQwen25Reference, Bf16LogitsStayClose) { check_quantized(WeightPrecision::kBf16, kBf16Bound); }
// int8: per-row f32 scale, 255 levels.
TEST(EngineQwen25Reference, Int8LogitsStayClose) { check_quantized(WeightPrecision::kInt8, kInt8Bound); }
// int4: per-32 f16 scale, 16 levels.
TEST(EngineQwen25Reference, Int4LogitsStayClose) { check_quantized(WeightPrecision::kInt4, kInt4Bound); }

}  // namespace
}  // namespace vidscope::vlm
