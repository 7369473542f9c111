// Tokenizer encode throughput on one thread over ~8 MB of generated English-like text, against the
// 5 MB/s target (prompts and transcripts must never make tokenization a visible cost).
// Usage: bench_tokenizer [path/to/tokenizer.json] [benchmark flags]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "models/tokenizer.h"

namespace {

constexpr double kTargetMegabytesPerSecond = 5.0;
constexpr std::size_t kTextBytes = 8u << 20;

// Sentences written for this benchmark; recombined by a fixed linear congruential generator so the text
// is varied (the BPE word cache does not see only a handful of words) yet identical on every run.
const std::vector<std::string> kSentences = {
    "The river ran low that autumn, and the ferryman counted fewer crossings each week.",
    "A camera on the north tower recorded 1,284 frames before the storm cut its power.",
    "She wrote the measurements twice, once in pencil and once in ink, to be sure.",
    "Nobody expected the old projector to start, yet it hummed and threw light on the wall.",
    "In the second scene a child walks across the square carrying a red umbrella.",
    "Prices rose by 3.5 percent in March; analysts had forecast something closer to 2.",
    "The committee's report (all 240 pages of it) arrived on a Tuesday afternoon.",
    "\"Is that the last reel?\" he asked, and the archivist nodded without looking up.",
    "Wind turbines turned slowly along the ridge while clouds gathered over the valley.",
    "Every subtitle had to be checked against the audio, line by line, by hand.",
    "They'd walked for hours before realizing the map was printed upside down.",
    "At 07:45 the first train left the station, twelve minutes behind schedule.",
};
const std::vector<std::string> kWords = {"quietly", "northern", "remarkable", "orchestra", "sandstone",
                                         "Whitfield", "telegraph", "meadow", "crystalline", "harbour"};

std::string generate_text(std::size_t bytes) {
  std::string text;
  text.reserve(bytes + 256);
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  const auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::size_t>(state >> 33);
  };
  while (text.size() < bytes) {
    text += kSentences[next() % kSentences.size()];
    if (next() % 3 == 0) text += " " + kWords[next() % kWords.size()] + std::to_string(next() % 1000) + ".";
    text += next() % 7 == 0 ? "\n\n" : " ";
  }
  return text;
}

// CPU time of this thread: on a shared, loaded machine wall time also counts other processes' turns.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

std::string g_tokenizer_path = VIDSCOPE_TEST_DATA_DIR "/tokenizer/tokenizer.json";

void BM_EncodeEnglish(benchmark::State& state) {
  const auto tokenizer = vidscope::models::Tokenizer::load(g_tokenizer_path);
  const std::string text = generate_text(kTextBytes);
  std::size_t tokens = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_seconds();
    const auto ids = tokenizer.encode(text);
    cpu_seconds += thread_cpu_seconds() - cpu_start;
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  const double megabytes = static_cast<double>(text.size()) * static_cast<double>(state.iterations()) / 1e6;
  const double megabytes_per_second = megabytes / seconds;
  const double megabytes_per_cpu_second = megabytes / cpu_seconds;
  state.SetBytesProcessed(static_cast<std::int64_t>(text.size()) * state.iterations());
  state.counters["MB/s"] = megabytes_per_second;
  state.counters["MB/s_cpu"] = megabytes_per_cpu_second;
  state.counters["vs_5MBps_target"] = megabytes_per_second / kTargetMegabytesPerSecond;
  state.counters["tokens"] = static_cast<double>(tokens);
  std::printf("encode: %.2f MB of text -> %zu tokens, %.2f MB/s wall (%.2fx the %.0f MB/s target), "
              "%.2f MB per CPU second (%.2fx)\n",
              static_cast<double>(text.size()) / 1e6, tokens, megabytes_per_second,
              megabytes_per_second / kTargetMegabytesPerSecond, kTargetMegabytesPerSecond, megabytes_per_cpu_second,
              megabytes_per_cpu_second / kTargetMegabytesPerSecond);
}
BENCHMARK(BM_EncodeEnglish)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] != '-') {
    g_tokenizer_path = argv[1];
    --argc;
    ++argv;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
