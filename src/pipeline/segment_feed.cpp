#include "pipeline/segment_feed.h"

#include <utility>

namespace vidscope::pipeline {

SourceFeed::SourceFeed(const std::string& path, media::SourceOptions options)
    : source_(path, std::move(options)) {}

}  // namespace vidscope::pipeline
