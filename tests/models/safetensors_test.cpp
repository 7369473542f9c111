#include "models/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/error_matchers.h"
#include "models/safetensors_writer.h"
#include "models/weight_set.h"

namespace vidscope::models {
namespace {

using ::testing::HasSubstr;
using testing::f32_bytes;
using testing::input_error_message;
using testing::TempDir;
using testing::TensorSpec;
using testing::u16_bytes;
using testing::write_safetensors;
using testing::write_safetensors_raw;

std::vector<TensorSpec> sample_tensors() {
  return {
      {"a.weight", "F32", {2, 3}, f32_bytes({1.f, -2.f, 3.5f, 0.f, 1e-3f, -7.25f})},
      // F16: 1.0, -2.0, 0.5, 65504 (largest finite), 2^-24 (smallest subnormal)
      {"b.weight", "F16", {5}, u16_bytes({0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001})},
      // BF16: 1.0, -3.0, 0.15625 (exact in bf16)
      {"c.bias", "BF16", {3}, u16_bytes({0x3F80, 0xC040, 0x3E20})},
      {"d.ids", "I64", {1}, std::vector<std::uint8_t>(8, 0)},
  };
}

TEST(Safetensors, ReadsSingleFileWithAllFloatTypes) {
  TempDir dir("st");
  const auto path = dir.path() / "model.safetensors";
  write_safetensors(path, sample_tensors());
  const SafetensorsFile file(path);
  ASSERT_EQ(file.tensors().size(), 4u);
  EXPECT_EQ(file.metadata().at("format"), "pt");

  const TensorRef* a = file.find("a.weight");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, WeightDType::kF32);
  EXPECT_EQ(a->shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(a->byte_size, 24u);
  EXPECT_EQ(a->element_count(), 6);
  EXPECT_EQ(*a->file, path);
  file.advise(*a, AccessHint::kWillNeed);  // a hint: must leave the data readable and unchanged
  // Exact: values are copied bit for bit.
  EXPECT_EQ(copy_to_f32(*a), (std::vector<float>{1.f, -2.f, 3.5f, 0.f, 1e-3f, -7.25f}));
  // Exact: every F16 and BF16 value is representable in float.
  EXPECT_EQ(copy_to_f32(*file.find("b.weight")), (std::vector<float>{1.f, -2.f, 0.5f, 65504.f, 5.9604645e-8f}));
  EXPECT_EQ(copy_to_f32(*file.find("c.bias")), (std::vector<float>{1.f, -3.f, 0.15625f}));

  const TensorRef* ids = file.find("d.ids");
  EXPECT_EQ(ids->dtype, WeightDType::kI64);
  EXPECT_FALSE(is_supported_weight_dtype(ids->dtype));
  EXPECT_THAT(input_error_message([&] { copy_to_f32(*ids); }), HasSubstr("I64"));
}

TEST(Safetensors, AcceptsEmptyHeaderObject) {
  TempDir dir("st");
  write_safetensors_raw(dir.path() / "empty.safetensors", "{}", {});
  EXPECT_TRUE(SafetensorsFile(dir.path() / "empty.safetensors").tensors().empty());
}

std::string load_error(const std::filesystem::path& path) {
  return input_error_message([&] { SafetensorsFile file(path); });
}

TEST(Safetensors, RejectsTruncatedFileNamingTensorAndSizes) {
  TempDir dir("st");
  const auto path = dir.path() / "model-00002-of-00005.safetensors";
  write_safetensors(path, sample_tensors());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4);
  const std::string message = load_error(path);
  EXPECT_THAT(message, HasSubstr("model-00002-of-00005.safetensors"));
  EXPECT_THAT(message, HasSubstr("tensor 'd.ids' ends at byte"));
  EXPECT_THAT(message, HasSubstr("truncated download"));
}

TEST(Safetensors, RejectsHeaderLengthBeyondFile) {
  TempDir dir("st");
  const auto path = dir.path() / "short.safetensors";
  write_safetensors(path, sample_tensors());
  std::filesystem::resize_file(path, 40);
  const std::string message = load_error(path);
  EXPECT_THAT(message, HasSubstr("short.safetensors"));
  EXPECT_THAT(message, HasSubstr("header length"));
}

TEST(Safetensors, RejectsHugeHeaderLengthAndTinyFile) {
  TempDir dir("st");
  const auto path = dir.path() / "huge.safetensors";
  {
    std::ofstream out(path, std::ios::binary);
    const char bytes[16] = {0, 0, 0, 0, 0, 0, 0, 0x10, '{', '}'};
    out.write(bytes, sizeof(bytes));
  }
  EXPECT_THAT(load_error(path), HasSubstr("exceeds the limit"));
  std::filesystem::resize_file(path, 3);
  EXPECT_THAT(load_error(path), HasSubstr("fewer than the 8-byte header"));
  EXPECT_THAT(load_error(dir.path() / "absent.safetensors"), HasSubstr("absent.safetensors: cannot open"));
}

TEST(Safetensors, RejectsBadJsonHeader) {
  TempDir dir("st");
  const auto path = dir.path() / "bad.safetensors";
  write_safetensors_raw(path, "{\"a\": [1, 2", {});
  EXPECT_THAT(load_error(path), HasSubstr("bad.safetensors: header is not valid JSON"));
  write_safetensors_raw(path, "[1, 2]", {});
  EXPECT_THAT(load_error(path), HasSubstr("must be a JSON object"));
  write_safetensors_raw(path, R"({"x": {"dtype": "F32", "shape": [1]}})", {});
  EXPECT_THAT(load_error(path), HasSubstr("needs \"dtype\", \"shape\" and \"data_offsets\""));
  write_safetensors_raw(path, R"({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", {0, 0, 0, 0});
  EXPECT_THAT(load_error(path), HasSubstr("not a non-negative integer"));
}

TEST(Safetensors, RejectsOverlappingTensors) {
  TempDir dir("st");
  const auto path = dir.path() / "overlap.safetensors";
  write_safetensors_raw(path,
                        R"({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                            "y": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                        std::vector<std::uint8_t>(12, 0));
  const std::string message = load_error(path);
  EXPECT_THAT(message, HasSubstr("overlap.safetensors"));
  EXPECT_THAT(message, HasSubstr("tensor 'y'"));
  EXPECT_THAT(message, HasSubstr("overlaps"));
}

TEST(Safetensors, RejectsGapsAndTrailingBytes) {
  TempDir dir("st");
  const auto path = dir.path() / "gap.safetensors";
  write_safetensors_raw(path, R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                        std::vector<std::uint8_t>(8, 0));
  EXPECT_THAT(load_error(path), HasSubstr("gap of 4 bytes before tensor 'x'"));
  write_safetensors_raw(path, R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
                        std::vector<std::uint8_t>(8, 0));
  EXPECT_THAT(load_error(path), HasSubstr("trailing bytes"));
}

TEST(Safetensors, RejectsShapeByteMismatch) {
  TempDir dir("st");
  const auto path = dir.path() / "mismatch.safetensors";
  write_safetensors_raw(path, R"({"w": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 8]}})",
                        std::vector<std::uint8_t>(8, 0));
  const std::string message = load_error(path);
  EXPECT_THAT(message, HasSubstr("mismatch.safetensors"));
  EXPECT_THAT(message, HasSubstr("tensor 'w': shape [2, 3] of BF16 needs 12 bytes but data_offsets span 8"));
}

TEST(Safetensors, RejectsUnknownDtypeAndShapeOverflow) {
  TempDir dir("st");
  const auto path = dir.path() / "dtype.safetensors";
  write_safetensors_raw(path, R"({"w": {"dtype": "F8_E9M9", "shape": [1], "data_offsets": [0, 1]}})", {0});
  const std::string message = load_error(path);
  EXPECT_THAT(message, HasSubstr("dtype.safetensors"));
  EXPECT_THAT(message, HasSubstr("unknown dtype 'F8_E9M9'"));
  write_safetensors_raw(path,
                        R"({"w": {"dtype": "F32", "shape": [4611686018427387904, 4611686018427387904],
                            "data_offsets": [0, 4]}})",
                        {0, 0, 0, 0});
  EXPECT_THAT(load_error(path), HasSubstr("too many bytes"));
}

