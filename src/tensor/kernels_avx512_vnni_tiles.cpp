// The kernels of the avx512_vnni table for tiled weights (q4x16, q8x16; layout: weight_tiles.h): the
// decode GEMV with integer dot products across the 16 rows of a tile, and the GEMM's panel
// conversion. Standard headers come before the target pragma on purpose.
//
// GEMV: a weight vector holds 4 consecutive codes of each of 16 rows; vpdpbusd multiplies it with the
// same 4 activation codes broadcast to every lane, so after the 8 vectors of a block each lane holds
// the whole block's dot product for its row. The block's scales then cost one convert, one multiply
// (q4: weight times activation scale) and one FMA per 16 rows and activation row, against four times
// that for the row-major kernels, whose lanes each sum 8 codes of one row. The weight codes are the
// unsigned side (q4: the stored nibble, code + 8; q8: the code with its sign bit flipped, code + 128);
// the activation row's block correction (-offset * its code sum, activation_int8.h) starts each sum.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "tensor/activation_int8.h"
#include "tensor/kernels_avx512_vnni_tiles.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")

namespace vidscope::tensor::kernels_avx512_vnni_tiles {

namespace {

static_assert(kTileBlock == kActBlock, "a weight block meets one block of int8 activations");

// Weight blocks requested ahead of use (q4: 288 bytes each, q8: 512); past the end of a chunk, the
// prefetch runs on into the same chunk of the next tile.
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

// Value 4s + u of each of 16 rows as a signed int32 lane, from their unsigned codes (code + offset).
inline __m512i signed_codes(__m512i codes, int u, int offset) {
  const __m512i byte = _mm512_and_si512(_mm512_srli_epi32(codes, 8 * u), _mm512_set1_epi32(0xff));
  return _mm512_sub_epi32(byte, _mm512_set1_epi32(offset));
}

// One block of 16 rows: their codes as 8 vectors of 4 values per row (vector s: values 4s..4s+3), as
// unsigned bytes, and for q4 the rows' block scales.
struct Q4Tiles {
  static constexpr std::size_t kHeaderBytes = 0;
  static constexpr std::size_t kBlockBytes = kQ4TileBlockBytes;
  static constexpr bool kRowScales = false;
  __m512 scale;
  __m512i codes[8];

  explicit Q4Tiles(const std::uint8_t* block) {
    scale = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(block)));
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    for (int s = 0; s < 4; ++s) {
      const __m512i v = _mm512_loadu_si512(block + kQ4TileScaleBytes + 64 * s);
      codes[s] = _mm512_and_si512(v, low4);
      codes[4 + s] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
    }
  }
  __m512 block_scale(__m512 x_scale) const { return _mm512_mul_ps(scale, x_scale); }
  __m512i code(int s, int u) const { return signed_codes(codes[s], u, activation_weight_offset(DType::kQ4x16)); }
  __m512 value_scale() const { return scale; }
};

struct Q8Tiles {
  static constexpr std::size_t kHeaderBytes = kQ8TileScaleBytes;
  static constexpr std::size_t kBlockBytes = kQ8TileBlockBytes;
  static constexpr bool kRowScales = true;
  __m512i codes[8];

  explicit Q8Tiles(const std::uint8_t* block) {
    const __m512i sign = _mm512_set1_epi8(static_cast<char>(0x80));
    for (int s = 0; s < 8; ++s) codes[s] = _mm512_xor_si512(_mm512_loadu_si512(block + 64 * s), sign);
  }
  static __m512 block_scale(__m512 x_scale) { return x_scale; }
  __m512i code(int s, int u) const { return signed_codes(codes[s], u, activation_weight_offset(DType::kQ8x16)); }
};

// Tiles [t_begin, t_end) against all M rows of x over weight blocks [b_begin, b_end). The first chunk
// of blocks stores y (with the bias), later chunks add to it.
template <class Tiles, int M>
void gemv_tiles(const GemvArgs& a, std::int64_t t_begin, std::int64_t t_end, std::int64_t b_begin, std::int64_t b_end) {
  const std::size_t x_row_bytes = activation_row_bytes(a.k);
  const std::size_t tile_bytes = a.w_stride * kTileRows;
  for (std::int64_t t = t_begin; t < t_end; ++t) {
    const std::uint8_t* tile = a.w + static_cast<std::size_t>(t) * tile_bytes;
    const std::uint8_t* blocks = tile + Tiles::kHeaderBytes;
    __m512 acc[M];
    for (int m = 0; m < M; ++m) acc[m] = _mm512_setzero_ps();
    for (std::int64_t b = b_begin; b < b_end; ++b) {
      const std::int64_t ahead = b + kPrefetchBlocks;
      const std::uint8_t* next = ahead < b_end ? blocks + static_cast<std::size_t>(ahead) * Tiles::kBlockBytes
                                               : blocks + tile_bytes + static_cast<std::size_t>(ahead - b_end + b_begin) * Tiles::kBlockBytes;
      for (std::size_t line = 0; line < Tiles::kBlockBytes; line += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(next + line), _MM_HINT_T0);
      }
      const Tiles w(blocks + static_cast<std::size_t>(b) * Tiles::kBlockBytes);
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
        const __m512 scale = w.block_scale(broadcast_f32(xg + kActScaleOffset + in_group));
        acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[m]);
      }
    }
    if constexpr (Tiles::kRowScales) {
      const __m512 row_scale = _mm512_loadu_ps(tile);
      for (int m = 0; m < M; ++m) acc[m] = _mm512_mul_ps(acc[m], row_scale);
    }
    const std::int64_t n = t * kTileRows;
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

