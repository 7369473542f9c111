// The HTML page is checked by reading it back: the embedded report, the polylines (one point per
// timeline sample, scaled so the peak sits highest), the analyzer lanes and the plan table.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/units.h"
#include "pipeline/report_html.h"

namespace vidscope::pipeline {
namespace {

nlohmann::json sample(double t, Bytes rss, std::vector<std::string> active) {
  return {{"t_s", t}, {"rss", rss}, {"rss_anon", rss / 2}, {"rss_file", rss / 4}, {"active", active}};
}

nlohmann::json small_report() {
  nlohmann::json report = {
      {"schema_version", "1.0"},
      {"video", {{"path", "clip <1>.mp4"}}},
      {"settings", {{"ram_budget", "2GiB"}, {"ram_budget_bytes", 2 * kGiB}}},
      {"memory",
       {{"peak_rss_bytes", 1500 * kMiB},
        {"peak_rss_anon_bytes", 750 * kMiB},
        {"pressure_events", {{{"t_s", 1.0}, {"level", "critical"}, {"available_bytes", kMiB}, {"action", "x"}}}},
        {"owners", {{"vlm weights", {{"weights_peak_bytes", 900 * kMiB}}}}},
        {"timeline",
         {sample(0.0, 100 * kMiB, {}), sample(0.5, 1000 * kMiB, {"model:vlm"}),
          sample(1.0, 1500 * kMiB, {"model:vlm", "vlm_segments"}), sample(1.5, 200 * kMiB, {"shot_cuts"})}}}},
  };
  nlohmann::json device = {{"device", "cpu"}, {"bytes", {{"weights", 900 * kMiB}}}, {"peak", 1400 * kMiB}, {"limit", 2 * kGiB}};
  nlohmann::json model = {{"role", "vlm"},
                          {"architecture", "Qwen2VLForConditionalGeneration"},
                          {"tier", "cpu-int8"},
                          {"precision", "int8"},
                          {"predicted_peak_bytes", 1400 * kMiB},
                          {"measured_peak_bytes", 1450 * kMiB},
                          {"load_ms", 12.0},
                          {"release", {{"verdict", "'vlm' released"}}}};
  model["plan"] = {{"summary", "int8 in RAM"}, {"devices", nlohmann::json::array({device})}};
  report["models"] = nlohmann::json::array({model});
  return report;
}

// The points of <polyline id="ID" data-samples="N" ... points="x,y x,y ...">, checked against N.
std::vector<std::pair<double, double>> points_of(const std::string& html, const std::string& id) {
  const auto start = html.find("<polyline id=\"" + id + "\"");
  if (start == std::string::npos) return {};
  const std::string element = html.substr(start, html.find('>', start) - start);
  const auto attribute = [&](const std::string& name) {
    const auto at = element.find(" " + name + "=\"") + name.size() + 3;
    return element.substr(at, element.find('"', at) - at);
  };
  std::vector<std::pair<double, double>> points;
  std::stringstream in(attribute("points"));
  std::string pair;
  while (in >> pair) {
    const auto comma = pair.find(',');
    points.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
  }
  EXPECT_EQ(points.size(), std::stoul(attribute("data-samples")));
  return points;
}

TEST(ReportHtml, TimelineLanesPlanAndEmbeddedReportReadBack) {
  const nlohmann::json report = small_report();
  const std::string html = render_report_html(report);

  // The embedded report parses back to the input.
  const std::string open = "<script type=\"application/json\" id=\"vidscope-report\">";
  const auto begin = html.find(open);
  ASSERT_NE(begin, std::string::npos);
  const auto end = html.find("</script>", begin);
  std::string embedded = html.substr(begin + open.size(), end - begin - open.size());
  EXPECT_EQ(nlohmann::json::parse(embedded), report);

  const auto rss = points_of(html, "rss");
  ASSERT_EQ(rss.size(), 4u);
  for (std::size_t i = 1; i < rss.size(); ++i) EXPECT_GT(rss[i].first, rss[i - 1].first);  // time runs right
  // SVG y grows downward: the 1500 MiB peak is the smallest y, the 100 MiB start the largest.
  EXPECT_LT(rss[2].second, rss[1].second);
  EXPECT_GT(rss[0].second, rss[3].second);
  EXPECT_EQ(points_of(html, "rss-anon").size(), 4u);
  EXPECT_TRUE(points_of(html, "gpu-used").empty());  // no GPU samples, no line
  EXPECT_NE(html.find("cpu-int8 tier, int8)</h2>"), std::string::npos);  // a CPU model names no device

  // A model split between a GPU and the CPU says where it ran.
  nlohmann::json split = report;
  split["models"][0]["tier"] = "split";
  split["models"][0]["device"] = "cuda:0";
  split["models"][0]["device_layers"] = 20;
  EXPECT_NE(render_report_html(split).find("split tier, int8, on cuda:0, 20 decoder layers there)</h2>"),
            std::string::npos);

  // Lanes: model:vlm in two samples, vlm_segments and shot_cuts in one each.
  const auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = html.find(needle); at != std::string::npos; at = html.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("data-owner=\"model:vlm\""), 2u);
  EXPECT_EQ(count("data-owner=\"vlm_segments\""), 1u);
  EXPECT_EQ(count("class=\"pressure-event\""), 1u);
  EXPECT_NE(html.find("id=\"ram-budget\""), std::string::npos);
  EXPECT_NE(html.find("<table id=\"plan\">"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"owners\">"), std::string::npos);
  EXPECT_NE(html.find("released"), std::string::npos);
  // The file name is escaped in the page (the embedded JSON keeps it as data).
  EXPECT_NE(html.find("clip &lt;1&gt;.mp4"), std::string::npos);
  EXPECT_EQ(html.substr(0, begin).find("clip <1>"), std::string::npos);
}

TEST(ReportHtml, ScriptEndInsideStringsCannotCloseTheDataBlock) {
  nlohmann::json report = small_report();
  report["warnings"] = {"</script><b>"};
  const std::string html = render_report_html(report);
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
}

TEST(ReportHtml, NotAReportIsAnInputError) {
  for (const nlohmann::json& bad : {nlohmann::json::array(), nlohmann::json{{"schema_version", "1.0"}},
                                    nlohmann::json{{"schema_version", "1.0"}, {"settings", {}}, {"memory", {}}}}) {
    try {
      render_report_html(bad);
      ADD_FAILURE() << bad.dump();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
    }
  }
}

}  // namespace
}  // namespace vidscope::pipeline
