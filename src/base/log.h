#pragma once
// Process-wide logging setup. Everything logs through spdlog's default logger so library code needs
// no logger handle; the CLI picks text or JSON lines and the level once at start-up.
#include <string_view>

#include <spdlog/spdlog.h>

namespace vidscope {

enum class LogFormat { kText, kJson };

// Logs go to stderr so that stdout stays clean for machine-readable output (probe JSON, plans).
void init_logging(LogFormat format, bool quiet, bool verbose);

}  // namespace vidscope
