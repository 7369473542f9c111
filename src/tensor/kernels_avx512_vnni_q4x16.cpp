// The q4x16 kernels of the avx512_vnni table (layout: q4_tiles.h): the decode GEMV with integer dot
// products across the 16 rows of a tile, and the GEMM's panel conversion. Standard headers come
// before the target pragma on purpose.
//
// GEMV: a weight vector holds 4 consecutive codes of each of 16 rows; vpdpbusd multiplies it with the
// same 4 activation codes broadcast to every lane, so after the 8 vectors of a block each lane holds
// the whole block's dot product for its row. The block's scales then cost one convert, one multiply
// and one FMA per 16 rows and activation row, against four times that for the row-major q4 kernel,
// whose lanes each sum 8 codes of one row. The weight codes are the unsigned side (stored nibble =
// code + 8); the activation row's block correction (-8 * its code sum, activation_int8.h) starts each
// sum.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "tensor/activation_int8.h"
#include "tensor/kernel_table.h"
#include "tensor/q4_tiles.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")

namespace vidscope::tensor::kernels_avx512_vnni_q4x16 {

namespace {

// Activation bytes (all M rows) one pass over the tiles reuses from L1, as in the row-major kernel.
constexpr std::size_t kActivationChunkBytes = 24 * 1024;
// Weight blocks requested ahead of use (288 bytes each); past the end of a chunk, the prefetch runs on
// into the same chunk of the next tile.
constexpr std::int64_t kPrefetchBlocks = 16;

inline __m512i broadcast_i32(const std::uint8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return _mm512_set1_epi32(v);
}

inline __m512 broadcast_f32(const std::uint8_t* p) {
  float v;
  std::memcpy(&v, p, sizeof(v));
  return _mm512_set1_ps(v);
}

// One block of a tile: 16 rows' scales and their 32 codes each, as 8 vectors of 4 codes per row.
struct TileBlock {
  __m512 scale;
  __m512i codes[8];  // codes[s]: values 4s..4s+3; codes[4 + s]: values 16+4s..16+4s+3

  explicit TileBlock(const std::uint8_t* block) {
    scale = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(block)));
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    for (int s = 0; s < 4; ++s) {
      const __m512i v = _mm512_loadu_si512(block + kQ4TileScaleBytes + 64 * s);
      codes[s] = _mm512_and_si512(v, low4);
      codes[4 + s] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
    }
  }
};

// Tiles [t_begin, t_end) against all M rows of x over weight blocks [b_begin, b_end). The first chunk
// of blocks stores y (with the bias), later chunks add to it.
template <int M>
void gemv_tiles(const GemvArgs& a, std::int64_t t_begin, std::int64_t t_end, std::int64_t b_begin, std::int64_t b_end) {
  const std::size_t x_row_bytes = activation_row_bytes(a.k);
  const std::size_t tile_bytes = a.w_stride * kQ4TileRows;
  for (std::int64_t t = t_begin; t < t_end; ++t) {
    const std::uint8_t* tile = a.w + static_cast<std::size_t>(t) * tile_bytes;
    __m512 acc[M];
    for (int m = 0; m < M; ++m) acc[m] = _mm512_setzero_ps();
    for (std::int64_t b = b_begin; b < b_end; ++b) {
      const std::int64_t ahead = b + kPrefetchBlocks;
      const std::uint8_t* next = ahead < b_end ? tile + static_cast<std::size_t>(ahead) * kQ4TileBlockBytes
                                               : tile + tile_bytes + static_cast<std::size_t>(ahead - b_end + b_begin) * kQ4TileBlockBytes;
      for (std::size_t line = 0; line < kQ4TileBlockBytes; line += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(next + line), _MM_HINT_T0);
      }
      const TileBlock w(tile + static_cast<std::size_t>(b) * kQ4TileBlockBytes);
      // Block b is block b % 4 of activation group b / 4: its low codes at 16i, high codes at 64 + 16i.
      const std::size_t in_group = 16 * static_cast<std::size_t>(b % kActBlocksPerGroup);
      const std::size_t group = static_cast<std::size_t>(b / kActBlocksPerGroup) * kActGroupBytes;
      for (int m = 0; m < M; ++m) {
        const std::uint8_t* xg = a.xq + m * x_row_bytes + group;
        __m512i dot = broadcast_i32(xg + kActCorrectionOffset + in_group);
        for (int s = 0; s < 4; ++s) dot = _mm512_dpbusd_epi32(dot, w.codes[s], broadcast_i32(xg + in_group + 4 * s));
        for (int s = 0; s < 4; ++s) {
          dot = _mm512_dpbusd_epi32(dot, w.codes[4 + s], broadcast_i32(xg + 64 + in_group + 4 * s));
        }
        const __m512 scale = _mm512_mul_ps(w.scale, broadcast_f32(xg + kActScaleOffset + in_group));
        acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[m]);
      }
    }
    const std::int64_t n = t * kQ4TileRows;
    for (int m = 0; m < M; ++m) {
      float* y = a.y + m * a.y_stride + n;
      if (b_begin > 0) {
        _mm512_storeu_ps(y, _mm512_add_ps(_mm512_loadu_ps(y), acc[m]));
      } else if (a.bias != nullptr) {
        _mm512_storeu_ps(y, _mm512_add_ps(acc[m], _mm512_loadu_ps(a.bias + n)));
      } else {
        _mm512_storeu_ps(y, acc[m]);
      }
    }
  }
}