template <class Tiles, int M>
void gemv_fixed_rows(const GemvArgs& a) {
  const std::int64_t blocks = (a.k + kTileBlock - 1) / kTileBlock;
  const std::int64_t groups_per_chunk = static_cast<std::int64_t>(kGemvActivationChunkBytes / (M * kActGroupBytes));
  const std::int64_t chunk = kActBlocksPerGroup * (groups_per_chunk > 0 ? groups_per_chunk : 1);
  // matmul.cpp splits the rows at multiples of 16 and tiled weights have whole tiles only.
  const std::int64_t t_begin = a.n_begin / kTileRows, t_end = a.n_end / kTileRows;
  for (std::int64_t b0 = 0; b0 < blocks; b0 += chunk) {
    gemv_tiles<Tiles, M>(a, t_begin, t_end, b0, b0 + chunk < blocks ? b0 + chunk : blocks);
  }
}

template <class Tiles>
void gemv_int8(const GemvArgs& a) {
  with_gemv_rows(a.rows, [&]<int M>() { gemv_fixed_rows<Tiles, M>(a); });
}

// The GEMM panel ([kc][32] f32, k-major; matmul.cpp): two tiles side by side, each k of a tile one
// vector of 16 rows. w is the panel's first row, which starts a tile (panels are 32 rows wide and
// begin at multiples of 32); k_begin is a multiple of the block size. Values are d * (code - 8) for q4
// and code * row scale for q8, rounded as in every other table, so a tiled GEMM equals the row one bit
// for bit.
template <class Tiles>
void pack_panel(const std::uint8_t* w, std::size_t w_stride, int n_valid, std::int64_t k_begin, std::int64_t kc,
                float* panel) {
  constexpr int kNr = kTiledPanelColumns;
  const std::size_t tile_bytes = w_stride * kTileRows;
  for (int half = 0; half < kNr / kTileRows; ++half) {
    float* out = panel + half * kTileRows;
    if (half * kTileRows >= n_valid) {
      for (std::int64_t k = 0; k < kc; ++k) _mm512_storeu_ps(out + k * kNr, _mm512_setzero_ps());
      continue;
    }
    const std::uint8_t* tile = w + static_cast<std::size_t>(half) * tile_bytes;
    __m512 row_scale = _mm512_setzero_ps();
    if constexpr (Tiles::kRowScales) row_scale = _mm512_loadu_ps(tile);
    for (std::int64_t k0 = 0; k0 < kc; k0 += kTileBlock) {
      const Tiles block(tile + Tiles::kHeaderBytes + static_cast<std::size_t>((k_begin + k0) / kTileBlock) * Tiles::kBlockBytes);
      __m512 scale = row_scale;
      if constexpr (!Tiles::kRowScales) scale = block.value_scale();
      for (int s = 0; s < 8; ++s) {
        for (int u = 0; u < 4; ++u) {
          const std::int64_t k = k0 + 4 * s + u;
          if (k >= kc) continue;
          _mm512_storeu_ps(out + k * kNr, _mm512_mul_ps(_mm512_cvtepi32_ps(block.code(s, u)), scale));
        }
      }
    }
  }
}

}  // namespace

void gemv_q4x16(const GemvArgs& a) { gemv_int8<Q4Tiles>(a); }
void gemv_q8x16(const GemvArgs& a) { gemv_int8<Q8Tiles>(a); }
void pack_panel_q4x16(const std::uint8_t* w, std::size_t w_stride, int n_valid, std::int64_t k_begin, std::int64_t kc,
                      float* panel) {
  pack_panel<Q4Tiles>(w, w_stride, n_valid, k_begin, kc, panel);
}
void pack_panel_q8x16(const std::uint8_t* w, std::size_t w_stride, int n_valid, std::int64_t k_begin, std::int64_t kc,
                      float* panel) {
  pack_panel<Q8Tiles>(w, w_stride, n_valid, k_begin, kc, panel);
}

}  // namespace vidscope::tensor::kernels_avx512_vnni_tiles

#pragma GCC pop_options
