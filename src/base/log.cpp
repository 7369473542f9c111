#include "base/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace vidscope {

namespace {

// One JSON object per line on stderr, built with a real JSON writer so any message text is escaped.
class JsonLinesSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto since_epoch = msg.time.time_since_epoch();
    nlohmann::json line = {
        {"time_s", std::chrono::duration<double>(since_epoch).count()},
        {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                              spdlog::level::to_string_view(msg.level).size())},
        {"msg", std::string(msg.payload.data(), msg.payload.size())},
    };
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void init_logging(LogFormat format, bool quiet, bool verbose) {
  std::shared_ptr<spdlog::logger> logger;
  if (format == LogFormat::kJson) {
    logger = std::make_shared<spdlog::logger>("vidscope", std::make_shared<JsonLinesSink>());
  } else {
    logger = std::make_shared<spdlog::logger>("vidscope", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_pattern("[%H:%M:%S.%e] %^%l%$ %v");
  }
  logger->set_level(quiet ? spdlog::level::warn : (verbose ? spdlog::level::debug : spdlog::level::info));
  spdlog::set_default_logger(logger);
}

}  // namespace vidscope
