#include "models/tokenizer.h"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/error_matchers.h"
#include "models/json_file.h"
#include "models/utf8.h"

namespace vidscope::models {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::input_error_message;

const std::string kDataDir = VIDSCOPE_TEST_DATA_DIR "/tokenizer";

// Loading parses an 11 MB JSON file; share one instance across the tests of this process.
const Tokenizer& qwen_tokenizer() {
  static const Tokenizer tokenizer = Tokenizer::load(kDataDir + "/tokenizer.json");
  return tokenizer;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Case {
  std::string text;
  std::vector<TokenId> ids;
};

std::vector<Case> vectors_json(const std::string& file) {
  std::vector<Case> cases;
  const auto json = read_json_file(kDataDir + "/" + file);
  for (const auto& entry : json.at("cases")) {
    cases.push_back({entry.at("text").get<std::string>(), entry.at("ids").get<std::vector<TokenId>>()});
  }
  return cases;
}

// Format described in llama-cpp-vectors/FORMAT.md.
std::vector<Case> llama_cpp_vectors() {
  const std::string inputs = read_file(kDataDir + "/llama-cpp-vectors/ggml-vocab-qwen2.gguf.inp");
  const std::string outputs = read_file(kDataDir + "/llama-cpp-vectors/ggml-vocab-qwen2.gguf.out");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<Case> cases;
  for (std::size_t begin = 0, end; (end = inputs.find(separator, begin)) != std::string::npos;
       begin = end + separator.size()) {
    cases.push_back({inputs.substr(begin, end - begin), {}});
  }
  std::istringstream lines(outputs);
  std::string line;
  for (std::size_t i = 0; std::getline(lines, line); ++i) {
    if (i >= cases.size()) break;
    std::istringstream numbers(line);
    for (TokenId id; numbers >> id;) cases[i].ids.push_back(id);
  }
  return cases;
}

// Decoding gives back the NFC form of the input; the reference cases are already NFC, so for them this
// is the exact round trip.
void expect_cases_match(const std::vector<Case>& cases) {
  const Tokenizer& tokenizer = qwen_tokenizer();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": \"" + cases[i].text + "\"");
    const auto ids = tokenizer.encode(cases[i].text);
    EXPECT_EQ(ids, cases[i].ids);
    EXPECT_EQ(tokenizer.decode(ids), normalize_nfc(cases[i].text));
  }
}

TEST(Tokenizer, MatchesReferenceVectors) {
  const auto cases = vectors_json("vectors.json");
  ASSERT_EQ(cases.size(), 20u);
  expect_cases_match(cases);  // one case is written with combining accents; it decodes to its NFC form
}

TEST(Tokenizer, MatchesLlamaCppQwen2Vectors) {
  const auto cases = llama_cpp_vectors();
  ASSERT_EQ(cases.size(), 46u);
  EXPECT_EQ(cases[7].text, "\n");
  EXPECT_THAT(cases[0].ids, ElementsAre(1122, 220, 19, 220, 26062, 3951));
  for (const auto& c : cases) EXPECT_EQ(normalize_nfc(c.text), c.text);
  expect_cases_match(cases);
}

TEST(Tokenizer, ExtraVectorsWhenPresent) {
  const std::string path = kDataDir + "/extra_vectors.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no extra_vectors.json";
  const auto cases = vectors_json("extra_vectors.json");
  EXPECT_GE(cases.size(), 20u);
  expect_cases_match(cases);
}

TEST(Tokenizer, SpecialTokensEncodeToSingleIds) {
  const Tokenizer& tokenizer = qwen_tokenizer();
  EXPECT_THAT(tokenizer.encode("<|im_start|>"), ElementsAre(151644));
  EXPECT_THAT(tokenizer.encode("<|vision_start|><|image_pad|><|vision_end|>"), ElementsAre(151652, 151655, 151653));
  EXPECT_THAT(tokenizer.encode("<|video_pad|>"), ElementsAre(151656));
  EXPECT_THAT(tokenizer.encode("<|endoftext|>"), ElementsAre(151643));
  const auto prompt = tokenizer.encode("<|im_start|>user\nHello<|im_end|>\n");
  EXPECT_THAT(prompt, ElementsAre(151644, 872, 198, 9707, 151645, 198));
  EXPECT_EQ(tokenizer.token_to_id("<|im_end|>"), 151645);
  EXPECT_EQ(tokenizer.token_to_id("Hello"), 9707);
  EXPECT_EQ(tokenizer.id_to_token(151655), "<|image_pad|>");
  EXPECT_EQ(tokenizer.id_to_token(21927), "ĠHello");
  EXPECT_FALSE(tokenizer.id_to_token(-1));
  EXPECT_FALSE(tokenizer.id_to_token(1 << 24));
  EXPECT_TRUE(tokenizer.is_special(151644));
  EXPECT_FALSE(tokenizer.is_special(151657));  // <tool_call> is added but not special
  EXPECT_EQ(tokenizer.vocab_size(), 151669u);
}

TEST(Tokenizer, AddedTokensCanBeTreatedAsText) {
  const Tokenizer& tokenizer = qwen_tokenizer();
  const auto ids = tokenizer.encode("<|im_start|>", AddedTokenMode::kAsText);
  EXPECT_GT(ids.size(), 1u);
  for (TokenId id : ids) EXPECT_LT(id, 151643);
  EXPECT_EQ(tokenizer.decode(ids), "<|im_start|>");
}

TEST(Tokenizer, DecodeCanSkipSpecialTokens) {
  const Tokenizer& tokenizer = qwen_tokenizer();
  const std::vector<TokenId> ids{151644, 9707, 151645};
  EXPECT_EQ(tokenizer.decode(ids), "<|im_start|>Hello<|im_end|>");
  EXPECT_EQ(tokenizer.decode(ids, /*skip_special_tokens=*/true), "Hello");
}

