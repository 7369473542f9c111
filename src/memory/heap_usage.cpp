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

}  // namespace vidscope::memory
