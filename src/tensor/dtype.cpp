#include "tensor/dtype.h"

namespace vidscope::tensor {

std::string_view dtype_name(DType type) {
  switch (type) {
    case DType::kF32: return "f32";
    case DType::kF16: return "f16";
    case DType::kBF16: return "bf16";
    case DType::kQ8: return "q8";
    case DType::kQ4: return "q4";
    case DType::kQ4x16: return "q4x16";
    case DType::kQ8x16: return "q8x16";
  }
  return "unknown";
}

}  // namespace vidscope::tensor
