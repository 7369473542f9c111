#include "random_safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "tensor/half.h"

namespace vidscope::bench {

namespace {

constexpr float kWeightStd = 0.02f;
constexpr std::uint16_t kBf16One = 0x3f80;
// Elements per random stream and per parallel task; also the write unit is a few of these.
constexpr std::size_t kBlockElements = std::size_t{1} << 20;
constexpr std::size_t kWriteElements = 16 * kBlockElements;  // 32 MiB of bf16 per write

enum class Fill { kOnes, kZeros, kRandom };

Fill fill_of(const memory::TensorSpec& t) {
  const bool norm = t.name.find("norm") != std::string::npos || t.name.find("ln_q") != std::string::npos;
  if (!norm) return Fill::kRandom;
  return t.name.ends_with(".bias") ? Fill::kZeros : Fill::kOnes;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t hash_name(const std::string& name) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Irwin-Hall(4): the sum of four 16-bit uniforms has variance 4/12, so scaling by sqrt(3) * std gives
// the wanted standard deviation.
void fill_random(std::uint16_t* out, std::size_t n, std::uint64_t stream) {
  std::uint64_t s = splitmix64(stream) | 1;
  const float scale = std::sqrt(3.0f) * kWeightStd / 65536.0f;
  for (std::size_t i = 0; i < n; ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    const auto sum = static_cast<float>((s & 0xffff) + ((s >> 16) & 0xffff) + ((s >> 32) & 0xffff) + (s >> 48));
    out[i] = tensor::f32_to_bf16((sum - 2.0f * 65536.0f) * scale);
  }
}

class OutputFile {
 public:
  explicit OutputFile(const std::filesystem::path& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw_input_error(path.string() + ": cannot create: " + std::strerror(errno));
  }
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(const void* data, std::size_t bytes) {
    const auto* p = static_cast<const char*>(data);
    while (bytes > 0) {
      const ssize_t n = ::write(fd_, p, bytes);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw_input_error(path_.string() + ": write failed: " + std::strerror(errno));
      p += n;
      bytes -= static_cast<std::size_t>(n);
    }
  }
  void close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw_input_error(path_.string() + ": close failed: " + std::strerror(errno));
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

struct Shard {
  std::vector<const memory::TensorSpec*> tensors;
  std::uint64_t bytes = 0;
};

// Hugging Face's rule: a tensor starts a new shard when it would push the current one past the limit.
std::vector<Shard> assign_shards(const std::vector<memory::TensorSpec>& tensors, std::uint64_t shard_bytes) {
  std::vector<Shard> shards(1);
  for (const memory::TensorSpec& t : tensors) {
    const std::uint64_t bytes = t.element_count() * 2;
    if (shard_bytes != 0 && !shards.back().tensors.empty() && shards.back().bytes + bytes > shard_bytes) {
      shards.emplace_back();
    }
    shards.back().tensors.push_back(&t);
    shards.back().bytes += bytes;
  }
  return shards;
}

std::string header_text(const Shard& shard) {
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  for (const memory::TensorSpec* t : shard.tensors) {
    const std::uint64_t bytes = t->element_count() * 2;
    header[t->name] = {{"dtype", "BF16"}, {"shape", t->shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  header["__metadata__"] = {{"format", "pt"}};
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data area 8-byte aligned, as the reference writer pads
  return text;
}

void write_tensor(OutputFile& out, const memory::TensorSpec& t, std::uint64_t seed, std::vector<std::uint16_t>& buffer,
                  tensor::WorkerPool& pool) {
  const std::uint64_t count = t.element_count();
  const Fill fill = fill_of(t);
  const std::uint64_t stream = splitmix64(seed) ^ hash_name(t.name);
  for (std::uint64_t start = 0; start < count; start += kWriteElements) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kWriteElements, count - start));
    const std::size_t blocks = (n + kBlockElements - 1) / kBlockElements;
    pool.run(blocks, [&](std::size_t b) {
      const std::size_t begin = b * kBlockElements;
      const std::size_t len = std::min(kBlockElements, n - begin);
      std::uint16_t* dst = buffer.data() + begin;
      if (fill == Fill::kRandom) fill_random(dst, len, stream + (start + begin) / kBlockElements);
      else std::fill(dst, dst + len, fill == Fill::kOnes ? kBf16One : std::uint16_t{0});
    });
    out.write(buffer.data(), n * 2);
  }
}

void write_index(const std::filesystem::path& dir, const std::vector<Shard>& shards,
                 const std::vector<std::filesystem::path>& files, std::uint64_t total) {
  nlohmann::json weight_map = nlohmann::json::object();
  for (std::size_t i = 0; i < shards.size(); ++i) {
    for (const memory::TensorSpec* t : shards[i].tensors) weight_map[t->name] = files[i].filename().string();
  }
  const nlohmann::json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  std::ofstream out(dir / "model.safetensors.index.json");
  out << index.dump(2) << "\n";
  if (!out) throw_input_error((dir / "model.safetensors.index.json").string() + ": write failed");
}

}  // namespace

WrittenWeights write_random_weights(const std::filesystem::path& dir, const std::vector<memory::TensorSpec>& tensors,
                                    const RandomWeightsOptions& options, tensor::WorkerPool& pool) {
  const std::vector<Shard> shards = assign_shards(tensors, options.shard_bytes);
  WrittenWeights written;
  std::vector<std::uint16_t> buffer(kWriteElements);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const std::string name = shards.size() == 1
                                 ? std::string("model.safetensors")
                                 : fmt::format("model-{:05}-of-{:05}.safetensors", i + 1, shards.size());
    written.files.push_back(dir / name);
    OutputFile out(written.files.back());
    const std::string header = header_text(shards[i]);
    std::uint8_t length[8];
    for (int b = 0; b < 8; ++b) length[b] = static_cast<std::uint8_t>((header.size() >> (8 * b)) & 0xff);
    out.write(length, sizeof(length));
    out.write(header.data(), header.size());
    for (const memory::TensorSpec* t : shards[i].tensors) write_tensor(out, *t, options.seed, buffer, pool);
    out.close();
    written.bytes += shards[i].bytes;
  }
  if (shards.size() > 1) write_index(dir, shards, written.files, written.bytes);
  return written;
}

}  // namespace vidscope::bench
