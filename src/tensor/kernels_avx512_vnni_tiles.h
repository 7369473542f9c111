#pragma once
// The avx512_vnni table's kernels for the tiled weight types (weight_tiles.h), defined in
// kernels_avx512_vnni_tiles.cpp. Only that table may call them (they need AVX-512 VNNI).
#include <cstddef>
#include <cstdint>

#include "tensor/kernel_table.h"
#include "tensor/weight_tiles.h"

namespace vidscope::tensor::kernels_avx512_vnni_tiles {

// The GEMM panel width the pack_panel functions fill: two tiles side by side.
inline constexpr int kTiledPanelColumns = 2 * kTileRows;

void gemv_q4x16(const GemvArgs& a);
void gemv_q8x16(const GemvArgs& a);
void pack_panel_q4x16(const std::uint8_t* w, std::size_t w_stride, int n_valid, std::int64_t k_begin, std::int64_t kc,
                      float* panel);
void pack_panel_q8x16(const std::uint8_t* w, std::size_t w_stride, int n_valid, std::int64_t k_begin, std::int64_t kc,
                      float* panel);

}  // namespace vidscope::tensor::kernels_avx512_vnni_tiles
