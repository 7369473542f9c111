#pragma once
// What this x86-64 CPU can run, read once with CPUID (and XGETBV: the OS must save the wider
// registers). Kernels are chosen from these flags at run time, so one binary runs on any x86-64.
namespace vidscope::tensor {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512_vnni = false;
  bool avx512_vbmi = false;
  bool avx512_bf16 = false;
};

// Read once on first call; thread-safe.
const CpuFeatures& cpu_features();

// SIMD levels with their own kernel table, from the plain reference up. kAvx512Vnni is kAvx512 plus
// int8 dot products (VNNI) and byte permutes (VBMI) for the q8/q4 GEMV: Ice Lake, Sapphire Rapids,
// Zen 4 and later; Cascade Lake has VNNI without VBMI and stays on kAvx512.
enum class SimdLevel { kScalar, kAvx2, kAvx512, kAvx512Vnni };
inline constexpr int kSimdLevelCount = 4;

const char* simd_level_name(SimdLevel level);  // "scalar", "avx2", "avx512", "avx512_vnni"
bool cpu_supports(SimdLevel level);
SimdLevel best_simd_level();  // the widest level this CPU supports

}  // namespace vidscope::tensor
