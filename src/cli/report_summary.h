#pragma once
// A short human-readable summary of a report, for the terminal.
#include <string>

#include "pipeline/report.h"

namespace vidscope::cli {

// to_stdout: the summary goes to stdout (requested with --summary); otherwise a brief line to the log.
void print_summary(const pipeline::Report& report, const std::string& report_path, bool to_stdout);

}  // namespace vidscope::cli
