#include "pipeline/report_html.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/units.h"

namespace vidscope::pipeline {

namespace {

constexpr double kWidth = 960;
constexpr double kPlotHeight = 280;
constexpr double kLeft = 70;
constexpr double kRight = 20;
constexpr double kTop = 20;
constexpr double kLaneHeight = 14;

std::string escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

Bytes bytes_at(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<Bytes>() : 0;
}

struct Series {
  const char* key;
  const char* id;
  const char* label;
  const char* color;
};

constexpr Series kSeries[] = {
    {"rss", "rss", "RSS", "#1f77b4"},
    {"rss_anon", "rss-anon", "RSS anonymous", "#d62728"},
    {"rss_file", "rss-file", "RSS file-backed", "#2ca02c"},
    {"gpu_used", "gpu-used", "GPU memory in use", "#9467bd"},
};

std::string timeline_svg(const nlohmann::json& report) {
  const nlohmann::json& timeline = report.at("memory").at("timeline");
  const Bytes budget = bytes_at(report.at("settings"), "ram_budget_bytes");
  double t_max = 1e-3;
  Bytes y_max = 1;
  std::set<std::string> owners;
  for (const auto& s : timeline) {
    t_max = std::max(t_max, s.value("t_s", 0.0));
    for (const Series& series : kSeries) y_max = std::max(y_max, bytes_at(s, series.key));
    for (const auto& name : s.value("active", std::vector<std::string>{})) owners.insert(name);
  }
  // The budget line is drawn when it is within reach of the curves (an "unlimited" budget resolves to
  // the machine's RAM and would flatten everything).
  const bool show_budget = budget > 0 && budget <= y_max * 3;
  if (show_budget) y_max = std::max(y_max, budget);
  y_max = y_max + y_max / 10;
  const double plot_w = kWidth - kLeft - kRight;
  const auto x_of = [&](double t) { return kLeft + plot_w * t / t_max; };
  const auto y_of = [&](Bytes b) { return kTop + kPlotHeight * (1.0 - static_cast<double>(b) / static_cast<double>(y_max)); };
  const double lanes_top = kTop + kPlotHeight + 30;
  const double height = lanes_top + kLaneHeight * static_cast<double>(owners.size()) + 30;

  std::string svg = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" id="memory-timeline" width="{:.0f}" height="{:.0f}" viewBox="0 0 {:.0f} {:.0f}">)",
                                kWidth, height, kWidth, height);
  svg += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#fafafa" stroke="#ccc"/>)", kLeft,
                     kTop, plot_w, kPlotHeight);
  for (int i = 0; i <= 4; ++i) {
    const Bytes b = y_max * static_cast<Bytes>(i) / 4;
    svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="10" text-anchor="end">{}</text>)", kLeft - 4,
                       y_of(b) + 3, escape(format_bytes(b)));
  }
  for (int i = 0; i <= 5; ++i) {
    const double t = t_max * i / 5;
    svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="10" text-anchor="middle">{:.1f} s</text>)", x_of(t),
                       kTop + kPlotHeight + 12, t);
  }
  if (show_budget) {
    svg += fmt::format(R"(<line id="ram-budget" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#ff7f0e" stroke-dasharray="6 3"/>)",
                       kLeft, kLeft + plot_w, y_of(budget), y_of(budget));
    svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="10" fill="#ff7f0e">RAM budget {}</text>)", kLeft + 4,
                       y_of(budget) - 3, escape(format_bytes(budget)));
  }
  for (const Series& series : kSeries) {
    std::string points;
    int count = 0;
    for (const auto& s : timeline) {
      if (!s.contains(series.key)) continue;
      points += fmt::format("{:.1f},{:.1f} ", x_of(s.value("t_s", 0.0)), y_of(bytes_at(s, series.key)));
      ++count;
    }
    if (count == 0) continue;
    svg += fmt::format(R"(<polyline id="{}" data-samples="{}" fill="none" stroke="{}" stroke-width="1.5" points="{}"/>)",
                       series.id, count, series.color, points);
  }
  for (const auto& event : report.at("memory").value("pressure_events", nlohmann::json::array())) {
    const double x = x_of(event.value("t_s", 0.0));
    svg += fmt::format(R"(<line class="pressure-event" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#e377c2"><title>{}</title></line>)",
                       x, x, kTop, kTop + kPlotHeight, escape(event.value("level", "") + ": " + event.value("action", "")));
  }
  // One lane per analyzer / model: a bar wherever a sample saw it running.
  int lane = 0;
  for (const std::string& owner : owners) {
    const double y = lanes_top + kLaneHeight * lane++;
    svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="10" text-anchor="end">{}</text>)", kLeft - 4, y + 10,
                       escape(owner));
    for (std::size_t i = 0; i < timeline.size(); ++i) {
      const auto active = timeline[i].value("active", std::vector<std::string>{});
      if (std::find(active.begin(), active.end(), owner) == active.end()) continue;
      const double t0 = timeline[i].value("t_s", 0.0);
      const double t1 = i + 1 < timeline.size() ? timeline[i + 1].value("t_s", t0) : t0;
      svg += fmt::format(R"(<rect class="lane" data-owner="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#8da0cb"/>)",
                         escape(owner), x_of(t0), y + 2, std::max(1.0, x_of(t1) - x_of(t0)), kLaneHeight - 4);
    }
  }
  double legend_x = kLeft;
  for (const Series& series : kSeries) {
    svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="11" fill="{}">&#9632; {}</text>)", legend_x,
                       height - 8, series.color, series.label);
    legend_x += 150;
  }
  svg += "</svg>";
  return svg;
}

