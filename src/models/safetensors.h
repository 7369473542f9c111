#pragma once
// One safetensors file: a memory mapping plus its validated header. Format: 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {string: string}}, then the data area; offsets are relative to the data area.
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/dtype.h"
#include "models/mapped_file.h"

namespace vidscope::models {

// Headers larger than this are rejected before parsing (real checkpoints use well under 1 MiB).
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100ull * 1024 * 1024;

// A view of one tensor inside a mapped file. `data` points into the mapping of the owning
// SafetensorsFile and stays valid as long as that file object lives; it may be unaligned, so read
// elements with memcpy (copy_to_f32 does).
struct TensorRef {
  std::string name;
  WeightDType dtype = WeightDType::kF32;
  std::vector<std::int64_t> shape;
  const std::byte* data = nullptr;
  std::uint64_t byte_size = 0;
  std::uint64_t file_offset = 0;  // absolute offset of the first byte in the file
  const std::filesystem::path* file = nullptr;  // owned by the SafetensorsFile

  std::int64_t element_count() const;
};

class SafetensorsFile {
 public:
  // Maps and validates `path`. Throws vidscope::Error (kind input) whose message starts with the
  // file name and says what was expected, for: a file shorter than 8 bytes, a header length beyond
  // the file or above kMaxSafetensorsHeaderBytes, bad JSON, a malformed entry, an unknown dtype, a
  // shape whose byte size differs from its offsets, a tensor past the end of the file (truncated
  // download), overlapping tensors, gaps, or trailing bytes after the last tensor.
  // Thread-safety: immutable after construction; concurrent reads are safe.
  explicit SafetensorsFile(const std::filesystem::path& path);

  SafetensorsFile(SafetensorsFile&&) = delete;  // TensorRef::file points at path_
  SafetensorsFile& operator=(SafetensorsFile&&) = delete;

  const std::filesystem::path& path() const { return mapping_.path(); }
  // Tensors sorted by name.
  const std::map<std::string, TensorRef, std::less<>>& tensors() const { return tensors_; }
  const TensorRef* find(std::string_view name) const;
  const std::map<std::string, std::string, std::less<>>& metadata() const { return metadata_; }
  std::uint64_t data_offset() const { return data_offset_; }
  const MappedFile& mapping() const { return mapping_; }
  // Tells the kernel how the loader will read one tensor of this file (e.g. kSequential while converting
  // it, kDontNeed once converted so the page cache can drop it). A hint only; never fails.
  void advise(const TensorRef& tensor, AccessHint hint) const {
    mapping_.advise(hint, tensor.file_offset, tensor.byte_size);
  }

 private:
  void parse_header();

  MappedFile mapping_;
  std::uint64_t data_offset_ = 0;
  std::map<std::string, TensorRef, std::less<>> tensors_;
  std::map<std::string, std::string, std::less<>> metadata_;
};

// Converts a F32/F16/BF16 tensor to floats. Throws vidscope::Error (kind input) for other dtypes.
std::vector<float> copy_to_f32(const TensorRef& tensor);

}  // namespace vidscope::models
