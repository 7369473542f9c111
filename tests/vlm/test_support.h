#pragma once
// Shared helpers of the vlm tests: fixture paths, PNG loading, JSON fixtures.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vlm/bicubic_resize.h"

namespace vidscope::vlm::test {

struct OwnedRgb {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
  RgbImageView view() const { return {width, height, rgb}; }
};

// tests/data/vlm/<relative>
std::string vlm_data_path(const std::string& relative);
// Loads an 8-bit PNG from tests/data/vlm/images as packed RGB.
OwnedRgb load_test_image(const std::string& name);
nlohmann::json load_json_fixture(const std::string& name);

// Busy deterministic pattern; the same formula as scripts/fixtures/make_resize_tables.py synthetic().
OwnedRgb make_synthetic_rgb(int width, int height);

}  // namespace vidscope::vlm::test
