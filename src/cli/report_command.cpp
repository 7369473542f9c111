// `vidscope report REPORT.json --html OUT.html`: renders a report written by `analyze` as a page a
// person can read (memory timeline, plan, models), without running anything again.
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/error.h"
#include "cli/command.h"
#include "pipeline/report_html.h"

namespace vidscope::cli {

namespace {

struct ReportOptions {
  std::string report;
  std::string html;
};

int run_report(const ReportOptions& options) {
  std::ifstream in(options.report, std::ios::binary);
  if (!in) throw_input_error("cannot read report '" + options.report + "'");
  std::stringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded()) throw_input_error("report '" + options.report + "' is not valid JSON");
  std::string html;
  try {
    html = pipeline::render_report_html(json);
  } catch (const Error& e) {
    throw_input_error("report '" + options.report + "': " + e.what());
  } catch (const nlohmann::json::exception& e) {
    throw_input_error("report '" + options.report + "' has an unexpected shape: " + e.what());
  }
  write_file_atomically(options.html, html);
  return 0;
}

}  // namespace

CommandRunner register_report_command(CLI::App& app) {
  auto* sub = app.add_subcommand("report", "Render a report JSON written by `analyze` as a self-contained HTML page");
  auto options = std::make_shared<ReportOptions>();
  sub->add_option("REPORT", options->report, "Report JSON written by `vidscope analyze`")->required();
  sub->add_option("--html", options->html, "HTML file to write (memory timeline, plan, models)")->required();
  return [options] { return run_report(*options); };
}

}  // namespace vidscope::cli
