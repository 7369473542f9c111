#include "vlm/chat_prompt.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace vidscope::vlm {
namespace {

using Kind = PromptPiece::Kind;

PromptPiece text(std::string s) { return {Kind::kText, std::move(s), 0, 0}; }
PromptPiece token(std::int32_t id) { return {Kind::kToken, {}, id, 0}; }
PromptPiece pads(std::int32_t id, std::int64_t n) { return {Kind::kPadRun, {}, id, n}; }

TEST(ChatPrompt, InstructTemplateWithOneImage) {
  const SpecialTokenIds ids;
  const auto pieces = build_chat_prompt(
      {ContentItem::make_image({1, 4, 6}), ContentItem::make_text("Describe this image.")}, ids, 2);
  const std::vector<PromptPiece> expected = {
      token(151644), text("system\nYou are a helpful assistant."), token(151645), text("\n"),
      token(151644), text("user\n"), token(151652), pads(151655, 6), token(151653),
      text("Describe this image."), token(151645), text("\n"), token(151644), text("assistant\n")};
  EXPECT_EQ(pieces, expected);
  EXPECT_EQ(describe_prompt(pieces),
            "<151644>system\nYou are a helpful assistant.<151645>\n<151644>user\n<151652><151655 x6><151653>"
            "Describe this image.<151645>\n<151644>assistant\n");
}

TEST(ChatPrompt, SeveralImagesAndVideosInOrder) {
  const SpecialTokenIds ids;
  const auto pieces = build_chat_prompt({ContentItem::make_text("Compare "), ContentItem::make_image({1, 2, 2}),
                                         ContentItem::make_text(" and "), ContentItem::make_video({3, 4, 8}),
                                         ContentItem::make_image({1, 6, 4})},
                                        ids, 2, "Be brief.");
  std::vector<std::pair<std::int32_t, std::int64_t>> runs;
  for (const auto& p : pieces) {
    if (p.kind == Kind::kPadRun) runs.emplace_back(p.token, p.count);
  }
  EXPECT_EQ(runs, (std::vector<std::pair<std::int32_t, std::int64_t>>{{151655, 1}, {151656, 24}, {151655, 6}}));
  EXPECT_EQ(pieces[1], text("system\nBe brief."));
  EXPECT_EQ(pieces[5], text("user\nCompare "));  // adjacent text merged
}

TEST(ChatPrompt, FlattenExpandsPadsAndTokenizesText) {
  const SpecialTokenIds ids;
  const auto pieces = build_chat_prompt({ContentItem::make_video({2, 4, 6}), ContentItem::make_text("Hi")}, ids, 2);
  // A stand-in tokenizer: one id per byte.
  const auto flat = flatten_prompt(pieces, [](std::string_view s) {
    return std::vector<std::int32_t>(s.begin(), s.end());
  });
  const std::string sys = "system\nYou are a helpful assistant.";
  std::vector<std::int32_t> expected = {151644};
  expected.insert(expected.end(), sys.begin(), sys.end());
  using Ids = std::initializer_list<std::int32_t>;
  for (std::int32_t v : Ids{151645, '\n', 151644, 'u', 's', 'e', 'r', '\n', 151652}) expected.push_back(v);
  expected.insert(expected.end(), 12, 151656);
  for (std::int32_t v : Ids{151653, 'H', 'i', 151645, '\n', 151644}) expected.push_back(v);
  for (char c : std::string("assistant\n")) expected.push_back(c);
  EXPECT_EQ(flat, expected);
}

TEST(ChatPrompt, RejectsGridsThatDoNotMerge) {
  const SpecialTokenIds ids;
  EXPECT_THROW(build_chat_prompt({ContentItem::make_image({1, 3, 4})}, ids, 2), Error);
  EXPECT_THROW(build_chat_prompt({ContentItem::make_image({0, 4, 4})}, ids, 2), Error);
}

}  // namespace
}  // namespace vidscope::vlm
