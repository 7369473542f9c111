// The VLM through the CLI: `analyze --model` plans, loads, describes, releases, and writes the report,
// the per-owner table and the HTML page; `report --html` renders a saved report; a plan that cannot
// fit and broken fault specs fail with the documented exit codes and no report.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_runner.h"
#include "vlm/tiny_model_dir.h"

namespace {

using namespace vidscope::testing;
namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const char kSettings[] = R"({"vlm_segments": {"max_pixels": 10000, "max_new_tokens": 2, "batch": 8}})";

class CliVlm : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir() / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(dir_);
    model_ = make_tiny_describing_model(std::string("cli-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ofstream(dir_ / "settings.json") << kSettings;
  }
  void TearDown() override {
    fs::remove_all(dir_);
    fs::remove_all(model_);
  }
  std::string common() const {
    return " --analyzers vlm_segments,color --settings " + (dir_ / "settings.json").string() + " --model " +
           model_.string() + " ";
  }
  fs::path dir_;
  fs::path model_;
};

TEST_F(CliVlm, AnalyzeWithAModelWritesCaptionsPlanReleaseAndHtml) {
  const fs::path report = dir_ / "r.json";
  const fs::path html = dir_ / "r.html";
  const auto outcome = run_cli("--quiet analyze " + media("cuts.mp4") + common() + "--memory-report --html " +
                               html.string() + " -o " + report.string());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const auto json = read_json(report);
  EXPECT_EQ(json["analyzers"]["vlm_segments"]["segments"].size(), 10u);
  ASSERT_EQ(json["models"].size(), 1u);
  EXPECT_EQ(json["models"][0]["tier"], "cpu-bf16");
  EXPECT_TRUE(json["models"][0]["plan"]["feasible"].get<bool>());
  EXPECT_FALSE(json["models"][0]["release"]["leak"].get<bool>()) << json["models"][0]["release"].dump();
  EXPECT_TRUE(json["memory"]["owners"].contains("vlm weights"));
  EXPECT_EQ(json["settings"]["vlm_model"], model_.string());
  const std::string page = read_text(html);
  EXPECT_NE(page.find("<polyline id=\"rss\""), std::string::npos);
  EXPECT_NE(page.find("data-owner=\"model:vlm\""), std::string::npos);

  // The same page from the saved report.
  const fs::path again = dir_ / "again.html";
  const auto rendered = run_cli("report " + report.string() + " --html " + again.string());
  ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
  EXPECT_EQ(read_text(again), page);
}

TEST_F(CliVlm, APlanThatCannotFitExitsFourAndLeavesNoReport) {
  const fs::path report = dir_ / "r.json";
  const auto outcome =
      run_cli("--quiet analyze " + media("cuts.mp4") + common() + "--ram-budget 64MiB -o " + report.string());
  EXPECT_EQ(outcome.exit_code, 4) << outcome.output;
  EXPECT_NE(outcome.output.find("was not loaded"), std::string::npos) << outcome.output;
  EXPECT_FALSE(fs::exists(report));
}

TEST_F(CliVlm, MissingModelExitsThreeNamingWhereItLooked) {
  const fs::path report = dir_ / "r.json";
  const auto outcome = run_cli("--quiet analyze " + media("cuts.mp4") + " --analyzers vlm_segments --model " +
                               (dir_ / "no-such-model").string() + " -o " + report.string());
  EXPECT_EQ(outcome.exit_code, 3) << outcome.output;
  EXPECT_NE(outcome.output.find("no-such-model"), std::string::npos) << outcome.output;
  EXPECT_FALSE(fs::exists(report));
}

TEST_F(CliVlm, InjectedFaultsAreReportedAndBadSpecsAreUsageErrors) {
  const fs::path report = dir_ / "r.json";
  const auto outcome = run_cli("--quiet analyze " + media("cuts.mp4") + common() + "-o " + report.string(),
                               "VIDSCOPE_FAULTS='alloc:vlm kv cache:1'");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const auto json = read_json(report);
  EXPECT_EQ(json["settings"]["injected_faults"], "alloc:vlm kv cache:1");
  EXPECT_EQ(json["analyzers"]["vlm_segments"]["retries"].size(), 1u);
  EXPECT_EQ(json["analyzers"]["vlm_segments"]["segments"].size(), 10u);

  const auto bad = run_cli("--quiet analyze " + media("cuts.mp4") + common() + "-o " + (dir_ / "b.json").string(),
                           "VIDSCOPE_FAULTS='alloc:x:zero'");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("VIDSCOPE_FAULTS"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "b.json"));
}

