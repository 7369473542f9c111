#include "models/tokenizer_json_reader.h"

#include <algorithm>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/error_matchers.h"
#include "models/json_file.h"
#include "models/safetensors_writer.h"
#include "models/tokenizer.h"

namespace vidscope::models {
namespace {

using ::testing::HasSubstr;
using testing::input_error_message;
using testing::TempDir;

const std::string kQwenTokenizer = VIDSCOPE_TEST_DATA_DIR "/tokenizer/tokenizer.json";

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Streaming the file and splitting the parsed document must agree on everything: vocab entries,
// merges in rank order, and the rest of the file.
TEST(TokenizerJsonReader, StreamingEqualsSplittingTheDocument) {
  TokenizerJsonParts streamed = read_tokenizer_json(kQwenTokenizer);
  TokenizerJsonParts split = split_tokenizer_json(read_json_file(kQwenTokenizer), kQwenTokenizer);
  ASSERT_TRUE(streamed.has_vocab && streamed.has_merges);
  EXPECT_GT(streamed.vocab.size(), 150000u);
  EXPECT_GT(streamed.merges.size(), 150000u);
  // The document is an object keyed by token (sorted); the stream keeps file order.
  std::sort(streamed.vocab.begin(), streamed.vocab.end());
  std::sort(split.vocab.begin(), split.vocab.end());
  EXPECT_EQ(streamed.vocab, split.vocab);
  EXPECT_EQ(streamed.merges, split.merges);
  EXPECT_EQ(streamed.rest, split.rest);
  EXPECT_EQ(streamed.rest["model"]["vocab"], nlohmann::json::object());
  EXPECT_EQ(streamed.rest["model"]["merges"], nlohmann::json::array());
  EXPECT_FALSE(streamed.rest["added_tokens"].empty());
}

std::string tokenizer_text(const std::string& vocab, const std::string& merges) {
  return R"({"added_tokens": [], "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
    "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "vocab": )" + vocab + R"(, "merges": )" + merges + "}}";
}

std::string load_error(const std::string& text) {
  TempDir dir("tokenizer-json");
  const auto path = dir.path() / "tokenizer.json";
  write_text(path, text);
  return input_error_message([&] { Tokenizer::load(path); });
}

TEST(TokenizerJsonReader, SmallFileLoadsWithBothMergeForms) {
  TempDir dir("tokenizer-json");
  const auto path = dir.path() / "tokenizer.json";
  write_text(path, tokenizer_text(R"({"a": 0, "b": 1, "ab": 2, "c": 3, "abc": 4})", R"(["a b", ["ab", "c"]])"));
  const Tokenizer tok = Tokenizer::load(path);
  EXPECT_EQ(tok.encode("abc"), std::vector<TokenId>({4}));
  EXPECT_EQ(tok.encode("cab"), std::vector<TokenId>({3, 2}));
  EXPECT_EQ(tok.vocab_size(), 5u);
}

TEST(TokenizerJsonReader, BadTablesAreInputErrorsNamingTheFileAndTheEntry) {
  const std::string merges = R"(["a b"])";
  const std::string vocab = R"({"a": 0, "b": 1, "ab": 2})";
  EXPECT_THAT(load_error(tokenizer_text(R"({"a": -1})", merges)), HasSubstr("vocab id for 'a' is not a small"));
  EXPECT_THAT(load_error(tokenizer_text(R"({"a": "0"})", merges)), HasSubstr("vocab id for 'a'"));
  EXPECT_THAT(load_error(tokenizer_text(R"({"a": 1.5})", merges)), HasSubstr("vocab id for 'a'"));
  EXPECT_THAT(load_error(tokenizer_text(R"({"a": [0]})", merges)), HasSubstr("vocab id for 'a'"));
  EXPECT_THAT(load_error(tokenizer_text(R"({"a": 4000000000})", merges)), HasSubstr("vocab id for 'a'"));
  EXPECT_THAT(load_error(tokenizer_text(vocab, R"(["ab"])")), HasSubstr("merge \"ab\" is not two tokens"));
  EXPECT_THAT(load_error(tokenizer_text(vocab, R"([["a", "b", "c"]])")), HasSubstr("is neither"));
  EXPECT_THAT(load_error(tokenizer_text(vocab, R"([["a"]])")), HasSubstr("with 1 entries is neither"));
  EXPECT_THAT(load_error(tokenizer_text(vocab, R"([7])")), HasSubstr("merge 7 is neither"));
  EXPECT_THAT(load_error(tokenizer_text(vocab, R"([["a", ["b"]]])")), HasSubstr("is neither"));
  EXPECT_THAT(load_error(tokenizer_text(R"(["a"])", merges)), HasSubstr("model.vocab is missing or not an object"));
  EXPECT_THAT(load_error(tokenizer_text(vocab, R"({"a": "b"})")), HasSubstr("model.merges is missing or not an array"));
}

TEST(TokenizerJsonReader, DamagedOrMissingFilesAreInputErrors) {
  const std::string good = tokenizer_text(R"({"a": 0, "b": 1, "ab": 2})", R"(["a b"])");
  EXPECT_THAT(load_error(good.substr(0, good.size() / 2)), HasSubstr("tokenizer.json: not valid JSON"));
  EXPECT_THAT(load_error(""), HasSubstr("not valid JSON"));
  EXPECT_THAT(load_error("[1, 2]"), HasSubstr("no \"model\" object"));
  EXPECT_THAT(input_error_message([] { Tokenizer::load("/nonexistent/tokenizer.json"); }),
              HasSubstr("/nonexistent/tokenizer.json: cannot open"));
}

}  // namespace
}  // namespace vidscope::models
