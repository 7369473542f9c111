#pragma once
// User-supplied ONNX models run with OpenCV DNN (objects, segmentation, age_estimation): loading with a
// clear error, label files, input blobs, and the "skipped" result of an analyzer whose model is not
// configured. A configured model that cannot be used is the user's mistake (Error(kInput)); a model that
// was never configured is not: the analyzer reports {"status": "skipped", "reason": ...}.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "base/units.h"

namespace vidscope::analyzers {

// Reads `path` with cv::dnn::readNetFromONNX on the CPU backend. Throws Error(kInput) naming the analyzer
// and the file when it is missing, unreadable or not a model OpenCV can import. The returned Net is owned
// by the caller; one Net must not run on two threads at once.
cv::dnn::Net load_onnx_model(const std::string& analyzer, const std::string& path);

// One label per non-empty line (surrounding whitespace trimmed), in order. Throws Error(kInput) naming
// the file when it is unreadable or has no labels.
std::vector<std::string> read_label_file(const std::string& analyzer, const std::string& path);

// Size of the file at `path`, or 0 when it cannot be read (needs() must not throw for a missing model;
// begin() reports that).
Bytes file_bytes(const std::string& path);

// How a picture becomes the model's input: pixel * scale - mean * scale, channels R,G,B unless swap_rb.
struct BlobOptions {
  double scale = 1.0 / 255.0;
  double mean = 0.0;       // subtracted from every channel, in 0-255 units
  bool swap_rb = false;    // true for models trained on B,G,R input
};

// NCHW float blob of `rgb` (CV_8UC3, R,G,B) stretched to size x size.
cv::Mat make_blob(const cv::Mat& rgb, cv::Size size, const BlobOptions& options);

// {"status": "skipped", "reason": reason}.
nlohmann::json skipped_result(const std::string& reason);

// Runs the net on `blob` and returns its first output. Throws Error(kInput) naming the analyzer and the
// model when OpenCV rejects the input (a model expecting another input size or layout).
cv::Mat run_model(cv::dnn::Net& net, const cv::Mat& blob, const std::string& analyzer, const std::string& path);

}  // namespace vidscope::analyzers
