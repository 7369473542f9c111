#include "base/error.h"

namespace vidscope {

void throw_usage_error(const std::string& message) { throw Error(ErrorKind::kUsage, message); }
void throw_input_error(const std::string& message) { throw Error(ErrorKind::kInput, message); }
void throw_budget_error(const std::string& message) { throw Error(ErrorKind::kBudget, message); }
void throw_internal_error(const std::string& message) { throw Error(ErrorKind::kInternal, message); }

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage: return "usage";
    case ErrorKind::kInput: return "input";
    case ErrorKind::kBudget: return "budget";
    case ErrorKind::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace vidscope
