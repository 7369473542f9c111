#pragma once
// Progress on stderr: a redrawn bar (stage and percent) on a terminal, plain log lines every 10%
// otherwise (CI logs, pipes). Thread-safe: the scheduler reports from worker threads.
#include <mutex>
#include <string>

namespace vidscope::cli {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled);
  ~ProgressBar();  // ends the line if a bar was drawn

  void update(const std::string& stage, double fraction);
  void finish();

 private:
  bool enabled_;
  bool tty_;
  bool drawn_ = false;
  int last_decile_ = -1;
  std::string last_stage_;
  std::mutex mutex_;
};

}  // namespace vidscope::cli
