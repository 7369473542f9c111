#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "media/video_info.h"

namespace vidscope::cli {

CommandRunner register_probe_command(CLI::App& app) {
  auto* sub = app.add_subcommand("probe", "Print a video's media information as JSON (duration, fps, size, rotation, audio)");
  auto path = std::make_shared<std::string>();
  sub->add_option("VIDEO", *path, "Video file")->required();
  return [path] {
    const nlohmann::json info = media::probe_video(*path);
    std::printf("%s\n", info.dump(2).c_str());
    return 0;
  };
}

}  // namespace vidscope::cli