TEST(CliVlmSummary, WithoutAModelTheSummarySaysSkippedAndWhy) {
  const fs::path dir = scratch_dir();
  const auto outcome = run_cli("analyze " + media("cuts.mp4") + " --analyzers vlm_segments,color --summary -o " +
                               (dir / "skipped.json").string());
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  const auto line_start = outcome.output.find("  vlm_segments ");
  ASSERT_NE(line_start, std::string::npos) << outcome.output;
  const std::string line = outcome.output.substr(line_start, outcome.output.find('\n', line_start) - line_start);
  EXPECT_NE(line.find("skipped"), std::string::npos) << line;
  EXPECT_NE(line.find("--model"), std::string::npos) << line;
}

TEST(CliReport, NotAReportExitsThree) {
  const fs::path dir = scratch_dir();
  std::ofstream(dir / "junk.json") << "[1, 2, 3]";
  const auto outcome = run_cli("report " + (dir / "junk.json").string() + " --html " + (dir / "x.html").string());
  EXPECT_EQ(outcome.exit_code, 3) << outcome.output;
  EXPECT_FALSE(fs::exists(dir / "x.html"));
  EXPECT_EQ(run_cli("report " + (dir / "missing.json").string() + " --html " + (dir / "x.html").string()).exit_code, 3);
  EXPECT_EQ(run_cli("report " + (dir / "junk.json").string()).exit_code, 2);  // --html is required
}

}  // namespace

// --device: a name that is not a device, or a GPU that is not there, is a usage error (exit 2) that
// names it and says what to use instead, before any model file is read.
// --device auto plans the request before loading (here, without a GPU, a CPU tier) and says so.
TEST(CliDescribe, AutoDeviceFollowsTheLoadPlan) {
  const fs::path model = make_tiny_describing_model("cli-device-auto");
  const std::string image = std::string(VIDSCOPE_TEST_DATA_DIR) + "/vlm/images/grad_56x84.png";
  const auto planned = run_cli("describe --model " + model.string() + " --image " + image +
                               " --max-new-tokens 2 --device auto");
  EXPECT_EQ(planned.exit_code, 0) << planned.output;
  EXPECT_NE(planned.output.find("load plan: "), std::string::npos) << planned.output;
  EXPECT_NE(planned.output.find("cpu-"), std::string::npos) << planned.output;
  // The plan chooses the precision and the split: asking for them as well is a contradiction.
  for (const std::string extra : {"--precision int8", "--gpu-layers 1", "--vision-on-cpu"}) {
    const auto outcome = run_cli("--quiet describe --model " + model.string() + " --image " + image +
                                 " --max-new-tokens 2 --device auto " + extra);
    EXPECT_EQ(outcome.exit_code, 2) << extra << ": " << outcome.output;
    EXPECT_NE(outcome.output.find("--device auto"), std::string::npos) << outcome.output;
  }
  fs::remove_all(model);
}

TEST(CliDescribe, BadDevicesAreUsageErrors) {
  const fs::path model = make_tiny_describing_model("cli-device");
  const std::string image = std::string(VIDSCOPE_TEST_DATA_DIR) + "/vlm/images/grad_56x84.png";
  for (const std::string device : {"tpu", "cuda:99"}) {
    const auto outcome = run_cli("--quiet describe --model " + model.string() + " --image " + image +
                                 " --max-new-tokens 2 --device " + device);
    EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
    EXPECT_NE(outcome.output.find("'" + device + "'"), std::string::npos) << outcome.output;
    EXPECT_NE(outcome.output.find("cpu"), std::string::npos) << outcome.output;
  }
  // A split between the GPU and the CPU needs a GPU to split with.
  for (const std::string split : {"--gpu-layers 1", "--vision-on-cpu"}) {
    const auto outcome = run_cli("--quiet describe --model " + model.string() + " --image " + image +
                                 " --max-new-tokens 2 --device cpu " + split);
    EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
    EXPECT_NE(outcome.output.find("--device cuda"), std::string::npos) << outcome.output;
  }
  const auto negative = run_cli("--quiet describe --model " + model.string() + " --image " + image + " --gpu-layers -3");
  EXPECT_EQ(negative.exit_code, 2) << negative.output;
  const auto cpu = run_cli("--quiet describe --model " + model.string() + " --image " + image +
                           " --max-new-tokens 2 --device cpu");
  EXPECT_EQ(cpu.exit_code, 0) << cpu.output;
  fs::remove_all(model);
}
