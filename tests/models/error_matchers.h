#pragma once
// Runs `statement`, expects a vidscope::Error of kind input, and returns its message for further checks.
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "base/error.h"

namespace vidscope::models::testing {

inline std::string input_error_message(const std::function<void()>& statement) {
  try {
    statement();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected a vidscope::Error of kind input";
  return {};
}

}  // namespace vidscope::models::testing
