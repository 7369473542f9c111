#pragma once
// Bytes the process's allocator has handed out and not yet taken back ("heap in use"). Unlike RSS it
// drops as soon as memory is freed, whether or not the allocator returns the pages to the system, and
// it does not rise when freed memory is reused: the right measure of what one step of work allocated.
// Covers everything that goes through malloc (C++ new, OpenCV, FFmpeg, Tesseract, tensor buffers);
// memory a library maps itself (mmap) is not counted.
#include "base/units.h"

namespace vidscope::memory {

// glibc mallinfo2 (in-use chunks plus mmapped chunks), or the sanitizer allocator's count in sanitized
// builds, where glibc's malloc is not the one in use. Never throws; 0 where neither is available.
// Costs a walk over the allocator's free lists: fine a few times per step, not per allocation.
Bytes heap_bytes_in_use();

}  // namespace vidscope::memory
