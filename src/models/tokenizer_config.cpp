#include "models/tokenizer_config.h"

#include "base/error.h"
#include "models/json_file.h"

namespace vidscope::models {
namespace {

std::optional<std::string> token_string(const nlohmann::json& root, const char* key, const std::string& file) {
  const auto it = root.find(key);
  if (it == root.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
    return (*it)["content"].get<std::string>();
  }
  throw_input_error(file + ": \"" + key + "\" must be a string or an object with \"content\"");
}

}  // namespace

TokenizerConfig parse_tokenizer_config(const nlohmann::json& root, const std::string& file) {
  const JsonObject top(root, file);
  TokenizerConfig config;
  config.eos_token = token_string(root, "eos_token", file);
  config.pad_token = token_string(root, "pad_token", file);
  config.bos_token = token_string(root, "bos_token", file);
  config.add_bos_token = top.optional_bool("add_bos_token").value_or(false);
  if (root.contains("chat_template") && !root["chat_template"].is_null()) {
    const auto& tmpl = root["chat_template"];
    if (tmpl.is_string()) {
      config.chat_template = tmpl.get<std::string>();
    } else if (tmpl.is_array()) {  // named templates: [{"name": "default", "template": "..."}]
      for (const auto& entry : tmpl) {
        if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template")) {
          config.chat_template = entry["template"].get<std::string>();
        }
      }
    } else {
      top.fail("chat_template", "must be a string or a list of named templates");
    }
  }
  return config;
}

TokenizerConfig load_tokenizer_config(const std::filesystem::path& folder) {
  const auto path = folder / "tokenizer_config.json";
  TokenizerConfig config = parse_tokenizer_config(read_json_file(path), path.string());
  const auto separate = folder / "chat_template.json";
  if (!config.chat_template && std::filesystem::exists(separate)) {
    const auto json = read_json_file(separate);
    const JsonObject top(json, separate.string());
    config.chat_template = top.optional_string("chat_template");
  }
  return config;
}

}  // namespace vidscope::models
