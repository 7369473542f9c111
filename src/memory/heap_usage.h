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

// Makes freed memory leave the process promptly, so that RSS follows what is in use and a plan's
// prediction can be checked against it. glibc raises its mmap threshold after a large block is freed
// (up to 32 MiB), after which freed model activations and KV caches stay in its arenas: measured on the
// 2B model, anonymous RSS stood ~100 MiB above the heap in use. A fixed threshold of 4 MiB sends every
// block of that size or more (activations, KV caches, quantized weights, full-HD frames) to its own
// mapping, returned at free(); smaller blocks keep the fast arena path. Call once at start-up, before
// threads start. Does nothing where the allocator is not glibc's (e.g. sanitized builds).
void return_freed_memory_promptly();

}  // namespace vidscope::memory
