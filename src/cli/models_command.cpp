// `vidscope models list | add NAME DIR | verify NAME`: the local model store (models/model_store.h).
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/units.h"
#include "cli/command.h"
#include "models/checkpoint_tensors.h"
#include "models/expected_tensors.h"
#include "models/model_store.h"
#include "models/vlm_config.h"
#include "models/weight_set.h"

namespace vidscope::cli {

namespace {

struct ModelsOptions {
  std::string name;
  std::string directory;
  bool json = false;
};

int list_models(const ModelsOptions& options) {
  const auto store = models::ModelStore::from_environment();
  const auto all = store.list();
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : all) out.push_back({{"name", m.name}, {"directory", m.directory.string()}, {"source", m.source}});
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (all.empty()) {
    std::printf("no models configured (config file: %s; VIDSCOPE_MODELS not set or empty)\n",
                store.config_file().string().c_str());
    return 0;
  }
  for (const auto& m : all) std::printf("%-24s %s  (%s)\n", m.name.c_str(), m.directory.string().c_str(), m.source.c_str());
  return 0;
}

int add_model(const ModelsOptions& options) {
  auto store = models::ModelStore::from_environment();
  // Reading the config proves the directory is a model vidscope can use before it is recorded.
  models::load_vlm_config(std::filesystem::path(options.directory) / "config.json");
  store.add(options.name, options.directory);
  std::printf("added %s -> %s (in %s)\n", options.name.c_str(),
              std::filesystem::absolute(options.directory).lexically_normal().string().c_str(),
              store.config_file().string().c_str());
  return 0;
}

// Every file opens and validates (safetensors headers, byte counts), every tensor the config implies is
// present with its shape and a loadable dtype.
int verify_model(const ModelsOptions& options) {
  const auto store = models::ModelStore::from_environment();
  const auto dir = store.resolve(options.name);
  const auto config = models::load_vlm_config(dir / "config.json");
  const auto weights = models::WeightSet::open_directory(dir);
  const models::CheckpointTensors tensors(weights, config.text.tie_word_embeddings);
  const auto problems = models::check_checkpoint_tensors(config, tensors);
  int errors = 0;
  nlohmann::json out = {{"model", dir.string()},
                        {"architecture", config.architecture},
                        {"files", weights.files().size()},
                        {"tensors", weights.tensors().size()},
                        {"bytes", weights.total_bytes()},
                        {"problems", nlohmann::json::array()}};
  for (const auto& problem : problems) {
    const bool fatal = problem.kind != models::TensorProblem::Kind::kUnexpected;
    errors += fatal ? 1 : 0;
    out["problems"].push_back({{"tensor", problem.name}, {"message", problem.message}, {"fatal", fatal}});
  }
  out["ok"] = errors == 0;
  if (options.json) {
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s: %s, %zu file(s), %zu tensors, %s\n", dir.string().c_str(), config.architecture.c_str(),
                weights.files().size(), weights.tensors().size(), format_bytes(weights.total_bytes()).c_str());
    for (const auto& p : out["problems"]) {
      std::printf("  %s %s\n", p["fatal"].get<bool>() ? "error:" : "note: ", p["message"].get<std::string>().c_str());
    }
    std::printf("%s\n", errors == 0 ? "ok" : fmt::format("{} problem(s)", errors).c_str());
  }
  return errors == 0 ? 0 : static_cast<int>(ErrorKind::kInput);
}

}  // namespace

CommandRunner register_models_command(CLI::App& app) {
  auto* sub = app.add_subcommand("models", "The local model store: list, add and verify model directories");
  sub->require_subcommand(1);
  auto options = std::make_shared<ModelsOptions>();
  auto* list = sub->add_subcommand("list", "List configured models");
  list->add_flag("--json", options->json, "Machine-readable output");
  auto* add = sub->add_subcommand("add", "Register a model directory under a name in the config file");
  add->add_option("NAME", options->name, "Model name")->required();
  add->add_option("DIR", options->directory, "Model directory (Hugging Face snapshot)")->required();
  auto* verify = sub->add_subcommand("verify", "Check every file, tensor shape, dtype and byte count of a model");
  verify->add_option("NAME", options->name, "Model name or directory")->required();
  verify->add_flag("--json", options->json, "Machine-readable output");
  return [options, list, add, verify] {
    if (list->parsed()) return list_models(*options);
    if (add->parsed()) return add_model(*options);
    if (verify->parsed()) return verify_model(*options);
    return static_cast<int>(ErrorKind::kUsage);
  };
}

}  // namespace vidscope::cli
