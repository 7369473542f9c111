#include "analyzers/cta_phrases.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "analyzers/cta_phrases_data.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

bool is_word_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80; }

std::string json_type_error(const std::string& origin, const std::string& what) {
  return "call-to-action phrase list " + origin + ": " + what;
}

const std::string* find_equivalent(const CtaPhraseList& list, const std::string& word) {
  const auto it = std::lower_bound(list.equivalents.begin(), list.equivalents.end(), word,
                                   [](const auto& entry, const std::string& key) { return entry.first < key; });
  return it != list.equivalents.end() && it->first == word ? &it->second : nullptr;
}

// A normalised word with the index of the TimedWord it came from.
struct Token {
  std::string word;      // after equivalents
  std::string original;  // before equivalents, for the reported text
  size_t source = 0;
};

std::vector<Token> tokenize(std::span<const TimedWord> words, const CtaPhraseList& list) {
  std::vector<Token> tokens;
  for (size_t i = 0; i < words.size(); ++i) {
    for (std::string& word : split_cta_words(words[i].word)) {
      const std::string* replacement = find_equivalent(list, word);
      tokens.push_back({replacement ? *replacement : word, word, i});
    }
  }
  return tokens;
}

bool matches_at(const std::vector<Token>& tokens, size_t at, const std::vector<std::string>& pattern) {
  if (at + pattern.size() > tokens.size()) return false;
  for (size_t k = 0; k < pattern.size(); ++k) {
    if (tokens[at + k].word != pattern[k]) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> split_cta_words(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  const auto flush = [&] {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
  };
  for (const char raw : text) {
    unsigned char c = static_cast<unsigned char>(raw);
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    if (is_word_byte(c)) {
      current.push_back(static_cast<char>(c));
    } else {
      flush();
      if (c == '%') words.emplace_back("%");
    }
  }
  flush();
  return words;
}

CtaPhraseList parse_cta_phrase_list(const nlohmann::json& document, const std::string& origin) {
  if (!document.is_object()) throw_input_error(json_type_error(origin, "the top level must be an object"));
  CtaPhraseList list;
  const auto version = document.find("version");
  if (version == document.end() || !version->is_number_integer()) {
    throw_input_error(json_type_error(origin, "'version' must be an integer"));
  }
  list.version = version->get<int>();
  if (const auto equivalents = document.find("equivalents"); equivalents != document.end()) {
    if (!equivalents->is_object()) throw_input_error(json_type_error(origin, "'equivalents' must be an object"));
    for (const auto& [word, replacement] : equivalents->items()) {
      const auto from = split_cta_words(word);
      if (from.size() != 1 || !replacement.is_string() || split_cta_words(replacement.get<std::string>()).size() != 1) {
        throw_input_error(json_type_error(origin, "equivalent '" + word + "' must map one word to one word"));
      }
      list.equivalents.emplace_back(from[0], split_cta_words(replacement.get<std::string>())[0]);
    }
    std::sort(list.equivalents.begin(), list.equivalents.end());
  }
  const auto phrases = document.find("phrases");
  if (phrases == document.end() || !phrases->is_array()) throw_input_error(json_type_error(origin, "'phrases' must be an array"));
  for (const auto& entry : *phrases) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string() || !entry.contains("category") ||
        !entry["category"].is_string() || !entry.contains("patterns") || !entry["patterns"].is_array()) {
      throw_input_error(json_type_error(origin, "each phrase needs string 'id', string 'category' and array 'patterns'"));
    }
    CtaPhrase phrase{entry["id"].get<std::string>(), entry["category"].get<std::string>(), {}};
    for (const auto& pattern : entry["patterns"]) {
      if (!pattern.is_string()) throw_input_error(json_type_error(origin, "phrase '" + phrase.id + "': patterns must be strings"));
      std::vector<std::string> words = split_cta_words(pattern.get<std::string>());
      if (words.empty()) throw_input_error(json_type_error(origin, "phrase '" + phrase.id + "' has an empty pattern"));
      // Patterns go through the same equivalents as the text, so "follow 4 more" in the list still works.
      for (std::string& word : words) {
        if (const std::string* replacement = find_equivalent(list, word)) word = *replacement;
      }
      phrase.patterns.push_back(std::move(words));
    }
    if (phrase.patterns.empty()) throw_input_error(json_type_error(origin, "phrase '" + phrase.id + "' has no patterns"));
    // Longest first, so that at one position the longest pattern of a phrase is the one reported.
    std::stable_sort(phrase.patterns.begin(), phrase.patterns.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
    list.phrases.push_back(std::move(phrase));
  }
  return list;
}

const CtaPhraseList& builtin_cta_phrases() {
  static const CtaPhraseList list = [] {
    nlohmann::json document;
    try {
      document = nlohmann::json::parse(kBuiltinCtaPhrasesJson);
    } catch (const nlohmann::json::exception& error) {
      throw_internal_error(std::string("built-in call-to-action phrase list is not JSON: ") + error.what());
    }
    return parse_cta_phrase_list(document, "built-in list");
  }();
  return list;
}

CtaPhraseList load_cta_phrase_list(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_input_error("cannot read call-to-action phrase list '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& error) {
    throw_input_error("call-to-action phrase list '" + path + "' is not valid JSON: " + error.what());
  }
  return parse_cta_phrase_list(document, "'" + path + "'");
}

std::vector<CtaMatch> find_cta_phrases(std::span<const TimedWord> words, const CtaPhraseList& list) {
  const std::vector<Token> tokens = tokenize(words, list);
  std::vector<CtaMatch> matches;
  // A phrase is not reported again inside its own previous match ("follow me" inside "give me a follow
  // me"); different phrases may overlap.
  std::vector<size_t> covered_until(list.phrases.size(), 0);
  for (size_t at = 0; at < tokens.size(); ++at) {
    for (size_t p = 0; p < list.phrases.size(); ++p) {
      const CtaPhrase& phrase = list.phrases[p];
      if (at < covered_until[p]) continue;
      for (const auto& pattern : phrase.patterns) {
        if (!matches_at(tokens, at, pattern)) continue;
        covered_until[p] = at + pattern.size();
        const size_t first = tokens[at].source;
        const size_t last = tokens[at + pattern.size() - 1].source;
        CtaMatch match{phrase.id, phrase.category, "", words[first].start_s, words[first].end_s};
        for (size_t k = at; k < at + pattern.size(); ++k) {
          if (!match.matched_text.empty()) match.matched_text += ' ';
          match.matched_text += tokens[k].original;
        }
        for (size_t k = first; k <= last; ++k) match.end_s = std::max(match.end_s, words[k].end_s);
        matches.push_back(std::move(match));
        break;  // the longest pattern of this phrase at this position
      }
    }
  }
  std::stable_sort(matches.begin(), matches.end(), [](const CtaMatch& a, const CtaMatch& b) { return a.start_s < b.start_s; });
  return matches;
}

std::vector<CtaMatch> find_cta_phrases(const std::string& text, double start_s, double end_s, const CtaPhraseList& list) {
  const TimedWord whole{text, start_s, end_s};
  return find_cta_phrases(std::span<const TimedWord>(&whole, 1), list);
}

nlohmann::json cta_match_to_json(const CtaMatch& match, const std::string& source) {
  nlohmann::json out = {{"id", match.id},           {"category", match.category}, {"text", match.matched_text},
                        {"start_s", match.start_s}, {"end_s", match.end_s}};
  if (!source.empty()) out["source"] = source;
  return out;
}

}  // namespace vidscope::analyzers
