// The avx512_vnni kernel table: the avx512 table plus GEMV kernels for q8 and q4 weights that multiply
// int8 activations (activation_int8.h) with vpdpbusd (VNNI), 64 multiply-adds per instruction instead
// of 16 f32 FMAs after a per-element weight conversion. Needs AVX-512 F/BW/VL, VNNI and VBMI (the q4
// blocks are 18 bytes apart, so their nibbles are gathered with a byte permute). Standard headers
// come before the target pragma on purpose.
//
// vpdpbusd multiplies unsigned by signed bytes: the weights are the unsigned side as stored codes
// (q4: w + 8) or with the sign bit flipped (q8: w + 128), the activations the signed side, so each
// dot product is sum (w + offset) q = sum w q + offset sum q, and the accumulator starts at the
// activation row's precomputed -offset sum q (activation_int8.h).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "tensor/activation_int8.h"
#include "tensor/kernel_table.h"
#include "tensor/kernels_avx512_vnni_tiles.h"

namespace vidscope::tensor::kernels_avx512 {
const KernelTable& table();
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi,avx2,fma,f16c")

namespace vidscope::tensor::kernels_avx512_vnni {

namespace {

// One group of 128 weights (4 blocks of 32) of one row, in the activation layout.
struct WeightGroup {
  __m512i lo;    // unsigned weight codes (weight + offset): values 0..15 of each block
  __m512i hi;    // values 16..31 of each block
  __m512 scale;  // q4: the block scale, in lanes 4i..4i+3 for block i; q8: unused
};

// The first n bytes of a 64-byte vector (none for n <= 0). Masked-off bytes are never read, so a
// masked load may run past the end of a row.
inline __mmask64 first_bytes(std::int64_t n) {
  if (n >= 64) return ~__mmask64{0};
  if (n <= 0) return 0;
  return (__mmask64{1} << n) - 1;
}

struct Q8Rows {
  static constexpr bool kBlockScales = false;
  static constexpr std::int64_t kGroupBytes = kActGroup;
  static const std::uint8_t* group_start(const std::uint8_t* row, std::int64_t group) {
    return row + kQ8ScaleBytes + group * kGroupBytes;
  }
  // The row's 128 bytes hold values 0..31 of block 0, then block 1, ...: 16-byte quarters
  // [b0 lo, b0 hi, b1 lo, b1 hi | b2 lo, b2 hi, b3 lo, b3 hi], regrouped into [b0..b3 lo], [b0..b3 hi].
  void load(const std::uint8_t* row, std::int64_t group, std::int64_t k, WeightGroup* out) const {
    const std::uint8_t* p = group_start(row, group);
    const std::int64_t left = k - group * kActGroup;
    __m512i a, b;
    if (left >= kActGroup) {
      a = _mm512_loadu_si512(p);
      b = _mm512_loadu_si512(p + 64);
    } else {  // zero weights past k (and zero activations there): they add nothing
      a = _mm512_maskz_loadu_epi8(first_bytes(left), p);
      b = _mm512_maskz_loadu_epi8(first_bytes(left - 64), p + 64);
    }
    const __m512i sign = _mm512_set1_epi8(static_cast<char>(0x80));  // w + 128 for w in [-127, 127]
    out->lo = _mm512_xor_si512(_mm512_shuffle_i64x2(a, b, 0x88), sign);  // quarters 0, 2 of a, 0, 2 of b
    out->hi = _mm512_xor_si512(_mm512_shuffle_i64x2(a, b, 0xdd), sign);  // quarters 1, 3 of a, 1, 3 of b
  }
  static float row_scale(const std::uint8_t* row) {
    float s;
    std::memcpy(&s, row, sizeof(s));
    return s;
  }
};

struct Q4Rows {
  static constexpr bool kBlockScales = true;
  static constexpr std::int64_t kGroupBytes = kActBlocksPerGroup * static_cast<std::int64_t>(kQ4BlockBytes);
  static const std::uint8_t* group_start(const std::uint8_t* row, std::int64_t group) { return row + group * kGroupBytes; }
  // Four blocks span 72 bytes: vector a holds bytes 0..63, b bytes 8..71; a vpermt2b index below 64
  // picks byte i of a, 64 + t picks byte t of b (byte t + 8 of the group).
  __m512i nibble_index;  // byte 16i + j <- nibble byte j of block i (at 18i + 2 + j)
  __m512i scale_index;   // bytes 2L, 2L+1 <- the f16 scale of block L/4 (at 18(L/4))

