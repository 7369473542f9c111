#include "models/safetensors.h"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace vidscope::models {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw_input_error(path.string() + ": " + what);
}

std::uint64_t read_le64(const std::byte* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | std::to_integer<std::uint64_t>(bytes[i]);
  return value;
}

std::vector<std::int64_t> parse_shape(const std::filesystem::path& path, const std::string& name,
                                      const json& shape) {
  if (!shape.is_array()) fail(path, "tensor '" + name + "': \"shape\" must be an array of integers");
  std::vector<std::int64_t> dims;
  for (const auto& dim : shape) {
    if (!dim.is_number_unsigned() || dim.get<std::uint64_t>() > (1ull << 62)) {
      fail(path, "tensor '" + name + "': shape entry " + dim.dump() +
                     " is not a non-negative integer");
    }
    dims.push_back(dim.get<std::int64_t>());
  }
  return dims;
}

// Bytes the shape needs, or nullopt on overflow.
std::optional<std::uint64_t> shape_bytes(const std::vector<std::int64_t>& shape, std::size_t elem) {
  std::uint64_t total = elem;
  for (std::int64_t dim : shape) {
    if (__builtin_mul_overflow(total, static_cast<std::uint64_t>(dim), &total)) return std::nullopt;
  }
  return total;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace

std::int64_t TensorRef::element_count() const {
  std::int64_t count = 1;
  for (std::int64_t dim : shape) count *= dim;
  return count;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : mapping_(path) {
  parse_header();
}

const TensorRef* SafetensorsFile::find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void SafetensorsFile::parse_header() {
  const auto& path = mapping_.path();
  const std::uint64_t file_size = mapping_.size();
  if (file_size < 8) {
    fail(path, "file has " + std::to_string(file_size) +
                   " bytes, fewer than the 8-byte header length of a safetensors file");
  }
  const std::byte* base = mapping_.bytes().data();
  const std::uint64_t header_size = read_le64(base);
  if (header_size > kMaxSafetensorsHeaderBytes) {
    fail(path, "header length " + std::to_string(header_size) + " exceeds the limit of " +
                   std::to_string(kMaxSafetensorsHeaderBytes) + " bytes (not a safetensors file?)");
  }
  if (header_size > file_size - 8) {
    fail(path, "header length " + std::to_string(header_size) + " is larger than the " +
                   std::to_string(file_size - 8) +
                   " bytes that follow it (truncated download or not a safetensors file?)");
  }
  data_offset_ = 8 + header_size;
  const std::uint64_t data_size = file_size - data_offset_;

  json header;
  try {
    const auto* text = reinterpret_cast<const char*>(base + 8);
    header = json::parse(text, text + header_size);
  } catch (const json::exception& e) {
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail(path, "header must be a JSON object");

  struct Span {
    std::uint64_t begin, end;
    const std::string* name;
  };
  std::vector<Span> spans;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail(path, "\"__metadata__\" must be an object of strings");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) fail(path, "\"__metadata__\" value for '" + key + "' is not a string");
        metadata_.emplace(key, value.get<std::string>());
      }
      continue;
    }
    if (!entry.is_object()) fail(path, "tensor '" + name + "': entry must be an object");
    const auto dtype_it = entry.find("dtype");
    const auto shape_it = entry.find("shape");
    const auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || shape_it == entry.end() || offsets_it == entry.end()) {
      fail(path, "tensor '" + name + "': entry needs \"dtype\", \"shape\" and \"data_offsets\"");
    }
    if (!dtype_it->is_string()) fail(path, "tensor '" + name + "': \"dtype\" must be a string");
    const auto dtype_name = dtype_it->get<std::string>();
    const auto dtype = parse_weight_dtype(dtype_name);
    if (!dtype) {
      fail(path, "tensor '" + name + "': unknown dtype '" + dtype_name +
                     "' (expected one of F32, F16, BF16, I8, U8, I32, I64, BOOL)");
    }
    auto shape = parse_shape(path, name, *shape_it);
    const json& offsets = *offsets_it;
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      fail(path, "tensor '" + name + "': \"data_offsets\" must be [begin, end] with integers");
    }
    const auto begin = offsets[0].get<std::uint64_t>();
    const auto end = offsets[1].get<std::uint64_t>();
    if (end < begin) {
      fail(path, "tensor '" + name + "': data_offsets end " + std::to_string(end) +
                     " is before begin " + std::to_string(begin));
    }
    const auto expected = shape_bytes(shape, weight_dtype_size(*dtype));
    if (!expected || *expected != end - begin) {
      fail(path, "tensor '" + name + "': shape " + shape_text(shape) + " of " + dtype_name +
                     " needs " + (expected ? std::to_string(*expected) : std::string("too many")) +
                     " bytes but data_offsets span " + std::to_string(end - begin));
    }
    if (end > data_size) {
      fail(path, "tensor '" + name + "' ends at byte " + std::to_string(data_offset_ + end) +
                     " but the file has " + std::to_string(file_size) +
                     " bytes (truncated download?)");
    }
    TensorRef ref;
    ref.name = name;
    ref.dtype = *dtype;
    ref.shape = std::move(shape);
    ref.data = base + data_offset_ + begin;
    ref.byte_size = end - begin;
    ref.file_offset = data_offset_ + begin;
    ref.file = &mapping_.path();
    auto [it, inserted] = tensors_.emplace(name, std::move(ref));
    if (!inserted) fail(path, "tensor '" + name + "' appears twice in the header");
    spans.push_back({begin, end, &it->first});
  }

  // The data area must be covered exactly: sorted spans touch end to begin, ending at the file end.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t cursor = 0;
  for (const auto& span : spans) {
    if (span.begin < cursor) {
      fail(path, "tensor '" + *span.name + "' (bytes " + std::to_string(span.begin) + ".." +
                     std::to_string(span.end) + " of the data area) overlaps the tensor before it, "
                     "which ends at " + std::to_string(cursor));
    }
    if (span.begin > cursor) {
      fail(path, "gap of " + std::to_string(span.begin - cursor) + " bytes before tensor '" +
                     *span.name + "' in the data area (expected tensors packed back to back)");
    }
    cursor = span.end;
  }
  if (cursor != data_size) {
    fail(path, "data area has " + std::to_string(data_size) + " bytes but the tensors cover " +
                   std::to_string(cursor) + " (trailing bytes after the last tensor)");
  }
}

std::vector<float> copy_to_f32(const TensorRef& tensor) {
  const auto count = static_cast<std::size_t>(tensor.byte_size / weight_dtype_size(tensor.dtype));
  std::vector<float> values(count);
  switch (tensor.dtype) {
    case WeightDType::kF32:
      if (count) std::memcpy(values.data(), tensor.data, count * sizeof(float));
      return values;
    case WeightDType::kF16:
    case WeightDType::kBF16:
      for (std::size_t i = 0; i < count; ++i) {
        std::uint16_t bits;
        std::memcpy(&bits, tensor.data + 2 * i, 2);
        values[i] = tensor.dtype == WeightDType::kF16 ? half_bits_to_float(bits)
                                                      : bfloat16_bits_to_float(bits);
      }
      return values;
    default:
      throw_input_error("tensor '" + tensor.name + "' has dtype " +
                        std::string(weight_dtype_name(tensor.dtype)) +
                        "; only F32, F16 and BF16 can be read as floats");
  }
}

}  // namespace vidscope::models
