#pragma once
// A report a person can read at a glance: one self-contained HTML page (inline SVG, no scripts to run,
// nothing fetched) with the memory timeline per device — RSS, anonymous and file-backed RSS, GPU
// memory in use — the RAM budget, a lane per analyzer and model showing when it ran, pressure events,
// and next to it the load plan, the models' predicted vs measured peaks and their verified release.
// The report JSON is embedded as well (<script type="application/json" id="vidscope-report">) so tools
// can read the page back.
//
// Input is the report as JSON (what write_report wrote), so `vidscope report --html` works on any
// report file. Throws Error(kInput) when the JSON is not a vidscope report.
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace vidscope::pipeline {

std::string render_report_html(const nlohmann::json& report);

}  // namespace vidscope::pipeline