std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  const char* id) {
  std::string html = fmt::format(R"(<table id="{}"><tr>)", id);
  for (const auto& h : header) html += "<th>" + escape(h) + "</th>";
  html += "</tr>";
  for (const auto& row : rows) {
    html += "<tr>";
    for (const auto& cell : row) html += "<td>" + escape(cell) + "</td>";
    html += "</tr>";
  }
  return html + "</table>";
}

std::string models_section(const nlohmann::json& report) {
  std::string html;
  for (const auto& model : report.value("models", nlohmann::json::array())) {
    // Where it ran, when not (only) the CPU: "on cuda:0, 20 decoder layers there" (schema 1.2).
    std::string where;
    if (const std::string device = model.value("device", "cpu"); device != "cpu") {
      where = fmt::format(", on {}, {} decoder layers there", escape(device), model.value("device_layers", 0));
    }
    html += fmt::format("<h2>Model: {} ({}, {} tier, {}{})</h2>", escape(model.value("role", "")),
                        escape(model.value("architecture", "")), escape(model.value("tier", "")),
                        escape(model.value("precision", "")), where);
    std::vector<std::vector<std::string>> rows;
    for (const auto& device : model.at("plan").value("devices", nlohmann::json::array())) {
      const auto& bytes = device.value("bytes", nlohmann::json::object());
      std::vector<std::string> row = {device.value("device", "")};
      for (const char* key : {"weights", "kv_cache", "activations", "scratch", "overhead", "frames"}) {
        row.push_back(format_bytes(bytes.value(key, Bytes{0})));
      }
      row.push_back(format_bytes(device.value("peak", Bytes{0})));
      row.push_back(format_bytes(device.value("limit", Bytes{0})));
      rows.push_back(std::move(row));
    }
    html += table({"device", "weights", "KV cache", "activations", "scratch", "overhead", "frames", "planned peak", "limit"},
                  rows, "plan");
    html += fmt::format("<p>{}</p>", escape(model.at("plan").value("summary", "")));
    html += fmt::format("<p>Predicted peak {}, measured peak {} (RSS above the level before loading); loaded in {:.0f} ms.</p>",
                        escape(format_bytes(model.value("predicted_peak_bytes", Bytes{0}))),
                        escape(format_bytes(model.value("measured_peak_bytes", Bytes{0}))), model.value("load_ms", 0.0));
    if (model.contains("release")) {
      html += fmt::format(R"(<p class="release">Release: {}</p>)", escape(model.at("release").value("verdict", "")));
    }
  }
  return html;
}

std::string owners_section(const nlohmann::json& report) {
  const auto& memory = report.at("memory");
  if (!memory.contains("owners")) return "";
  std::vector<std::vector<std::string>> rows;
  for (const auto& [owner, purposes] : memory.at("owners").items()) {
    std::vector<std::string> row = {owner};
    for (const char* key : {"weights_peak_bytes", "kv_cache_peak_bytes", "activations_peak_bytes", "frames_peak_bytes",
                            "scratch_peak_bytes"}) {
      row.push_back(purposes.contains(key) ? format_bytes(purposes.at(key).get<Bytes>()) : "");
    }
    rows.push_back(std::move(row));
  }
  return "<h2>Memory by owner (peaks from the ledger)</h2>" +
         table({"owner", "weights", "KV cache", "activations", "frames", "scratch"}, rows, "owners");
}

}  // namespace

std::string render_report_html(const nlohmann::json& report) {
  if (!report.is_object() || !report.contains("schema_version") || !report.contains("memory") ||
      !report.at("memory").contains("timeline") || !report.contains("settings")) {
    throw_input_error("not a vidscope report (schema_version, settings and memory.timeline are required)");
  }
  std::string embedded = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // "</" would end the script element early.
  for (std::size_t at = embedded.find("</"); at != std::string::npos; at = embedded.find("</", at + 3)) {
    embedded.replace(at, 2, "<\\/");
  }
  const std::string video = report.contains("video") ? report.at("video").value("path", "") : "";
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vidscope report: " +
                     escape(video) + "</title><style>body{font-family:sans-serif;margin:24px}table{border-collapse:"
                     "collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
                     "td:first-child,th:first-child{text-align:left}</style></head><body>\n";
  html += "<h1>vidscope report: " + escape(video) + "</h1>\n";
  const auto& memory = report.at("memory");
  html += fmt::format("<p>Peak RSS {}, peak anonymous RSS {}; RAM budget {}.</p>\n",
                      escape(format_bytes(bytes_at(memory, "peak_rss_bytes"))),
                      escape(format_bytes(bytes_at(memory, "peak_rss_anon_bytes"))),
                      escape(report.at("settings").value("ram_budget", "unlimited")));
  html += "<h2>Memory timeline</h2>\n" + timeline_svg(report) + "\n";
  html += models_section(report) + owners_section(report);
  html += "\n<script type=\"application/json\" id=\"vidscope-report\">" + embedded + "</script>\n</body></html>\n";
  return html;
}

}  // namespace vidscope::pipeline
