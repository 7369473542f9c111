#include "models/vlm_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/error_matchers.h"
#include "models/processing_config.h"
#include "models/tokenizer_config.h"

namespace vidscope::models {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::input_error_message;
using nlohmann::json;

// Qwen2-VL-2B-Instruct style config.json (transformers 4.x layout, text keys at the top level).
constexpr const char* kQwen2VlOldLayout = R"({
  "architectures": ["Qwen2VLForConditionalGeneration"],
  "bos_token_id": 151643, "eos_token_id": 151645,
  "vision_start_token_id": 151652, "vision_end_token_id": 151653, "vision_token_id": 151654,
  "image_token_id": 151655, "video_token_id": 151656,
  "hidden_act": "silu", "hidden_size": 1536, "intermediate_size": 8960,
  "max_position_embeddings": 32768, "max_window_layers": 28, "model_type": "qwen2_vl",
  "num_attention_heads": 12, "num_hidden_layers": 28, "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768,
  "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_sliding_window": false,
  "vision_config": {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3,
                    "hidden_size": 1536, "patch_size": 14, "spatial_merge_size": 2,
                    "spatial_patch_size": 14, "temporal_patch_size": 2},
  "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
  "vocab_size": 151936
})";

// The same model as saved by transformers 5 (text_config, rope_parameters, in_channels).
constexpr const char* kQwen2VlNewLayout = R"({
  "architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl",
  "image_token_id": 151655, "video_token_id": 151656,
  "vision_start_token_id": 151652, "vision_end_token_id": 151653,
  "tie_word_embeddings": true, "dtype": "bfloat16",
  "text_config": {
    "model_type": "qwen2_vl_text", "hidden_size": 1536, "intermediate_size": 8960,
    "num_attention_heads": 12, "num_hidden_layers": 28, "num_key_value_heads": 2,
    "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "vocab_size": 151936,
    "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [16, 24, 24]}
  },
  "vision_config": {"depth": 32, "embed_dim": 1280, "hidden_size": 1536, "hidden_act": "quick_gelu",
                    "mlp_ratio": 4, "num_heads": 16, "in_channels": 3, "patch_size": 14,
                    "spatial_merge_size": 2, "temporal_patch_size": 2}
})";

// Qwen2.5-VL-7B-Instruct style config.json.
constexpr const char* kQwen25Vl = R"({
  "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
  "vision_start_token_id": 151652, "vision_end_token_id": 151653, "vision_token_id": 151654,
  "image_token_id": 151655, "video_token_id": 151656,
  "hidden_act": "silu", "hidden_size": 3584, "intermediate_size": 18944,
  "max_position_embeddings": 128000, "num_attention_heads": 28, "num_hidden_layers": 28,
  "num_key_value_heads": 4, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 152064,
  "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420,
                    "num_heads": 16, "in_chans": 3, "out_hidden_size": 3584, "patch_size": 14,
                    "spatial_merge_size": 2, "spatial_patch_size": 14, "window_size": 112,
                    "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2,
                    "temporal_patch_size": 2},
  "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]}
})";

VlmConfig parse(const std::string& text) { return parse_vlm_config(json::parse(text), "config.json"); }

void expect_qwen2_vl_2b(const VlmConfig& c) {
  EXPECT_EQ(c.family, VlmFamily::kQwen2VL);
  EXPECT_EQ(c.architecture, "Qwen2VLForConditionalGeneration");
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  EXPECT_EQ(c.text.hidden_size, 1536);
  EXPECT_EQ(c.text.num_hidden_layers, 28);
  EXPECT_EQ(c.text.num_attention_heads, 12);
  EXPECT_EQ(c.text.num_key_value_heads, 2);
  EXPECT_EQ(c.text.head_dim, 128);
  EXPECT_EQ(c.text.intermediate_size, 8960);
  EXPECT_EQ(c.text.vocab_size, 151936);
  EXPECT_EQ(c.text.max_position_embeddings, 32768);
  EXPECT_DOUBLE_EQ(c.text.rms_norm_eps, 1e-6);
  EXPECT_DOUBLE_EQ(c.text.rope_theta, 1e6);
  EXPECT_TRUE(c.text.tie_word_embeddings);
  EXPECT_THAT(c.text.mrope_section, ElementsAre(16, 24, 24));
  EXPECT_EQ(c.vision.depth, 32);
  EXPECT_EQ(c.vision.embed_dim, 1280);
  EXPECT_EQ(c.vision.num_heads, 16);
  EXPECT_EQ(c.vision.intermediate_size, 5120);
  EXPECT_EQ(c.vision.patch_size, 14);
  EXPECT_EQ(c.vision.spatial_merge_size, 2);
  EXPECT_EQ(c.vision.temporal_patch_size, 2);
  EXPECT_EQ(c.vision.in_channels, 3);
  EXPECT_EQ(c.vision.out_hidden_size, 1536);
  EXPECT_EQ(c.vision.hidden_act, "quick_gelu");
  EXPECT_EQ(c.vision.norm, VisionNorm::kLayerNorm);
  EXPECT_EQ(c.vision.mlp, VisionMlp::kFc1Fc2);
  EXPECT_EQ(c.tokens.image_token_id, 151655);
  EXPECT_EQ(c.tokens.video_token_id, 151656);
  EXPECT_EQ(c.tokens.vision_start_token_id, 151652);
  EXPECT_EQ(c.tokens.vision_end_token_id, 151653);
}

