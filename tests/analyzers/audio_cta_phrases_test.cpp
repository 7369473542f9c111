#include "analyzers/cta_phrases.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace vidscope::analyzers {
namespace {

std::vector<TimedWord> words_at_one_per_second(const std::vector<std::string>& words) {
  std::vector<TimedWord> timed;
  for (size_t i = 0; i < words.size(); ++i) timed.push_back({words[i], static_cast<double>(i), i + 0.8});
  return timed;
}

TEST(CtaPhrases, SplitsLowerCasesAndSeparatesPercent) {
  EXPECT_EQ(split_cta_words("Get 50%OFF -- Link-in-Bio!"),
            (std::vector<std::string>{"get", "50", "%", "off", "link", "in", "bio"}));
  EXPECT_TRUE(split_cta_words("  ,.!  ").empty());
  // UTF-8 bytes stay inside words.
  EXPECT_EQ(split_cta_words("caf\xc3\xa9 now"), (std::vector<std::string>{"caf\xc3\xa9", "now"}));
}

TEST(CtaPhrases, FindsPhrasesInTimedWordsWithTheirTimes) {
  const auto words = words_at_one_per_second({"follow", "for", "more", "and", "check", "the", "link", "in", "bio"});
  const auto matches = find_cta_phrases(words);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].id, "follow");
  EXPECT_EQ(matches[0].matched_text, "follow for more");
  EXPECT_DOUBLE_EQ(matches[0].start_s, 0.0);
  EXPECT_DOUBLE_EQ(matches[0].end_s, 2.8);
  EXPECT_EQ(matches[1].id, "link_in_bio");
  EXPECT_DOUBLE_EQ(matches[1].start_s, 6.0);
  EXPECT_DOUBLE_EQ(matches[1].end_s, 8.8);
}

TEST(CtaPhrases, EquivalentsCoverRecognizerAndCaptionSpellings) {
  // A recognizer writes "four", a caption writes "4"; both are "for".
  EXPECT_EQ(find_cta_phrases(words_at_one_per_second({"follow", "four", "more"})).size(), 1u);
  const auto caption = find_cta_phrases("FOLLOW 4 MORE", 3.0, 5.0);
  ASSERT_EQ(caption.size(), 1u);
  EXPECT_EQ(caption[0].id, "follow");
  EXPECT_EQ(caption[0].matched_text, "follow 4 more");
  EXPECT_DOUBLE_EQ(caption[0].start_s, 3.0);
  EXPECT_DOUBLE_EQ(caption[0].end_s, 5.0);
}

TEST(CtaPhrases, PercentOffAndCodesInOnScreenText) {
  const auto matches = find_cta_phrases("Limited time: 30% off, use code SAVE30. Shop now!", 1.0, 2.0);
  std::vector<std::string> ids;
  for (const auto& match : matches) ids.push_back(match.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"limited_time", "percent_off", "use_code", "shop_now"}));
  // "30 percent off" spoken is the same phrase.
  EXPECT_EQ(find_cta_phrases("thirty percent off", 0, 1).at(0).id, "percent_off");
}

TEST(CtaPhrases, PlainTextHasNoCallToAction) {
  EXPECT_TRUE(find_cta_phrases("The quick brown fox jumps over the lazy dog.", 0, 1).empty());
  // Words must be consecutive and whole: "biography" is not "bio", "subscriber" is not "subscribe".
  EXPECT_TRUE(find_cta_phrases("a link in biography for the subscriber", 0, 1).empty());
}

TEST(CtaPhrases, OnePhraseIsReportedOncePerOccurrence) {
  const auto matches = find_cta_phrases("link in my bio. link in bio", 0, 1);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].matched_text, "link in my bio");
  EXPECT_EQ(matches[1].matched_text, "link in bio");
}

TEST(CtaPhrases, CustomListsAreCheckedAndUsed) {
  const auto list = parse_cta_phrase_list(
      {{"version", 1}, {"phrases", {{{"id", "x"}, {"category", "c"}, {"patterns", {"Buy It"}}}}}}, "test");
  ASSERT_EQ(find_cta_phrases("please buy it", 0, 1, list).size(), 1u);
  EXPECT_THROW(parse_cta_phrase_list({{"phrases", nlohmann::json::array()}}, "test"), Error);  // no version
  EXPECT_THROW(parse_cta_phrase_list({{"version", 1}, {"phrases", {{{"id", "x"}, {"category", "c"}, {"patterns", {" ! "}}}}}},
                                     "test"),
               Error);  // a pattern without words
  EXPECT_THROW(load_cta_phrase_list(std::string(VIDSCOPE_TEST_DATA_DIR) + "/no/such/file.json"), Error);
}

TEST(CtaPhrases, BuiltInListIsTheRepositoryFile) {
  const auto list = load_cta_phrase_list(std::string(VIDSCOPE_SOURCE_DIR) + "/data/cta_phrases.json");
  EXPECT_EQ(list.phrases.size(), builtin_cta_phrases().phrases.size());
  EXPECT_GE(builtin_cta_phrases().phrases.size(), 10u);
}

}  // namespace
}  // namespace vidscope::analyzers
