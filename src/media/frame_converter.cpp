#include "media/frame_converter.h"

#include <algorithm>
#include <cmath>
#include <cstring>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "base/error.h"

namespace vidscope::media::detail {
namespace {

// The JPEG-range ("yuvj") formats are deprecated aliases: swscale wants the plain format plus an
// explicit full range.
AVPixelFormat plain_format(AVPixelFormat format, bool* full_range) {
  switch (format) {
    case AV_PIX_FMT_YUVJ420P: *full_range = true; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: *full_range = true; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: *full_range = true; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: *full_range = true; return AV_PIX_FMT_YUV440P;
    default: return format;
  }
}

// Untagged video is assumed BT.709 from 720 lines up and BT.601 below, as players do.
int colorspace_of(const AVFrame& picture) {
  switch (picture.colorspace) {
    case AVCOL_SPC_BT709: return SWS_CS_ITU709;
    case AVCOL_SPC_FCC: return SWS_CS_FCC;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M: return SWS_CS_ITU601;
    case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020;
    default: return picture.height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601;
  }
}

bool quarter_turn(int rotation_deg) { return rotation_deg == 90 || rotation_deg == 270; }

}  // namespace

PictureSize fit_inside(PictureSize source, int max_width, int max_height) {
  double scale = 1.0;
  if (max_width > 0) scale = std::min(scale, static_cast<double>(max_width) / source.width);
  if (max_height > 0) scale = std::min(scale, static_cast<double>(max_height) / source.height);
  if (scale >= 1.0) return source;
  PictureSize fitted{static_cast<int>(std::lround(source.width * scale)),
                     static_cast<int>(std::lround(source.height * scale))};
  // Rounding must not push a side past its limit.
  if (max_width > 0) fitted.width = std::min(fitted.width, max_width);
  if (max_height > 0) fitted.height = std::min(fitted.height, max_height);
  return {std::max(fitted.width, 1), std::max(fitted.height, 1)};
}

FrameConverter::FrameConverter(PictureSize upright, int rotation_deg, ResizeQuality quality)
    : upright_(upright),
      scaled_(quarter_turn(rotation_deg) ? PictureSize{upright.height, upright.width} : upright),
      rotation_deg_(rotation_deg),
      quality_(quality) {}

FramePtr FrameConverter::convert(const AVFrame& picture, double time_s, std::int64_t index) {
  bool full_range = picture.color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat source_format = plain_format(static_cast<AVPixelFormat>(picture.format), &full_range);
  const int flags = (quality_ == ResizeQuality::kArea ? SWS_AREA : SWS_BICUBIC) | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;
  SwsContext* ctx = sws_getCachedContext(cached_, picture.width, picture.height, source_format, scaled_.width,
                                         scaled_.height, AV_PIX_FMT_RGB24, flags, nullptr, nullptr, nullptr);
  if (!ctx) {
    const char* name = av_get_pix_fmt_name(source_format);
    throw_internal_error(std::string("cannot convert pixel format ") + (name ? name : "unknown") + " to RGB");
  }
  if (ctx != cached_) {
    sws_.release();  // sws_getCachedContext already freed the old context
    sws_.reset(ctx);
    cached_ = ctx;
  }
  const int* coefficients = sws_getCoefficients(colorspace_of(picture));
  // Output RGB is full range; brightness/contrast/saturation neutral (16.16 fixed point).
  sws_setColorspaceDetails(ctx, coefficients, full_range ? 1 : 0, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0,
                           1 << 16, 1 << 16);

  auto frame = std::make_shared<Frame>();
  frame->time_s = time_s;
  frame->index = index;
  std::vector<std::uint8_t> scaled(static_cast<size_t>(scaled_.width) * scaled_.height * 3);
  uint8_t* destination[4] = {scaled.data(), nullptr, nullptr, nullptr};
  const int destination_stride[4] = {scaled_.width * 3, 0, 0, 0};
  sws_scale(ctx, picture.data, picture.linesize, 0, picture.height, destination, destination_stride);
  frame->width = upright_.width;
  frame->height = upright_.height;
  frame->rgb = rotation_deg_ == 0 ? std::move(scaled)
                                   : rotate_rgb(scaled, scaled_.width, scaled_.height, rotation_deg_);
  return frame;
}

std::vector<std::uint8_t> rotate_rgb(const std::vector<std::uint8_t>& source, int width, int height, int rotation_deg) {
  std::vector<std::uint8_t> rotated(source.size());
  const int out_width = quarter_turn(rotation_deg) ? height : width;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      int out_x = x;
      int out_y = y;
      if (rotation_deg == 90) {
        out_x = height - 1 - y;
        out_y = x;
      } else if (rotation_deg == 180) {
        out_x = width - 1 - x;
        out_y = height - 1 - y;
      } else if (rotation_deg == 270) {
        out_x = y;
        out_y = width - 1 - x;
      }
      std::memcpy(&rotated[(static_cast<size_t>(out_y) * out_width + out_x) * 3],
                  &source[(static_cast<size_t>(y) * width + x) * 3], 3);
    }
  }
  return rotated;
}

}  // namespace vidscope::media::detail
