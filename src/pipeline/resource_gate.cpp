#include "pipeline/resource_gate.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "base/error.h"

namespace vidscope::pipeline {

Reservation::Reservation(Reservation&& other) noexcept
    : gate_(std::exchange(other.gate_, nullptr)), needs_(other.needs_) {}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    release();
    gate_ = std::exchange(other.gate_, nullptr);
    needs_ = other.needs_;
  }
  return *this;
}

void Reservation::release() {
  if (gate_) std::exchange(gate_, nullptr)->give_back(needs_);
}

ResourceGate::ResourceGate(memory::Budget budget) : budget_(std::move(budget)) {
  if (budget_.threads == 0) throw_usage_error("the thread budget must be at least 1");
}

std::optional<std::string> ResourceGate::why_never_fits(const analyzers::ResourceNeeds& needs) const {
  if (needs.ram_bytes > budget_.ram_bytes) {
    return fmt::format("needs {} of RAM per step but the RAM budget is {}", format_bytes(needs.ram_bytes),
                       format_bytes(budget_.ram_bytes));
  }
  if (needs.gpu_bytes > 0 && !budget_.gpu_bytes) {
    return fmt::format("needs {} of GPU memory per step but there is no GPU", format_bytes(needs.gpu_bytes));
  }
  if (budget_.gpu_bytes && needs.gpu_bytes > *budget_.gpu_bytes) {
    return fmt::format("needs {} of GPU memory per step but the GPU budget is {}",
                       format_bytes(needs.gpu_bytes), format_bytes(*budget_.gpu_bytes));
  }
  return std::nullopt;
}

analyzers::ResourceNeeds ResourceGate::admitted_needs(const analyzers::ResourceNeeds& needs) const {
  analyzers::ResourceNeeds admitted = needs;
  admitted.threads = std::clamp(needs.threads, 1u, budget_.threads);
  return admitted;
}

bool ResourceGate::fits_locked(const analyzers::ResourceNeeds& needs) const {
  if (one_at_a_time_ && threads_in_use_ > 0) return false;  // every admitted step holds a thread
  return ram_in_use_ + needs.ram_bytes <= budget_.ram_bytes &&
         gpu_in_use_ + needs.gpu_bytes <= budget_.gpu_bytes.value_or(0) &&
         threads_in_use_ + needs.threads <= budget_.threads;
}

Reservation ResourceGate::acquire(const analyzers::ResourceNeeds& requested) {
  if (auto reason = why_never_fits(requested)) throw_budget_error("a step can never be admitted: " + *reason);
  const analyzers::ResourceNeeds needs = admitted_needs(requested);
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = next_ticket_++;
  changed_.wait(lock, [&] { return ticket == serving_ticket_ && fits_locked(needs); });
  ram_in_use_ += needs.ram_bytes;
  gpu_in_use_ += needs.gpu_bytes;
  threads_in_use_ += needs.threads;
  peak_reserved_ram_ = std::max(peak_reserved_ram_, ram_in_use_);
  ++serving_ticket_;
  lock.unlock();
  changed_.notify_all();  // the next arrival may fit too
  return Reservation(this, needs);
}

void ResourceGate::give_back(const analyzers::ResourceNeeds& needs) {
  {
    std::lock_guard lock(mutex_);
    ram_in_use_ -= needs.ram_bytes;
    gpu_in_use_ -= needs.gpu_bytes;
    threads_in_use_ -= needs.threads;
  }
  changed_.notify_all();
}

void ResourceGate::set_one_at_a_time(bool on) {
  {
    std::lock_guard lock(mutex_);
    one_at_a_time_ = on;
  }
  changed_.notify_all();
}

Bytes ResourceGate::peak_reserved_ram() const {
  std::lock_guard lock(mutex_);
  return peak_reserved_ram_;
}

}  // namespace vidscope::pipeline
