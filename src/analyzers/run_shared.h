#pragma once
// One object shared by the analyzers of one run. The registry creates all analyzers of a run
// together, so "the analyzers alive at the same time" are one run: the first asks for a T and
// creates it, the others get the same one, and it is released with the last of them.
#include <memory>
#include <mutex>

namespace vidscope::analyzers {

template <typename T>
std::shared_ptr<T> run_shared() {
  static std::mutex mutex;
  static std::weak_ptr<T> current;
  std::lock_guard lock(mutex);
  std::shared_ptr<T> object = current.lock();
  if (!object) {
    object = std::make_shared<T>();
    current = object;
  }
  return object;
}

}  // namespace vidscope::analyzers