TEST(Tokenizer, NormalizesToNfc) {
  const Tokenizer& tokenizer = qwen_tokenizer();
  // "Führer" with a combining diaeresis encodes like the precomposed form.
  EXPECT_EQ(tokenizer.encode("Fu\xCC\x88hrer"), tokenizer.encode("F\xC3\xBChrer"));
}

TEST(Tokenizer, RejectsInvalidUtf8) {
  EXPECT_THAT(input_error_message([] { qwen_tokenizer().encode("ok\xFF"); }), HasSubstr("byte 2"));
}

TEST(Tokenizer, LongRunsDoNotBreakTheSplitter) {
  const Tokenizer& tokenizer = qwen_tokenizer();
  const std::string spaces(100000, ' ');
  const auto ids = tokenizer.encode(spaces + "x");
  EXPECT_EQ(tokenizer.decode(ids), spaces + "x");
  const std::string letters(20000, 'a');
  EXPECT_EQ(tokenizer.decode(tokenizer.encode(letters)), letters);
}

TEST(Tokenizer, DecodeReplacesBrokenUtf8) {
  const Tokenizer& tokenizer = qwen_tokenizer();
  const auto emoji = tokenizer.encode("\xF0\x9F\xAB\xA0");  // U+1FAE0 is three byte tokens
  ASSERT_GT(emoji.size(), 1u);
  EXPECT_EQ(tokenizer.decode(std::span(emoji).first(1)), "\xEF\xBF\xBD");
}

TEST(StreamingDecoder, HoldsBackSplitCharacters) {
  const Tokenizer& tokenizer = qwen_tokenizer();
  // "Film 🎬🔥 end 中 🫠": the first emoji ends inside a token, U+1FAE0 spans three byte tokens.
  const std::string text = "Film \xF0\x9F\x8E\xAC\xF0\x9F\x94\xA5 end \xE4\xB8\xAD \xF0\x9F\xAB\xA0";
  const auto ids = tokenizer.encode(text);
  StreamingDecoder decoder(tokenizer);
  std::string streamed;
  bool held_back = false;
  for (TokenId id : ids) {
    const std::string piece = decoder.push(id);
    EXPECT_EQ(piece.find("\xEF\xBF\xBD"), std::string::npos) << "no replacement character mid-stream";
    held_back |= piece.empty();
    streamed += piece;
  }
  streamed += decoder.finish();
  EXPECT_TRUE(held_back) << "some emoji byte token should have been held back";
  EXPECT_EQ(streamed, text);

  StreamingDecoder cut(tokenizer);
  const auto emoji = tokenizer.encode("\xF0\x9F\xAB\xA0");
  ASSERT_EQ(emoji.size(), 3u);
  EXPECT_EQ(cut.push(emoji[0]), "");
  EXPECT_EQ(cut.finish(), "\xEF\xBF\xBD");  // an unfinished character at the end becomes U+FFFD
}

TEST(TokenizerFile, RejectsUnsupportedComponentsClearly) {
  const auto base = nlohmann::json::parse(R"({
    "added_tokens": [], "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
    "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})");
  const auto tok = Tokenizer::from_json(base, "tok.json");
  EXPECT_THAT(tok.encode("ab"), ElementsAre(2));
  EXPECT_THAT(tok.encode("ba"), ElementsAre(1, 0));

  auto edited = [&](const char* pointer, const nlohmann::json& value) {
    auto copy = base;
    copy[nlohmann::json::json_pointer(pointer)] = value;
    return input_error_message([&] { Tokenizer::from_json(copy, "tok.json"); });
  };
  EXPECT_THAT(edited("/normalizer", {{"type", "NFKC"}}), HasSubstr("tok.json: normalizer 'NFKC' is not supported"));
  EXPECT_THAT(edited("/model/type", "WordPiece"), HasSubstr("model type 'WordPiece' is not supported"));
  EXPECT_THAT(edited("/pre_tokenizer", {{"type", "Metaspace"}}), HasSubstr("pre_tokenizer type 'Metaspace'"));
  EXPECT_THAT(edited("/decoder", {{"type", "WordPiece"}}), HasSubstr("decoder 'WordPiece' is not supported"));
  EXPECT_THAT(edited("/model/merges", {"a c"}), HasSubstr("merge 0 ('a' 'c')"));
  EXPECT_THAT(edited("/pre_tokenizer", {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}}),
              HasSubstr("regex does not compile"));
}

TEST(TokenizerFile, MergesAsPairsAndSplitBehaviors) {
  auto config = nlohmann::json::parse(R"({
    "added_tokens": [{"id": 3, "content": "<x>", "special": true, "normalized": false, "lstrip": true, "rstrip": false}],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}]},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
      {"type": "Split", "pattern": {"String": "-"}, "behavior": "Removed", "invert": false},
      {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]},
    "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "Ġ": 4}, "merges": [["a", "b"]]}})");
  const auto tok = Tokenizer::from_json(config, "tok.json");
  EXPECT_THAT(tok.encode("ab-ab"), ElementsAre(2, 2));  // "-" removed, each side merged
  EXPECT_THAT(tok.encode("a  <x>b"), ElementsAre(0, 3, 1));  // lstrip absorbs the spaces before <x>

  config["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "MergedWithNext";
  config["model"]["vocab"]["-"] = 5;
  const auto merged_next = Tokenizer::from_json(config, "tok.json");
  EXPECT_THAT(merged_next.encode("ab-ab"), ElementsAre(2, 5, 2));
}

}  // namespace
}  // namespace vidscope::models
