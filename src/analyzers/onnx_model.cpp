#include "analyzers/onnx_model.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "base/error.h"

namespace vidscope::analyzers {

cv::dnn::Net load_onnx_model(const std::string& analyzer, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw_input_error(fmt::format("analyzer '{}': model file '{}' does not exist or is not a regular file", analyzer, path));
  }
  if (std::filesystem::file_size(path, ec) == 0 || ec) {
    throw_input_error(fmt::format("analyzer '{}': model file '{}' is empty or unreadable", analyzer, path));
  }
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    if (net.empty()) throw_input_error(fmt::format("analyzer '{}': model file '{}' holds no network", analyzer, path));
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  } catch (const cv::Exception& e) {
    throw_input_error(fmt::format("analyzer '{}': model file '{}' is not an ONNX model OpenCV can load: {}", analyzer,
                                  path, e.what()));
  }
}

std::vector<std::string> read_label_file(const std::string& analyzer, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw_input_error(fmt::format("analyzer '{}': cannot read label file '{}'", analyzer, path));
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(in, line)) {
    const auto begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;
    const auto end = line.find_last_not_of(" \t\r");
    labels.push_back(line.substr(begin, end - begin + 1));
  }
  if (labels.empty()) throw_input_error(fmt::format("analyzer '{}': label file '{}' has no labels", analyzer, path));
  return labels;
}

Bytes file_bytes(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<Bytes>(size);
}

cv::Mat make_blob(const cv::Mat& rgb, cv::Size size, const BlobOptions& options) {
  return cv::dnn::blobFromImage(rgb, options.scale, size, cv::Scalar::all(options.mean), options.swap_rb, false, CV_32F);
}

nlohmann::json skipped_result(const std::string& reason) { return {{"status", "skipped"}, {"reason", reason}}; }

cv::Mat run_model(cv::dnn::Net& net, const cv::Mat& blob, const std::string& analyzer, const std::string& path) {
  try {
    net.setInput(blob);
    return net.forward().clone();
  } catch (const cv::Exception& e) {
    throw_input_error(fmt::format("analyzer '{}': model '{}' rejected its input ({} x {} x {} x {}): {}", analyzer, path,
                                  blob.size[0], blob.size[1], blob.size[2], blob.size[3], e.what()));
  }
}

}  // namespace vidscope::analyzers
