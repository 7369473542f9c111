#pragma once
// A read-only memory mapping of a whole file, owned by one object. Weights are read straight from the
// mapping, so the page cache can serve as the disk tier the planner describes (DESIGN.md section 3).
#include <cstddef>
#include <filesystem>
#include <span>

namespace vidscope::models {

// How the loader intends to touch a mapping; forwarded to madvise() as a hint only.
enum class AccessHint { kNormal, kSequential, kRandom, kWillNeed, kDontNeed };

class MappedFile {
 public:
  // Maps `path` read-only (PROT_READ, MAP_PRIVATE). Throws vidscope::Error (kind input) naming the
  // file when it cannot be opened, is not a regular file, or cannot be mapped. An empty file is
  // valid and yields an empty span (nothing is mapped).
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // The mapped bytes; valid for the lifetime of this object (moves keep the address).
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

  // Applies `hint` to the page range covering [offset, offset + length) clipped to the file. Failures
  // are ignored: a hint never changes results.
  void advise(AccessHint hint, std::size_t offset, std::size_t length) const;

 private:
  void release() noexcept;

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace vidscope::models
