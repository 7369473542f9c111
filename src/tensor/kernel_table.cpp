#include "tensor/kernel_table.h"

namespace vidscope::tensor {

namespace kernels_scalar { const KernelTable& table(); }
namespace kernels_avx2 { const KernelTable& table(); }
namespace kernels_avx512 { const KernelTable& table(); }
namespace kernels_avx512_vnni { const KernelTable& table(); }

bool supports_weights(const KernelTable& t, DType dtype) {
  const auto i = static_cast<int>(dtype);
  return (t.gemv[i] != nullptr || t.gemv_int8[i] != nullptr) && t.pack_panel[i] != nullptr;
}

const KernelTable* kernels_for(SimdLevel level) {
  // Never touch a level's table (its static initializer runs that level's code) unless the CPU
  // supports it.
  if (!cpu_supports(level)) return nullptr;
  switch (level) {
    case SimdLevel::kScalar: return &kernels_scalar::table();
    case SimdLevel::kAvx2: return &kernels_avx2::table();
    case SimdLevel::kAvx512: return &kernels_avx512::table();
    case SimdLevel::kAvx512Vnni: return &kernels_avx512_vnni::table();
  }
  return nullptr;
}

const KernelTable& best_kernels() {
  static const KernelTable* const best = kernels_for(best_simd_level());
  return *best;
}

}  // namespace vidscope::tensor
