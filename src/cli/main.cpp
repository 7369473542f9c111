// vidscope: analyze videos with many analyzers under explicit memory budgets.
// Exit codes (README "Exit codes"): 0 ok, 2 usage, 3 input, 4 budget, 5 internal.
#include <cstdio>
#include <exception>
#include <map>

#include "backend/cuda/cuda_backend.h"
#include "base/error.h"
#include "base/log.h"
#include "cli/command.h"
#include "memory/heap_usage.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitInternal = 5;

int run(int argc, char** argv) {
  using namespace vidscope;
  CLI::App app{"vidscope: analyze videos with many models and analyzers under explicit memory budgets"};
  app.set_version_flag("--version", "vidscope 0.1.0");
  app.require_subcommand(1);
  cli::GlobalOptions global;
  app.add_flag("-q,--quiet", global.quiet, "Only warnings and errors on stderr; no progress bar");
  app.add_flag("-v,--verbose", global.verbose, "Debug logging");
  app.add_option("--log-format", global.log_format, "Log line format on stderr")
      ->check(CLI::IsMember({"text", "json"}));

  std::map<CLI::App*, cli::CommandRunner> runners;
  auto add = [&](cli::CommandRunner runner) { runners[app.get_subcommands({}).back()] = std::move(runner); };
  add(cli::register_analyze_command(app, global));
  add(cli::register_probe_command(app));
  add(cli::register_analyzers_command(app));
  add(cli::register_vlm_command(app));
  add(cli::register_describe_command(app));
  add(cli::register_plan_command(app));
  add(cli::register_models_command(app));
  add(cli::register_report_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  init_logging(global.log_format == "json" ? LogFormat::kJson : LogFormat::kText, global.quiet, global.verbose);
  for (auto& [sub, runner] : runners) {
    if (sub->parsed()) return runner();
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  vidscope::memory::return_freed_memory_promptly();
  // The planner and the memory timeline see the GPU when there is one (and CUDA is built in).
  vidscope::backend::install_gpu_memory_reader();
  try {
    return run(argc, argv);
  } catch (const vidscope::Error& e) {
    std::fprintf(stderr, "vidscope: %s error: %s\n", std::string(vidscope::error_kind_name(e.kind())).c_str(),
                 e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "vidscope: internal error: out of memory\n");
    return kExitInternal;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vidscope: internal error: %s\n", e.what());
    return kExitInternal;
  }
}