  Q4Rows() {
    alignas(64) std::uint8_t nib[64], sc[64] = {};
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 16; ++j) {
        const int byte = 18 * i + 2 + j;
        nib[16 * i + j] = static_cast<std::uint8_t>(byte < 64 ? byte : byte + 56);
      }
    }
    for (int lane = 0; lane < 16; ++lane) {
      sc[2 * lane] = static_cast<std::uint8_t>(18 * (lane / 4));
      sc[2 * lane + 1] = static_cast<std::uint8_t>(18 * (lane / 4) + 1);
    }
    nibble_index = _mm512_load_si512(nib);
    scale_index = _mm512_load_si512(sc);
  }

  void load(const std::uint8_t* row, std::int64_t group, std::int64_t k, WeightGroup* out) const {
    const std::int64_t blocks = (k + kQ4BlockSize - 1) / kQ4BlockSize;
    const std::uint8_t* p = group_start(row, group);
    const std::int64_t left = (blocks - group * kActBlocksPerGroup) * static_cast<std::int64_t>(kQ4BlockBytes);
    __m512i a, b;
    if (left >= 4 * static_cast<std::int64_t>(kQ4BlockBytes)) {
      a = _mm512_loadu_si512(p);
      b = _mm512_loadu_si512(p + 8);
    } else {  // missing blocks read as scale 0 (and the activations there are 0 too)
      a = _mm512_maskz_loadu_epi8(first_bytes(left), p);
      b = _mm512_maskz_loadu_epi8(first_bytes(left - 8), p + 8);
    }
    const __m512i nibbles = _mm512_permutex2var_epi8(a, nibble_index, b);
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    out->lo = _mm512_and_si512(nibbles, low4);
    out->hi = _mm512_and_si512(_mm512_srli_epi16(nibbles, 4), low4);
    out->scale = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutex2var_epi8(a, scale_index, b)));
  }
  static float row_scale(const std::uint8_t*) { return 1.0f; }
};

// Weight bytes requested ahead of use. The hardware prefetcher alone left a q4 row stream at half
// the read bandwidth (the integer work per byte is high enough that the loads issue late), and it
// restarts at every jump when the activations are cut into chunks; past the end of a chunk the
// prefetch runs on into the same chunk of the next rows this call handles.
constexpr std::int64_t kPrefetchGroups = 12;

// NB weight rows from n against all M rows of x, over activation groups [g_begin, g_end); every
// weight group is loaded once for the M rows. The first chunk stores y (with the bias), later
// chunks add to it.
template <class Rows, int M, int NB>
void gemv_rows(const GemvArgs& a, const Rows& rows, std::int64_t n, std::int64_t g_begin, std::int64_t g_end) {
  const std::size_t x_row_bytes = activation_row_bytes(a.k);
  const std::uint8_t* w[NB];
  for (int r = 0; r < NB; ++r) w[r] = a.w + static_cast<std::size_t>(n + r) * a.w_stride;
  __m512 acc[NB][M];
  for (int r = 0; r < NB; ++r)
    for (int m = 0; m < M; ++m) acc[r][m] = _mm512_setzero_ps();
  for (std::int64_t g = g_begin; g < g_end; ++g) {
    const std::int64_t ahead = g + kPrefetchGroups;
    for (int r = 0; r < NB; ++r) {
      const std::uint8_t* p = ahead < g_end ? Rows::group_start(w[r], ahead)
                                            : Rows::group_start(w[r] + NB * a.w_stride, ahead - g_end + g_begin);
      _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p) + 64, _MM_HINT_T0);
    }
    WeightGroup wg[NB];
    for (int r = 0; r < NB; ++r) rows.load(w[r], g, a.k, &wg[r]);
    for (int m = 0; m < M; ++m) {
      const std::uint8_t* xg = a.xq + m * x_row_bytes + static_cast<std::size_t>(g) * kActGroupBytes;
      const __m512i x_lo = _mm512_loadu_si512(xg);
      const __m512i x_hi = _mm512_loadu_si512(xg + 64);
      const __m512i x_correction = _mm512_loadu_si512(xg + kActCorrectionOffset);
      const __m512 x_scale = _mm512_loadu_ps(xg + kActScaleOffset);
      for (int r = 0; r < NB; ++r) {
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(x_correction, wg[r].lo, x_lo), wg[r].hi, x_hi);
        const __m512 scale = Rows::kBlockScales ? _mm512_mul_ps(x_scale, wg[r].scale) : x_scale;
        acc[r][m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[r][m]);
      }
    }
  }
  for (int r = 0; r < NB; ++r) {
    const float row_scale = Rows::row_scale(w[r]);
    for (int m = 0; m < M; ++m) {
      float s = _mm512_reduce_add_ps(acc[r][m]);
      if (!Rows::kBlockScales) s *= row_scale;
      float* y = a.y + m * a.y_stride + n + r;
      if (g_begin > 0) {
        *y += s;
      } else {
        *y = a.bias != nullptr ? s + a.bias[n + r] : s;
      }
    }
  }
}

