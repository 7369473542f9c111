#pragma once
// Errors that cross a public entry point. Internals throw vidscope::Error; the CLI (and later the server)
// turn it into a message and one of the documented exit codes. Programmer errors use assertions instead.
#include <stdexcept>
#include <string>
#include <string_view>

namespace vidscope {

// Each kind maps to one documented process exit code (README, "Exit codes").
enum class ErrorKind {
  kUsage = 2,     // bad flags or option values
  kInput = 3,     // input missing, unreadable, unsupported or corrupt (videos, models, configs)
  kBudget = 4,    // the memory/thread budget can never be met
  kInternal = 5,  // a bug or an unexpected system failure
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  int exit_code() const { return static_cast<int>(kind_); }

 private:
  ErrorKind kind_;
};

[[noreturn]] void throw_usage_error(const std::string& message);
[[noreturn]] void throw_input_error(const std::string& message);
[[noreturn]] void throw_budget_error(const std::string& message);
[[noreturn]] void throw_internal_error(const std::string& message);

std::string_view error_kind_name(ErrorKind kind);

}  // namespace vidscope
