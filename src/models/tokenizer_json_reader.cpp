#include "models/tokenizer_json_reader.h"

#include <fstream>

#include "base/error.h"

namespace vidscope::models {
namespace {

using nlohmann::json;

[[noreturn]] void bad_vocab_id(const std::string& file, const std::string& token) {
  throw_input_error(file + ": vocab id for '" + token + "' is not a small non-negative integer");
}

[[noreturn]] void bad_merge(const std::string& file, const std::string& what) {
  throw_input_error(file + ": merge " + what + " is neither \"a b\" nor [\"a\", \"b\"]");
}

std::pair<std::string, std::string> split_merge_text(const std::string& text, const std::string& file) {
  const auto space = text.find(' ');
  if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
    throw_input_error(file + ": merge \"" + text + "\" is not two tokens separated by one space");
  }
  return {text.substr(0, space), text.substr(space + 1)};
}

// SAX events of the whole file: inside model.vocab and model.merges they fill the flat lists, anywhere
// else they go on to nlohmann's document builder.
class SplittingHandler {
 public:
  SplittingHandler(TokenizerJsonParts& out, std::string file) : out_(out), dom_(out.rest), file_(std::move(file)) {}

  bool null() { return scalar("null", [&] { return dom_.null(); }); }
  bool boolean(bool v) { return scalar(v ? "true" : "false", [&] { return dom_.boolean(v); }); }
  bool number_integer(json::number_integer_t v) {
    if (mode_ == Mode::kVocab) return vocab_id(v);
    return scalar(std::to_string(v), [&] { return dom_.number_integer(v); });
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (mode_ == Mode::kVocab) {
      return vocab_id(v > static_cast<json::number_unsigned_t>(kMaxTokenId) ? -1 : static_cast<std::int64_t>(v));
    }
    return scalar(std::to_string(v), [&] { return dom_.number_unsigned(v); });
  }
  bool number_float(json::number_float_t v, const json::string_t& text) {
    return scalar(text, [&] { return dom_.number_float(v, text); });
  }
  bool string(json::string_t& v) {
    switch (mode_) {
      case Mode::kMerges: out_.merges.push_back(split_merge_text(v, file_)); return true;
      case Mode::kMergePair:
        if (pair_.size() == 2) bad_merge(file_, "with more than two entries");
        pair_.push_back(std::move(v));
        return true;
      case Mode::kVocab: bad_vocab_id(file_, key_);
      case Mode::kDocument: return dom_.string(v);
    }
    return false;
  }
  bool binary(json::binary_t& v) { return scalar("binary", [&] { return dom_.binary(v); }); }

  bool start_object(std::size_t size) {
    if (mode_ != Mode::kDocument) return nested("an object");
    if (at({"model", "vocab"})) {
      mode_ = Mode::kVocab;
      out_.has_vocab = true;
      return dom_.start_object(0);
    }
    keys_.emplace_back();
    return dom_.start_object(size);
  }
  bool key(json::string_t& k) {
    if (mode_ == Mode::kVocab) {
      key_ = std::move(k);
      return true;
    }
    keys_.back() = k;
    return dom_.key(k);
  }
  bool end_object() {
    if (mode_ == Mode::kVocab) mode_ = Mode::kDocument;
    else keys_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t size) {
    if (mode_ == Mode::kMerges) {
      mode_ = Mode::kMergePair;
      pair_.clear();
      return true;
    }
    if (mode_ != Mode::kDocument) return nested("an array");
    if (at({"model", "merges"})) {
      mode_ = Mode::kMerges;
      out_.has_merges = true;
      return dom_.start_array(0);
    }
    keys_.emplace_back();
    return dom_.start_array(size);
  }
  bool end_array() {
    switch (mode_) {
      case Mode::kMergePair:
        if (pair_.size() != 2) bad_merge(file_, "with " + std::to_string(pair_.size()) + " entries");
        out_.merges.emplace_back(std::move(pair_[0]), std::move(pair_[1]));
        mode_ = Mode::kMerges;
        return true;
      case Mode::kMerges: mode_ = Mode::kDocument; return dom_.end_array();
      default: keys_.pop_back(); return dom_.end_array();
    }
  }
  bool parse_error(std::size_t position, const std::string& last_token, const nlohmann::detail::exception& e) {
    return dom_.parse_error(position, last_token, e);  // throws it
  }

 private:
  enum class Mode { kDocument, kVocab, kMerges, kMergePair };

  // The open containers are the root object, then "model": true when the next container opens at
  // root.model.<key>.
  bool at(std::initializer_list<const char*> path) const {
    if (keys_.size() != path.size()) return false;
    std::size_t i = 0;
    for (const char* k : path) {
      if (keys_[i++] != k) return false;
    }
    return true;
  }
  template <class ToDocument>
  bool scalar(const std::string& text, ToDocument&& to_document) {
    switch (mode_) {
      case Mode::kVocab: bad_vocab_id(file_, key_);
      case Mode::kMerges:
      case Mode::kMergePair: bad_merge(file_, text);
      case Mode::kDocument: return to_document();
    }
    return false;
  }
  bool nested(const char* what) {
    if (mode_ == Mode::kVocab) bad_vocab_id(file_, key_);
    bad_merge(file_, std::string("holding ") + what);
  }
  bool vocab_id(std::int64_t id) {
    if (!valid_token_id(id)) bad_vocab_id(file_, key_);
    out_.vocab.emplace_back(std::move(key_), static_cast<TokenId>(id));
    return true;
  }

  TokenizerJsonParts& out_;
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::string file_;
  Mode mode_ = Mode::kDocument;
  std::vector<std::string> keys_;  // the current key of every open container (arrays: "")
  std::string key_;                // inside vocab: the token whose id comes next
  std::vector<std::string> pair_;  // inside a ["a", "b"] merge
};

}  // namespace

TokenizerJsonParts read_tokenizer_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_input_error(path.string() + ": cannot open (missing file?)");
  TokenizerJsonParts parts;
  SplittingHandler handler(parts, path.string());
  try {
    json::sax_parse(in, &handler);
  } catch (const json::exception& e) {
    throw_input_error(path.string() + ": not valid JSON: " + e.what());
  }
  return parts;
}

TokenizerJsonParts split_tokenizer_json(const json& root, const std::string& file) {
  TokenizerJsonParts parts;
  parts.rest = root;
  if (!root.is_object()) return parts;
  const auto model = parts.rest.find("model");
  if (model == parts.rest.end() || !model->is_object()) return parts;
  if (const auto vocab = model->find("vocab"); vocab != model->end()) {
    if (!vocab->is_object()) throw_input_error(file + ": model.vocab is not an object");
    parts.has_vocab = true;
    parts.vocab.reserve(vocab->size());
    for (const auto& [token, id] : vocab->items()) {
      if (!id.is_number_integer() || !valid_token_id(id.get<std::int64_t>())) {
        bad_vocab_id(file, token);
      }
      parts.vocab.emplace_back(token, id.get<TokenId>());
    }
    *vocab = json::object();
  }
  if (const auto merges = model->find("merges"); merges != model->end()) {
    if (!merges->is_array()) throw_input_error(file + ": model.merges is not an array");
    parts.has_merges = true;
    parts.merges.reserve(merges->size());
    for (const auto& merge : *merges) {
      if (merge.is_string()) {
        parts.merges.push_back(split_merge_text(merge.get_ref<const std::string&>(), file));
      } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
        parts.merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
      } else {
        bad_merge(file, merge.dump());
      }
    }
    *merges = json::array();
  }
  return parts;
}

}  // namespace vidscope::models
