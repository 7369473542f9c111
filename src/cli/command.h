#pragma once
// Each subcommand lives in its own file and registers itself on the CLI11 app. The callback it
// installs runs the command and returns the process exit code; errors travel as vidscope::Error.
#include <functional>

#include <CLI/CLI.hpp>

namespace vidscope::cli {

// Global flags shared by every subcommand.
struct GlobalOptions {
  bool quiet = false;
  bool verbose = false;
  std::string log_format = "text";
};

using CommandRunner = std::function<int()>;

// Each returns the runner to call when its subcommand was chosen.
CommandRunner register_analyze_command(CLI::App& app, const GlobalOptions& global);
CommandRunner register_probe_command(CLI::App& app);
CommandRunner register_analyzers_command(CLI::App& app);
CommandRunner register_vlm_command(CLI::App& app);
CommandRunner register_describe_command(CLI::App& app);
CommandRunner register_plan_command(CLI::App& app);
CommandRunner register_models_command(CLI::App& app);
CommandRunner register_report_command(CLI::App& app);

}  // namespace vidscope::cli