// Two weight rows per pass share each activation load. At batch 5..8 that pays for q8 (batch 8 /
// batch 1 kernel time: up 1.49-1.52x -> 1.36-1.43x, down 1.86-1.95x -> 1.56-1.73x) and for q4 as
// well, although two rows of 8 sums, their unpacked weight groups and block scales fill nearly all 32
// registers (q4 batch 8, 2 threads, one row against two alternating in one process: up 0.84 -> 0.79 ms,
// down 1.07 -> 0.86 ms).
template <class Rows, int M>
void gemv_fixed_rows(const GemvArgs& a, const Rows& rows) {
  constexpr int NB = 2;
  const std::int64_t groups = activation_groups(a.k);
  const auto chunk = static_cast<std::int64_t>(kGemvActivationChunkBytes / (M * kActGroupBytes));
  for (std::int64_t g0 = 0; g0 < groups; g0 += chunk) {
    const std::int64_t g1 = g0 + chunk < groups ? g0 + chunk : groups;
    std::int64_t n = a.n_begin;
    for (; n + NB <= a.n_end; n += NB) gemv_rows<Rows, M, NB>(a, rows, n, g0, g1);
    for (; n < a.n_end; ++n) gemv_rows<Rows, M, 1>(a, rows, n, g0, g1);
  }
}

template <class Rows>
void gemv_int8(const GemvArgs& a) {
  const Rows rows;
  with_gemv_rows(a.rows, [&]<int M>() { gemv_fixed_rows<Rows, M>(a, rows); });
}

}  // namespace

const KernelTable& table() {
  static const KernelTable kernels = [] {
    KernelTable t = kernels_avx512::table();
    t.level = SimdLevel::kAvx512Vnni;
    t.gemv_int8[static_cast<int>(DType::kQ8)] = &gemv_int8<Q8Rows>;
    t.gemv_int8[static_cast<int>(DType::kQ4)] = &gemv_int8<Q4Rows>;
    // Tiled weights run only here: their GEMVs have no f32 variant, and their panels are two tiles wide.
    if (t.gemm_nr == kernels_avx512_vnni_tiles::kTiledPanelColumns) {
      t.gemv_int8[static_cast<int>(DType::kQ4x16)] = &kernels_avx512_vnni_tiles::gemv_q4x16;
      t.pack_panel[static_cast<int>(DType::kQ4x16)] = &kernels_avx512_vnni_tiles::pack_panel_q4x16;
      t.gemv_int8[static_cast<int>(DType::kQ8x16)] = &kernels_avx512_vnni_tiles::gemv_q8x16;
      t.pack_panel[static_cast<int>(DType::kQ8x16)] = &kernels_avx512_vnni_tiles::pack_panel_q8x16;
    }
    return t;
  }();
  return kernels;
}

}  // namespace vidscope::tensor::kernels_avx512_vnni

#pragma GCC pop_options
