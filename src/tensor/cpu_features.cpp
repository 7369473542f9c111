#include "tensor/cpu_features.h"

#include <cpuid.h>

#include <cstdint>

namespace vidscope::tensor {

namespace {

std::uint64_t read_xcr0() {
  std::uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (std::uint64_t{edx} << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool osxsave = ecx & bit_OSXSAVE;
  if (!osxsave) return f;
  const std::uint64_t xcr0 = read_xcr0();
  const bool ymm_saved = (xcr0 & 0x6) == 0x6;            // SSE + AVX state
  const bool zmm_saved = ymm_saved && (xcr0 & 0xe0) == 0xe0;  // opmask + upper zmm state
  f.fma = ymm_saved && (ecx & bit_FMA);
  f.f16c = ymm_saved && (ecx & bit_F16C);
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  f.avx2 = ymm_saved && (ebx & bit_AVX2);
  f.avx512f = zmm_saved && (ebx & bit_AVX512F);
  f.avx512bw = zmm_saved && (ebx & bit_AVX512BW);
  f.avx512vl = zmm_saved && (ebx & bit_AVX512VL);
  f.avx512_vnni = zmm_saved && (ecx & bit_AVX512VNNI);
  f.avx512_vbmi = zmm_saved && (ecx & bit_AVX512VBMI);
  __cpuid_count(7, 1, eax, ebx, ecx, edx);
  f.avx512_bf16 = zmm_saved && (eax & bit_AVX512BF16);
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar: return "scalar";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kAvx512: return "avx512";
    case SimdLevel::kAvx512Vnni: return "avx512_vnni";
  }
  return "unknown";
}

bool cpu_supports(SimdLevel level) {
  const CpuFeatures& f = cpu_features();
  switch (level) {
    case SimdLevel::kScalar: return true;
    case SimdLevel::kAvx2: return f.avx2 && f.fma && f.f16c;
    case SimdLevel::kAvx512: return f.avx512f && f.avx512bw && f.avx512vl && f.fma && f.f16c;
    case SimdLevel::kAvx512Vnni: return cpu_supports(SimdLevel::kAvx512) && f.avx512_vnni && f.avx512_vbmi;
  }
  return false;
}

SimdLevel best_simd_level() {
  if (cpu_supports(SimdLevel::kAvx512Vnni)) return SimdLevel::kAvx512Vnni;
  if (cpu_supports(SimdLevel::kAvx512)) return SimdLevel::kAvx512;
  if (cpu_supports(SimdLevel::kAvx2)) return SimdLevel::kAvx2;
  return SimdLevel::kScalar;
}

}  // namespace vidscope::tensor
