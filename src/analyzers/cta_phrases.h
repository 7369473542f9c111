#pragma once
// Call-to-action phrases ("link in bio", "follow for more", "50% off", ...) found in words with times.
// One matcher for every source of text: the call_to_action analyzer feeds it transcript words, and
// text_overlay feeds it the text it reads on screen (field `cta` of its output). The phrase list is
// data (data/cta_phrases.json, compiled in; see docs/analyzers.md "call_to_action").
//
// Matching is on words: text is lower-cased (ASCII), letters and digits are kept, every other byte is a
// word break, and '%' is a word of its own. Bytes >= 0x80 are kept as word characters, so UTF-8 text
// passes through unharmed (only ASCII letters are folded). `equivalents` rewrites single words before
// matching ("four" -> "for"). A pattern matches a run of consecutive words.
//
// All functions are pure and thread-safe; a CtaPhraseList is immutable after construction.
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vidscope::analyzers {

// One word and when it was said or shown. For on-screen text, every word of one text box carries the
// box's time span.
struct TimedWord {
  std::string word;
  double start_s = 0;
  double end_s = 0;
};

struct CtaPhrase {
  std::string id;        // e.g. "link_in_bio"
  std::string category;  // e.g. "link", "follow", "offer"
  std::vector<std::vector<std::string>> patterns;  // each already split into normalised words
};

struct CtaPhraseList {
  int version = 0;
  std::vector<std::pair<std::string, std::string>> equivalents;  // word -> replacement, sorted by word
  std::vector<CtaPhrase> phrases;
};

struct CtaMatch {
  std::string id;
  std::string category;
  std::string matched_text;  // the matched words, normalised (lower case) and joined by single spaces
  double start_s = 0;        // start of the first matched word
  double end_s = 0;          // end of the last matched word
};

// Parses the JSON format of data/cta_phrases.json. `origin` names the file or "built-in list" in errors.
// Throws Error(kInput) for a malformed list (missing fields, empty pattern, wrong types).
CtaPhraseList parse_cta_phrase_list(const nlohmann::json& document, const std::string& origin);

// The list compiled into the binary from data/cta_phrases.json. Parsed once on first use.
const CtaPhraseList& builtin_cta_phrases();

// Reads and parses a phrase list file. Throws Error(kInput) naming `path` when it is unreadable or bad.
CtaPhraseList load_cta_phrase_list(const std::string& path);

// Splits `text` into normalised words as described above (no equivalents applied).
std::vector<std::string> split_cta_words(const std::string& text);

// Finds every phrase occurrence in `words` (each entry may hold several words, e.g. "50%"; it is split
// and each part inherits its times). Returns matches in order of start time; overlapping matches of
// different phrases are all reported, and one phrase matching twice at the same start is reported once
// (the longest pattern wins).
std::vector<CtaMatch> find_cta_phrases(std::span<const TimedWord> words,
                                       const CtaPhraseList& list = builtin_cta_phrases());

// Convenience for text with one time span (an on-screen text box, a subtitle line): every word gets
// [start_s, end_s].
std::vector<CtaMatch> find_cta_phrases(const std::string& text, double start_s, double end_s,
                                       const CtaPhraseList& list = builtin_cta_phrases());

// {"id", "category", "text", "start_s", "end_s"} plus {"source": source} when `source` is not empty.
nlohmann::json cta_match_to_json(const CtaMatch& match, const std::string& source = "");

}  // namespace vidscope::analyzers
