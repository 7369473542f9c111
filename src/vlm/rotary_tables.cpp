#include "vlm/rotary_tables.h"

#include <cmath>

#include "base/error.h"

namespace vidscope::vlm {

namespace {

constexpr double kVisionTheta = 10000.0;

void fill_row(RotaryTable& table, std::int64_t row, std::span<const float> angles_half) {
  const std::int64_t half = table.head_dim / 2;
  float* c = table.cos.data() + row * table.head_dim;
  float* s = table.sin.data() + row * table.head_dim;
  for (std::int64_t j = 0; j < half; ++j) {
    const float a = angles_half[static_cast<std::size_t>(j)];
    c[j] = c[j + half] = std::cos(a);
    s[j] = s[j + half] = std::sin(a);
  }
}

}  // namespace

std::vector<float> rotary_inverse_frequencies(double theta, std::int64_t dim) {
  std::vector<float> inv(static_cast<std::size_t>(dim / 2));
  for (std::int64_t j = 0; j < dim / 2; ++j) {
    // float32 exponent, like torch.arange(0, dim, 2).float() / dim.
    const float exponent = static_cast<float>(2 * j) / static_cast<float>(dim);
    const auto denom = static_cast<float>(std::pow(theta, static_cast<double>(exponent)));
    inv[static_cast<std::size_t>(j)] = 1.0f / denom;
  }
  return inv;
}

RotaryTable vision_rotary_table(std::span<const GridThw> grids, std::int64_t head_dim, int merge_size) {
  if (head_dim % 4 != 0) throw_internal_error("vision rotary: head_dim must be a multiple of 4");
  const std::int64_t half = head_dim / 2;          // rotated frequencies per token
  const std::vector<float> inv = rotary_inverse_frequencies(kVisionTheta, half);  // half / 2 values
  const std::int64_t quarter = half / 2;
  std::int64_t total = 0;
  for (const GridThw& g : grids) total += g.patch_count();
  RotaryTable table;
  table.head_dim = head_dim;
  table.cos.resize(static_cast<std::size_t>(total * head_dim));
  table.sin.resize(table.cos.size());
  std::vector<float> angles(static_cast<std::size_t>(half));
  std::int64_t row = 0;
  for (const GridThw& g : grids) {
    for (int t = 0; t < g.t; ++t) {
      for (int hb = 0; hb < g.h / merge_size; ++hb) {
        for (int wb = 0; wb < g.w / merge_size; ++wb) {
          for (int hi = 0; hi < merge_size; ++hi) {
            for (int wi = 0; wi < merge_size; ++wi) {
              const auto hp = static_cast<float>(hb * merge_size + hi);
              const auto wp = static_cast<float>(wb * merge_size + wi);
              for (std::int64_t j = 0; j < quarter; ++j) {
                angles[static_cast<std::size_t>(j)] = hp * inv[static_cast<std::size_t>(j)];
                angles[static_cast<std::size_t>(quarter + j)] = wp * inv[static_cast<std::size_t>(j)];
              }
              fill_row(table, row++, angles);
            }
          }
        }
      }
    }
  }
  return table;
}

RotaryTable mrope_rotary_table(std::span<const std::int32_t> t, std::span<const std::int32_t> h,
                               std::span<const std::int32_t> w, std::int64_t head_dim, double theta,
                               std::span<const std::int64_t> mrope_section) {
  const std::int64_t half = head_dim / 2;
  std::vector<int> axis(static_cast<std::size_t>(half), 0);
  std::int64_t j = 0;
  for (std::size_t s = 0; s < mrope_section.size(); ++s) {
    for (std::int64_t k = 0; k < mrope_section[s] && j < half; ++k) axis[static_cast<std::size_t>(j++)] = static_cast<int>(s % 3);
  }
  if (j != half) throw_internal_error("mrope_section does not cover head_dim / 2");
  const std::vector<float> inv = rotary_inverse_frequencies(theta, head_dim);
  RotaryTable table;
  table.head_dim = head_dim;
  table.cos.resize(t.size() * static_cast<std::size_t>(head_dim));
  table.sin.resize(table.cos.size());
  std::vector<float> angles(static_cast<std::size_t>(half));
  const std::array<std::span<const std::int32_t>, 3> ids = {t, h, w};
  for (std::size_t r = 0; r < t.size(); ++r) {
    for (std::int64_t k = 0; k < half; ++k) {
      const auto pos = static_cast<float>(ids[static_cast<std::size_t>(axis[static_cast<std::size_t>(k)])][r]);
      angles[static_cast<std::size_t>(k)] = pos * inv[static_cast<std::size_t>(k)];
    }
    fill_row(table, static_cast<std::int64_t>(r), angles);
  }
  return table;
}

}  // namespace vidscope::vlm
