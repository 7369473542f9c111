#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "media/video_info.h"
#include "media_test_util.h"

namespace vidscope::media {
namespace {

using testing::data_video;

TEST(ProbeVideo, CounterHeaders) {
  const VideoInfo info = probe_video(data_video("counter.mp4"));
  EXPECT_EQ(info.width, 1920);
  EXPECT_EQ(info.height, 1080);
  EXPECT_EQ(info.rotation_deg, 0);
  EXPECT_EQ(info.codec, "h264");
  EXPECT_EQ(info.frame_count, 30);
  EXPECT_NEAR(info.fps, 10.0, 1e-6);
  EXPECT_NEAR(info.duration_s, 3.0, 1e-3);  // 30 frames of 0.1 s (EXPECTED.md)
  EXPECT_FALSE(info.variable_fps);
  EXPECT_FALSE(info.has_audio());
  EXPECT_NE(info.container.find("mp4"), std::string::npos);
}

TEST(ProbeVideo, TestVideoMatchesPySceneDetectMetadata) {
  const VideoInfo info = probe_video(data_video("testvideo.mp4"));
  EXPECT_EQ(info.width, 1280);
  EXPECT_EQ(info.height, 720);
  EXPECT_NEAR(info.fps, 29.97, 1e-3);  // the tolerance PySceneDetect's own test uses
  EXPECT_EQ(info.frame_count, 720);
}

TEST(ProbeVideo, DelayedStartDurationIsTheStreamsOwn) {
  const VideoInfo info = probe_video(data_video("delayed_start.mp4"));
  EXPECT_EQ(info.codec, "mpeg4");
  EXPECT_NEAR(info.duration_s, 0.96, 1e-3);  // 24 frames at 25 fps; the 1.075 s offset is not content
}

TEST(ProbeVideo, JsonUsesSnakeCaseKeys) {
  const nlohmann::json json = probe_video(data_video("counter.mp4"));
  for (const char* key : {"duration_s", "fps", "variable_fps", "width", "height", "rotation_deg", "pixel_format",
                          "codec", "container", "bit_rate", "frame_count", "audio_streams"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["width"], 1920);
  EXPECT_TRUE(json["audio_streams"].is_array());
}

TEST(ProbeVideo, MissingFileIsAnInputErrorNamingTheFile) {
  try {
    probe_video("/nonexistent/dir/clip.mp4");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(error.what()).find("clip.mp4"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("no such file"), std::string::npos);
  }
}

TEST(ProbeVideo, DirectoryIsAnInputError) {
  try {
    probe_video(VIDSCOPE_TEST_DATA_DIR);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(error.what()).find("directory"), std::string::npos);
  }
}

}  // namespace
}  // namespace vidscope::media
