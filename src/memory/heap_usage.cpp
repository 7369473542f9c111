#include "memory/heap_usage.h"

#include <malloc.h>

#if defined(__SANITIZE_ADDRESS__)
#define VIDSCOPE_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VIDSCOPE_SANITIZER_ALLOCATOR 1
#endif
#endif

#if defined(VIDSCOPE_SANITIZER_ALLOCATOR)
#include <cstddef>
// From the sanitizer runtime's public allocator interface (GCC does not ship its header).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace vidscope::memory {

Bytes heap_bytes_in_use() {
#if defined(VIDSCOPE_SANITIZER_ALLOCATOR)
  return static_cast<Bytes>(__sanitizer_get_current_allocated_bytes());
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 info = mallinfo2();
  return static_cast<Bytes>(info.uordblks) + static_cast<Bytes>(info.hblkhd);
#else
  return 0;
#endif
}

void return_freed_memory_promptly() {
#if defined(__GLIBC__) && !defined(VIDSCOPE_SANITIZER_ALLOCATOR)
  constexpr int kMmapThreshold = 4 << 20;
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  // Setting the threshold fixes the trim threshold too (both stop adapting); keep the default 128 KiB.
  mallopt(M_TRIM_THRESHOLD, 128 << 10);
#endif
}

}  // namespace vidscope::memory
