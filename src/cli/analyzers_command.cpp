#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analyzers/registry.h"
#include "base/units.h"
#include "cli/command.h"

namespace vidscope::cli {

namespace {

// Needs depend on the video only through its size; a nominal 1080p context shows typical values.
analyzers::AnalyzerContext nominal_context() {
  analyzers::AnalyzerContext context;
  context.video.width = 1920;
  context.video.height = 1080;
  context.video.fps = 30;
  context.video.duration_s = 60;
  return context;
}

nlohmann::json needs_json(const analyzers::AnalyzerNeeds& needs) {
  nlohmann::json out;
  out["frames"] = needs.frames ? nlohmann::json(media::describe(*needs.frames)) : nlohmann::json(nullptr);
  out["audio"] = needs.audio;
  out["model"] = needs.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(needs.model);
  out["ram_bytes"] = needs.resources.ram_bytes;
  out["gpu_bytes"] = needs.resources.gpu_bytes;
  out["threads"] = needs.resources.threads;
  return out;
}

}  // namespace

CommandRunner register_analyzers_command(CLI::App& app) {
  auto* sub = app.add_subcommand("analyzers", "List the analyzers and what each needs");
  auto as_json = std::make_shared<bool>(false);
  sub->add_flag("--json", *as_json, "Machine-readable output");
  return [as_json] {
    const auto context = nominal_context();
    nlohmann::json all = nlohmann::json::array();
    for (const auto& entry : analyzers::analyzer_registry()) {
      const auto analyzer = entry.create();
      const auto needs = analyzer->needs(context);
      if (*as_json) {
        all.push_back({{"name", entry.name},
                       {"description", analyzer->description()},
                       {"default", entry.default_enabled},
                       {"needs", needs_json(needs)}});
        continue;
      }
      std::string what = needs.frames ? media::describe(*needs.frames) : "no frames";
      if (needs.audio) what += ", audio 16 kHz mono";
      if (!needs.model.empty()) what += ", model: " + needs.model;
      std::printf("%-16s %s\n%-16s needs: %s; ~%s RAM, %u thread(s)%s\n", entry.name.c_str(),
                  analyzer->description().c_str(), "", what.c_str(), format_bytes(needs.resources.ram_bytes).c_str(),
                  needs.resources.threads, entry.default_enabled ? "" : " (not run by default)");
    }
    if (*as_json) std::printf("%s\n", all.dump(2).c_str());
    return 0;
  };
}

}  // namespace vidscope::cli
