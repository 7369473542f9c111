#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <spdlog/spdlog.h>

namespace vidscope::cli {

namespace {
constexpr int kBarWidth = 30;
}

ProgressBar::ProgressBar(bool enabled) : enabled_(enabled), tty_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(const std::string& stage, double fraction) {
  if (!enabled_) return;
  fraction = std::clamp(fraction, 0.0, 1.0);
  std::lock_guard lock(mutex_);
  const int percent = static_cast<int>(fraction * 100.0);
  if (tty_) {
    const int filled = static_cast<int>(fraction * kBarWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kBarWidth - filled), '.');
    std::fprintf(stderr, "\r\033[K%-10s [%s] %3d%%", stage.c_str(), bar.c_str(), percent);
    std::fflush(stderr);
    drawn_ = true;
    return;
  }
  const int decile = percent / 10;
  if (decile != last_decile_ || stage != last_stage_) {
    spdlog::info("{}: {}%", stage, percent);
    last_decile_ = decile;
    last_stage_ = stage;
  }
}

void ProgressBar::finish() {
  std::lock_guard lock(mutex_);
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace vidscope::cli
