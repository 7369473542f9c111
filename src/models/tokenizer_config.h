#pragma once
// tokenizer_config.json (and chat_template.json where a model ships its template separately): the
// special token strings and the chat template, which later code renders into prompts.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace vidscope::models {

struct TokenizerConfig {
  std::optional<std::string> eos_token;
  std::optional<std::string> pad_token;
  std::optional<std::string> bos_token;
  std::optional<std::string> chat_template;  // Jinja source, when the model has one
  bool add_bos_token = false;
};

// Parses tokenizer_config.json text; special tokens may be strings or {"content": ...} objects.
// Throws vidscope::Error (kind input) naming `file` for mistyped entries.
TokenizerConfig parse_tokenizer_config(const nlohmann::json& json, const std::string& file);
// Reads `folder`/tokenizer_config.json and, when the template is not inside it, `folder`/chat_template.json.
TokenizerConfig load_tokenizer_config(const std::filesystem::path& folder);

}  // namespace vidscope::models
