#include "models/tokenizer.h"

#include "base/error.h"
#include "models/byte_level.h"
#include "models/tokenizer_json_reader.h"
#include "models/utf8.h"

namespace vidscope::models {
namespace {

using nlohmann::json;

// Normalizers Hugging Face composes; only NFC (alone or in a Sequence) is needed by byte-level BPE files.
bool parse_normalizer(const json& normalizer, const std::string& file) {
  if (normalizer.is_null()) return false;
  const std::string type = normalizer.value("type", "");
  if (type == "NFC") return true;
  if (type == "Sequence") {
    bool nfc = false;
    for (const auto& inner : normalizer.at("normalizers")) nfc |= parse_normalizer(inner, file);
    return nfc;
  }
  throw_input_error(file + ": normalizer '" + type + "' is not supported (supported: NFC, Sequence of NFC)");
}

void require_byte_level_component(const json& component, std::string_view what, const std::string& file) {
  if (component.is_null()) return;
  const std::string type = component.value("type", "");
  if (type != "ByteLevel") {
    throw_input_error(file + ": " + std::string(what) + " '" + type + "' is not supported (supported: ByteLevel)");
  }
}

void check_bpe_options(const json& model, const std::string& file) {
  if (model.value("type", "") != "BPE") {
    throw_input_error(file + ": model type '" + model.value("type", "") + "' is not supported (supported: BPE)");
  }
  const auto non_empty_string = [&](const char* key) {
    const auto it = model.find(key);
    return it != model.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
  };
  if (non_empty_string("continuing_subword_prefix") || non_empty_string("end_of_word_suffix")) {
    throw_input_error(file + ": BPE continuing_subword_prefix/end_of_word_suffix are not supported");
  }
  if (model.value("byte_fallback", false)) throw_input_error(file + ": BPE byte_fallback is not supported");
  if (model.value("ignore_merges", false)) throw_input_error(file + ": BPE ignore_merges is not supported");
  const auto dropout = model.find("dropout");
  if (dropout != model.end() && !dropout->is_null() && dropout->get<double>() != 0.0) {
    throw_input_error(file + ": BPE dropout is not supported");
  }
}

}  // namespace

Tokenizer Tokenizer::load(const std::filesystem::path& tokenizer_json) {
  return from_parts(read_tokenizer_json(tokenizer_json), tokenizer_json.string());
}

Tokenizer Tokenizer::from_json(const json& root, const std::string& file) {
  return from_parts(split_tokenizer_json(root, file), file);
}

Tokenizer Tokenizer::from_parts(TokenizerJsonParts parts, const std::string& file) {
  Tokenizer tokenizer;
  const json& root = parts.rest;
  try {
    if (!root.is_object() || !root.contains("model")) throw_input_error(file + ": no \"model\" object");
    const json& model = root.at("model");
    check_bpe_options(model, file);
    if (!parts.has_vocab) throw_input_error(file + ": model.vocab is missing or not an object");
    if (!parts.has_merges) throw_input_error(file + ": model.merges is missing or not an array");
    tokenizer.nfc_ = parse_normalizer(root.value("normalizer", json()), file);
    tokenizer.pre_tokenizer_ = PreTokenizer::from_json(root.value("pre_tokenizer", json()), file);
    if (!tokenizer.pre_tokenizer_.byte_level()) {
      throw_input_error(file + ": only byte-level BPE tokenizers are supported (no ByteLevel pre_tokenizer)");
    }
    require_byte_level_component(root.value("decoder", json()), "decoder", file);

    std::unordered_map<std::string, TokenId> vocab;
    vocab.reserve(parts.vocab.size());
    TokenId max_id = -1;
    for (auto& [token, id] : parts.vocab) {
      max_id = std::max(max_id, id);
      vocab[std::move(token)] = id;  // a repeated token keeps its last id, as a JSON parser would
    }
    parts.vocab = {};  // its strings are moved out; give back the list itself before the next step
    for (const auto& entry : root.value("added_tokens", json::array())) {
      AddedToken token;
      token.id = entry.at("id").get<TokenId>();
      token.content = entry.at("content").get<std::string>();
      token.special = entry.value("special", false);
      token.normalized = entry.value("normalized", !token.special);
      token.lstrip = entry.value("lstrip", false);
      token.rstrip = entry.value("rstrip", false);
      token.single_word = entry.value("single_word", false);
      if (!valid_token_id(token.id)) throw_input_error(file + ": added token id out of range");
      max_id = std::max(max_id, token.id);
      tokenizer.added_tokens_.push_back(std::move(token));
    }

    tokenizer.id_to_token_.assign(static_cast<std::size_t>(max_id + 1), std::string());
    tokenizer.special_.assign(tokenizer.id_to_token_.size(), 0);
    for (const auto& [token, id] : vocab) tokenizer.id_to_token_[id] = token;
    for (const auto& token : tokenizer.added_tokens_) {
      tokenizer.id_to_token_[token.id] = token.content;
      tokenizer.special_[token.id] = token.special ? 1 : 0;
    }
    tokenizer.model_ = std::make_shared<const BpeModel>(std::move(vocab), parts.merges, file);
    tokenizer.raw_matcher_ = AddedTokenMatcher(tokenizer.added_tokens_, false);
    tokenizer.normalized_matcher_ = AddedTokenMatcher(tokenizer.added_tokens_, true);
  } catch (const json::exception& e) {
    throw_input_error(file + ": malformed tokenizer: " + e.what());
  }
  return tokenizer;
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, AddedTokenMode mode) const {
  if (const auto bad = find_invalid_utf8(text)) {
    throw_input_error("text to tokenize is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
  }
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<TextSegment> segments;
  if (mode == AddedTokenMode::kMatch) raw_matcher_.split(text, segments);
  else segments.push_back({text, -1});
  for (const auto& segment : segments) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
    } else if (nfc_) {
      encode_normalized(normalize_nfc(segment.text), mode, ids);
    } else {
      encode_normalized(segment.text, mode, ids);
    }
  }
  return ids;
}

