#pragma once
// Runs one analyzer over a real file through media::SegmentSource, the way the pipeline feeds it.
#include <string>

#include "analyzers/analyzer.h"
#include "media/segment_source.h"
#include "media/video_info.h"

namespace vidscope::analyzers::testing {

inline nlohmann::json run_on_video(Analyzer& analyzer, const std::string& path,
                                   nlohmann::json settings = nlohmann::json::object()) {
  AnalyzerContext context;
  context.video = media::probe_video(path);
  context.settings = std::move(settings);
  const AnalyzerNeeds needs = analyzer.needs(context);
  media::SourceOptions options;
  options.plan = context.plan;
  if (needs.frames) options.streams.push_back(*needs.frames);
  options.want_audio = needs.audio;
  media::SegmentSource source(path, options);
  analyzer.begin(context);
  const std::vector<media::FramePtr> no_frames;
  while (auto segment = source.next()) {
    analyzer.process(SegmentInput{*segment, needs.frames ? segment->streams.at(0) : no_frames});
  }
  return analyzer.finish();
}

}  // namespace vidscope::analyzers::testing