template <int M>
void gemv_fixed_rows(const GemvArgs& a) {
  const std::int64_t blocks = (a.k + kQ4BlockSize - 1) / kQ4BlockSize;
  const std::int64_t groups_per_chunk = static_cast<std::int64_t>(kActivationChunkBytes / (M * kActGroupBytes));
  const std::int64_t chunk = kActBlocksPerGroup * (groups_per_chunk > 0 ? groups_per_chunk : 1);
  // matmul.cpp splits the rows at multiples of 16 and q4x16 weights have whole tiles only.
  const std::int64_t t_begin = a.n_begin / kQ4TileRows, t_end = a.n_end / kQ4TileRows;
  for (std::int64_t b0 = 0; b0 < blocks; b0 += chunk) {
    gemv_tiles<M>(a, t_begin, t_end, b0, b0 + chunk < blocks ? b0 + chunk : blocks);
  }
}

}  // namespace

void gemv_int8(const GemvArgs& a) {
  switch (a.rows) {
    case 1: gemv_fixed_rows<1>(a); break;
    case 2: gemv_fixed_rows<2>(a); break;
    case 3: gemv_fixed_rows<3>(a); break;
    case 4: gemv_fixed_rows<4>(a); break;
    case 5: gemv_fixed_rows<5>(a); break;
    case 6: gemv_fixed_rows<6>(a); break;
    case 7: gemv_fixed_rows<7>(a); break;
    default: gemv_fixed_rows<8>(a); break;
  }
}

// The GEMM panel ([kc][32] f32, k-major; matmul.cpp): two tiles side by side, each k of a tile one
// vector of 16 rows. w is the panel's first row, which starts a tile (panels are 32 rows wide and
// begin at multiples of 32); k_begin is a multiple of the block size. Values are d * (code - 8),
// rounded as in every other table, so a q4x16 GEMM equals the q4 one bit for bit.
void pack_panel(const std::uint8_t* w, std::size_t w_stride, int n_valid, std::int64_t k_begin, std::int64_t kc,
                float* panel) {
  constexpr int kNr = 32;
  const std::size_t tile_bytes = w_stride * kQ4TileRows;
  for (int tile = 0; tile < kNr / kQ4TileRows; ++tile) {
    float* out = panel + tile * kQ4TileRows;
    if (tile * kQ4TileRows >= n_valid) {
      for (std::int64_t k = 0; k < kc; ++k) _mm512_storeu_ps(out + k * kNr, _mm512_setzero_ps());
      continue;
    }
    const std::uint8_t* base = w + static_cast<std::size_t>(tile) * tile_bytes;
    for (std::int64_t k0 = 0; k0 < kc; k0 += kQ4BlockSize) {
      const TileBlock block(base + static_cast<std::size_t>((k_begin + k0) / kQ4BlockSize) * kQ4TileBlockBytes);
      const __m512i eight = _mm512_set1_epi32(8), byte = _mm512_set1_epi32(0xff);
      for (int s = 0; s < 8; ++s) {
        // Codes 4s'..4s'+3 (s' = s % 4) of the low or high half: value index 16 * (s / 4) + 4 * (s % 4) + u.
        for (int u = 0; u < 4; ++u) {
          const std::int64_t k = k0 + 16 * (s / 4) + 4 * (s % 4) + u;
          if (k >= kc) continue;
          const __m512i code = _mm512_and_si512(_mm512_srli_epi32(block.codes[s], 8 * u), byte);
          _mm512_storeu_ps(out + k * kNr, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(code, eight)), block.scale));
        }
      }
    }
  }
}

}  // namespace vidscope::tensor::kernels_avx512_vnni_q4x16

#pragma GCC pop_options