void Tokenizer::encode_normalized(std::string_view text, AddedTokenMode mode, std::vector<TokenId>& ids) const {
  if (mode == AddedTokenMode::kAsText || normalized_matcher_.empty()) {
    encode_plain(text, ids);
    return;
  }
  std::vector<TextSegment> segments;
  normalized_matcher_.split(text, segments);
  for (const auto& segment : segments) {
    if (segment.id >= 0) ids.push_back(segment.id);
    else encode_plain(segment.text, ids);
  }
}

void Tokenizer::encode_plain(std::string_view text, std::vector<TokenId>& ids) const {
  std::vector<std::string_view> pieces;
  pre_tokenizer_.split(text, pieces);
  for (std::string_view piece : pieces) model_->encode_word(piece, ids);
}

std::string Tokenizer::token_bytes(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size()) return {};
  const std::string& token = id_to_token_[id];
  // Hugging Face's ByteLevel decoder maps a token through the byte alphabet when it can and keeps it
  // verbatim otherwise (added tokens such as "<|im_end|>" are plain ASCII either way).
  if (auto bytes = byte_level_alphabet().decode(token)) return *bytes;
  return token;
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool skip_special_tokens) const {
  std::string bytes;
  for (TokenId id : ids) {
    if (skip_special_tokens && is_special(id)) continue;
    bytes += token_bytes(id);
  }
  return utf8_lossy(bytes);
}

std::optional<TokenId> Tokenizer::token_to_id(std::string_view token) const {
  for (const auto& added : added_tokens_) {
    if (added.content == token) return added.id;
  }
  return model_->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size() || id_to_token_[id].empty()) return std::nullopt;
  return id_to_token_[id];
}

bool Tokenizer::is_special(TokenId id) const {
  return id >= 0 && static_cast<std::size_t>(id) < special_.size() && special_[id] != 0;
}

std::string StreamingDecoder::push(TokenId id) {
  if (skip_special_ && tokenizer_->is_special(id)) return {};
  pending_ += tokenizer_->token_bytes(id);
  const std::size_t complete = complete_utf8_prefix(pending_);
  std::string text = utf8_lossy(std::string_view(pending_).substr(0, complete));
  pending_.erase(0, complete);
  return text;
}

std::string StreamingDecoder::finish() {
  std::string text = utf8_lossy(pending_);
  pending_.clear();
  return text;
}

}  // namespace vidscope::models