TEST(VlmConfig, ReadsQwen2VlTransformers4Layout) { expect_qwen2_vl_2b(parse(kQwen2VlOldLayout)); }

TEST(VlmConfig, ReadsQwen2VlTransformers5Layout) { expect_qwen2_vl_2b(parse(kQwen2VlNewLayout)); }

TEST(VlmConfig, ReadsQwen25Vl) {
  const VlmConfig c = parse(kQwen25Vl);
  EXPECT_EQ(c.family, VlmFamily::kQwen25VL);
  EXPECT_EQ(c.model_type, "qwen2_5_vl");
  EXPECT_EQ(c.text.hidden_size, 3584);
  EXPECT_EQ(c.text.num_key_value_heads, 4);
  EXPECT_EQ(c.text.vocab_size, 152064);
  EXPECT_FALSE(c.text.tie_word_embeddings);
  EXPECT_EQ(c.vision.embed_dim, 1280);
  EXPECT_EQ(c.vision.intermediate_size, 3420);
  EXPECT_EQ(c.vision.out_hidden_size, 3584);
  EXPECT_EQ(c.vision.hidden_act, "silu");
  EXPECT_EQ(c.vision.norm, VisionNorm::kRmsNorm);
  EXPECT_EQ(c.vision.mlp, VisionMlp::kGatedGateUpDown);
  EXPECT_EQ(c.vision.window_size, 112);
  EXPECT_THAT(c.vision.fullatt_block_indexes, ElementsAre(7, 15, 23, 31));
  EXPECT_EQ(c.vision.tokens_per_second, 2.0);
}

TEST(VlmConfig, RejectsUnknownArchitectureListingSupportedOnes) {
  const std::string message = input_error_message([] {
    parse(R"({"architectures": ["LlavaForConditionalGeneration"], "model_type": "llava"})");
  });
  EXPECT_THAT(message, HasSubstr("config.json"));
  EXPECT_THAT(message, HasSubstr("'LlavaForConditionalGeneration'"));
  EXPECT_THAT(message, HasSubstr("Qwen2VLForConditionalGeneration (qwen2_vl)"));
  EXPECT_THAT(message, HasSubstr("Qwen2_5_VLForConditionalGeneration (qwen2_5_vl)"));
}

json with(const char* base, const std::function<void(json&)>& edit) {
  json config = json::parse(base);
  edit(config);
  return config;
}

std::string error_for(const json& config) {
  return input_error_message([&] { parse_vlm_config(config, "config.json"); });
}

TEST(VlmConfig, RejectsInconsistentSizes) {
  EXPECT_THAT(error_for(with(kQwen2VlOldLayout, [](json& c) { c["num_attention_heads"] = 7; })),
              HasSubstr("does not divide hidden_size"));
  EXPECT_THAT(error_for(with(kQwen2VlOldLayout, [](json& c) { c["num_key_value_heads"] = 5; })),
              HasSubstr("num_key_value_heads 5 does not divide num_attention_heads 12"));
  EXPECT_THAT(error_for(with(kQwen2VlOldLayout, [](json& c) { c["rope_scaling"]["mrope_section"] = {16, 24, 16}; })),
              HasSubstr("summing to head_dim / 2 = 64"));
  EXPECT_THAT(error_for(with(kQwen2VlOldLayout, [](json& c) { c["hidden_size"] = -1536; })),
              HasSubstr("hidden_size must be positive"));
  EXPECT_THAT(error_for(with(kQwen2VlOldLayout, [](json& c) { c["vision_config"]["hidden_size"] = 1024; })),
              HasSubstr("merger output width 1024 differs"));
  EXPECT_THAT(error_for(with(kQwen25Vl, [](json& c) { c["vision_config"]["fullatt_block_indexes"] = {40}; })),
              HasSubstr("fullatt_block_indexes entry 40"));
}

TEST(VlmConfig, NamesMissingAndMistypedKeys) {
  EXPECT_THAT(error_for(with(kQwen2VlOldLayout, [](json& c) { c.erase("rms_norm_eps"); })),
              HasSubstr("\"rms_norm_eps\" is missing"));
  EXPECT_THAT(error_for(with(kQwen2VlOldLayout, [](json& c) { c["vocab_size"] = "big"; })),
              HasSubstr("\"vocab_size\" must be an integer"));
  EXPECT_THAT(error_for(with(kQwen2VlOldLayout, [](json& c) { c.erase("rope_scaling"); })),
              HasSubstr("mrope_section"));
  EXPECT_THAT(error_for(with(kQwen2VlNewLayout, [](json& c) { c["text_config"].erase("hidden_size"); })),
              HasSubstr("\"hidden_size\" is missing"));
  EXPECT_THAT(error_for(with(kQwen25Vl, [](json& c) { c["vision_config"].erase("window_size"); })),
              HasSubstr("\"vision_config.window_size\" is missing"));
  EXPECT_THAT(error_for(json::array()), HasSubstr("config.json: top level must be a JSON object"));
}