// --- sharded checkpoints -------------------------------------------------------------------------

void write_index(const std::filesystem::path& dir, const nlohmann::json& weight_map) {
  std::ofstream(dir / "model.safetensors.index.json")
      << nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}}.dump(1);
}

TEST(WeightSet, OpensShardedCheckpointThroughIndex) {
  TempDir dir("ws");
  write_safetensors(dir.path() / "model-00001-of-00002.safetensors",
                    {{"visual.w", "BF16", {2, 2}, u16_bytes({0x3F80, 0, 0, 0x3F80})},
                     {"model.norm.weight", "F32", {2}, f32_bytes({1.f, 2.f})}});
  write_safetensors(dir.path() / "model-00002-of-00002.safetensors",
                    {{"model.embed_tokens.weight", "F16", {3, 2}, u16_bytes({0, 0, 0, 0, 0, 0x3C00})},
                     {"extra.not.indexed", "F32", {1}, f32_bytes({0.f})}});
  write_index(dir.path(), {{"visual.w", "model-00001-of-00002.safetensors"},
                           {"model.norm.weight", "model-00001-of-00002.safetensors"},
                           {"model.embed_tokens.weight", "model-00002-of-00002.safetensors"}});
  const WeightSet set = WeightSet::open_directory(dir.path());
  EXPECT_EQ(set.files().size(), 2u);
  EXPECT_EQ(set.tensors().size(), 3u);  // the unindexed tensor is ignored
  EXPECT_EQ(set.find("extra.not.indexed"), nullptr);
  const TensorRef* embed = set.find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->file->filename(), "model-00002-of-00002.safetensors");
  EXPECT_EQ(copy_to_f32(*embed).back(), 1.f);

  EXPECT_EQ(set.total_bytes(), 8u + 8u + 12u);
  const auto by_dtype = set.bytes_by_dtype();
  EXPECT_EQ(by_dtype.at(WeightDType::kBF16), 8u);
  EXPECT_EQ(by_dtype.at(WeightDType::kF32), 8u);
  EXPECT_EQ(by_dtype.at(WeightDType::kF16), 12u);
  const auto by_prefix = set.bytes_by_prefix({"visual.", "model.", "lm_head."});
  EXPECT_EQ(by_prefix.at("visual."), 8u);
  EXPECT_EQ(by_prefix.at("model."), 20u);
  EXPECT_EQ(by_prefix.at("lm_head."), 0u);
}

