// vidscope-make-random-checkpoint: a Hugging Face-layout Qwen2-VL / Qwen2.5-VL model folder with random
// bf16 weights at the real dimensions, for benchmarks (speed does not depend on weight values).
//   vidscope-make-random-checkpoint --out DIR [--model qwen2-vl-2b] [--shard-size GB | --single-file]
//                                   [--seed N] [--threads N] [--tokenizer FILE]
// Writes config.json, preprocessor_config.json, generation_config.json and the safetensors; with
// --tokenizer, a copy of that tokenizer.json too (the benchmarks work on token ids, but loading a real
// folder includes reading its tokenizer). DIR is created; existing weight files in it are replaced.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/error.h"
#include "base/thread_pool.h"
#include "checkpoint_preset.h"
#include "random_safetensors.h"

using namespace vidscope;

namespace {

struct Arguments {
  std::filesystem::path out;
  std::string model = "qwen2-vl-2b";
  bench::RandomWeightsOptions weights;
  unsigned threads = 0;
  std::filesystem::path tokenizer;  // empty: no tokenizer.json
};

void usage(std::FILE* to) {
  std::string models;
  for (const std::string& n : bench::checkpoint_preset_names()) models += (models.empty() ? "" : ", ") + n;
  std::fprintf(to,
               "usage: vidscope-make-random-checkpoint --out DIR [--model NAME] [--shard-size GB | --single-file]\n"
               "                                       [--seed N] [--threads N] [--tokenizer FILE]\n"
               "  --model       %s (default qwen2-vl-2b)\n"
               "  --shard-size  largest shard in GB (10^9 bytes), as the Hub shards (default 4)\n"
               "  --single-file one model.safetensors, no index\n"
               "  --tokenizer   copy this tokenizer.json into DIR (Qwen2-family vocabulary)\n",
               models.c_str());
}

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw_usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--out") a.out = value();
    else if (arg == "--model") a.model = value();
    else if (arg == "--shard-size") a.weights.shard_bytes = static_cast<std::uint64_t>(std::stod(value()) * 1e9);
    else if (arg == "--single-file") a.weights.shard_bytes = 0;
    else if (arg == "--seed") a.weights.seed = std::stoull(value());
    else if (arg == "--threads") a.threads = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--tokenizer") a.tokenizer = value();
    else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      std::exit(0);
    } else throw_usage_error("unknown option " + arg);
  }
  if (a.out.empty()) throw_usage_error("--out DIR is required");
  return a;
}

void write_json(const std::filesystem::path& path, const nlohmann::json& j) {
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out) throw_input_error(path.string() + ": write failed");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Arguments a = parse(argc, argv);
    const bench::CheckpointPreset preset = bench::checkpoint_preset(a.model);
    std::filesystem::create_directories(a.out);
    // A leftover index or shard set from another layout would be picked up by the loader.
    for (const auto& entry : std::filesystem::directory_iterator(a.out)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("model") && name.find(".safetensors") != std::string::npos) std::filesystem::remove(entry);
    }
    write_json(a.out / "config.json", bench::config_json(preset.dims));
    write_json(a.out / "preprocessor_config.json", bench::preprocessor_config_json());
    write_json(a.out / "generation_config.json", bench::generation_config_json());
    if (!a.tokenizer.empty()) {
      if (!std::filesystem::is_regular_file(a.tokenizer)) throw_input_error(a.tokenizer.string() + ": no such file");
      std::filesystem::copy_file(a.tokenizer, a.out / "tokenizer.json", std::filesystem::copy_options::overwrite_existing);
    }
    tensor::WorkerPool pool(a.threads != 0 ? a.threads : default_thread_count());
    const auto start = std::chrono::steady_clock::now();
    const bench::WrittenWeights w =
        bench::write_random_weights(a.out, memory::qwen2vl_tensors(preset.dims), a.weights, pool);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %zu file(s), %.2f GB of bf16 weights in %.1f s (%.2f GB/s) -> %s\n", preset.name.c_str(),
                w.files.size(), static_cast<double>(w.bytes) / 1e9, seconds, static_cast<double>(w.bytes) / 1e9 / seconds,
                a.out.string().c_str());
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "vidscope-make-random-checkpoint: %s\n", e.what());
    if (e.kind() == ErrorKind::kUsage) usage(stderr);
    return static_cast<int>(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vidscope-make-random-checkpoint: %s\n", e.what());
    return 1;
  }
}