TEST(PreprocessorConfig, ReadsFlatAndSizeLayouts) {
  const auto flat = parse_preprocessor_config(json::parse(R"({
    "min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
    "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor"})"), "preprocessor_config.json");
  EXPECT_EQ(flat.min_pixels, 3136);
  EXPECT_EQ(flat.max_pixels, 12845056);
  EXPECT_EQ(flat.patch_size, 14);
  EXPECT_EQ(flat.merge_size, 2);
  EXPECT_EQ(flat.temporal_patch_size, 2);
  EXPECT_DOUBLE_EQ(flat.image_mean[0], 0.48145466);
  EXPECT_DOUBLE_EQ(flat.image_std[2], 0.27577711);
  EXPECT_DOUBLE_EQ(flat.rescale_factor, 1.0 / 255.0);

  const auto sized = parse_preprocessor_config(json::parse(R"({
    "size": {"shortest_edge": 3136, "longest_edge": 1003520}, "patch_size": 14, "temporal_patch_size": 2,
    "merge_size": 2, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "rescale_factor": 0.00392156862745098})"),
                                               "preprocessor_config.json");
  EXPECT_EQ(sized.min_pixels, 3136);
  EXPECT_EQ(sized.max_pixels, 1003520);

  EXPECT_THAT(input_error_message([] {
                parse_preprocessor_config(json::parse(R"({"min_pixels": 9, "max_pixels": 4, "patch_size": 14,
                  "temporal_patch_size": 2, "merge_size": 2, "image_mean": [0, 0, 0], "image_std": [1, 1, 1]})"),
                                          "preprocessor_config.json");
              }),
              HasSubstr("preprocessor_config.json: min_pixels 9 exceeds max_pixels 4"));
  EXPECT_THAT(input_error_message([] {
                parse_preprocessor_config(json::parse(R"({"min_pixels": 1, "max_pixels": 4, "patch_size": 14,
                  "temporal_patch_size": 2, "merge_size": 2, "image_mean": [0, 0], "image_std": [1, 1, 1]})"),
                                          "preprocessor_config.json");
              }),
              HasSubstr("\"image_mean\" must have 3 entries"));
}

TEST(GenerationConfig, ReadsEosAsListOrSingleId) {
  const auto listed = parse_generation_config(json::parse(R"({
    "bos_token_id": 151643, "pad_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643],
    "repetition_penalty": 1.05, "temperature": 0.1, "top_k": 1, "top_p": 0.001})"), "generation_config.json");
  EXPECT_THAT(listed.eos_token_ids, ElementsAre(151645, 151643));
  EXPECT_EQ(listed.pad_token_id, 151643);
  EXPECT_EQ(listed.do_sample, true);
  EXPECT_EQ(listed.temperature, 0.1);
  EXPECT_EQ(listed.top_k, 1);
  EXPECT_EQ(listed.top_p, 0.001);
  EXPECT_EQ(listed.repetition_penalty, 1.05);
  EXPECT_FALSE(listed.max_new_tokens);

  const auto single = parse_generation_config(json::parse(R"({"eos_token_id": 151645})"), "generation_config.json");
  EXPECT_THAT(single.eos_token_ids, ElementsAre(151645));
  EXPECT_FALSE(single.temperature);

  EXPECT_THAT(input_error_message([] {
                parse_generation_config(json::parse(R"({"top_p": 1.5})"), "generation_config.json");
              }),
              HasSubstr("generation_config.json: \"top_p\" must be in (0, 1]"));
  EXPECT_THAT(input_error_message([] {
                parse_generation_config(json::parse(R"({"eos_token_id": "x"})"), "generation_config.json");
              }),
              HasSubstr("\"eos_token_id\" must be an integer"));
}

TEST(TokenizerConfig, ReadsSpecialTokensAndTemplate) {
  const auto config = load_tokenizer_config(VIDSCOPE_TEST_DATA_DIR "/tokenizer");
  EXPECT_EQ(config.eos_token, "<|im_end|>");
  EXPECT_EQ(config.pad_token, "<|endoftext|>");
  EXPECT_FALSE(config.bos_token);
  ASSERT_TRUE(config.chat_template);
  EXPECT_THAT(*config.chat_template, HasSubstr("<|im_start|>"));

  const auto object_form = parse_tokenizer_config(
      json::parse(R"({"eos_token": {"content": "</s>", "lstrip": false}, "chat_template": null})"), "t.json");
  EXPECT_EQ(object_form.eos_token, "</s>");
  EXPECT_FALSE(object_form.chat_template);
}

}  // namespace
}  // namespace vidscope::models
