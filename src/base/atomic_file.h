#pragma once
// Writes that never leave a half-written file: content goes to a temporary file in the same
// directory, is flushed and fsync'ed, then renamed over the target (rename is atomic on POSIX).
#include <filesystem>
#include <string_view>

namespace vidscope {

// Throws Error(kInput) naming the path when the directory is missing or not writable.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace vidscope