TEST(WeightSet, OpensSingleFileWithoutIndex) {
  TempDir dir("ws");
  write_safetensors(dir.path() / "model.safetensors", {{"lm_head.weight", "F32", {1}, f32_bytes({4.f})}});
  const WeightSet set = WeightSet::open_directory(dir.path());
  ASSERT_NE(set.find("lm_head.weight"), nullptr);
  EXPECT_EQ(set.total_bytes(), 4u);
}

TEST(WeightSet, RejectsMissingShardAndMissingTensor) {
  TempDir dir("ws");
  write_safetensors(dir.path() / "model-00001-of-00002.safetensors", {{"a", "F32", {1}, f32_bytes({1.f})}});
  write_index(dir.path(), {{"a", "model-00001-of-00002.safetensors"}, {"b", "model-00002-of-00002.safetensors"}});
  std::string message = input_error_message([&] { WeightSet::open_directory(dir.path()); });
  EXPECT_THAT(message, HasSubstr("model-00002-of-00002.safetensors"));
  EXPECT_THAT(message, HasSubstr("does not exist"));

  write_index(dir.path(), {{"a", "model-00001-of-00002.safetensors"}, {"b", "model-00001-of-00002.safetensors"}});
  message = input_error_message([&] { WeightSet::open_directory(dir.path()); });
  EXPECT_THAT(message, HasSubstr("model-00001-of-00002.safetensors: tensor 'b' is listed"));

  write_index(dir.path(), {{"a", "../elsewhere.safetensors"}});
  EXPECT_THAT(input_error_message([&] { WeightSet::open_directory(dir.path()); }), HasSubstr("same folder"));

  std::ofstream(dir.path() / "model.safetensors.index.json") << "{\"weight_map\": ";
  EXPECT_THAT(input_error_message([&] { WeightSet::open_directory(dir.path()); }),
              HasSubstr("model.safetensors.index.json: not valid JSON"));
}

TEST(WeightSet, RejectsFolderWithoutWeights) {
  TempDir dir("ws");
  EXPECT_THAT(input_error_message([&] { WeightSet::open_directory(dir.path()); }),
              HasSubstr("no model.safetensors.index.json and no model.safetensors"));
}

TEST(WeightSet, RejectsDuplicateTensorAcrossFiles) {
  TempDir dir("ws");
  write_safetensors(dir.path() / "one.safetensors", {{"a", "F32", {1}, f32_bytes({1.f})}});
  write_safetensors(dir.path() / "two.safetensors", {{"a", "F32", {1}, f32_bytes({1.f})}});
  EXPECT_THAT(input_error_message([&] {
                WeightSet::open_files({dir.path() / "one.safetensors", dir.path() / "two.safetensors"});
              }),
              HasSubstr("tensor 'a' is also in"));
}

}  // namespace
}  // namespace vidscope::models
