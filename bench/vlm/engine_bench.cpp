// VLM engine benchmark on a real-size checkpoint (e.g. one written by vidscope-make-random-checkpoint):
// per precision, in a fresh child process each (peak RSS is per process, and only one model is in
// memory at a time), load time and memory, vision encode, prefill and decode speed, each set against
// a bound measured in the same child on the same threads (read bandwidth, GEMM FLOP/s).
//   vlm_engine_bench --model DIR [--precision bf16,int8,int4] [--threads 2] [--decode-steps 16] [--decode-rounds 3] [--batch 8]
//                    [--load-only | --decode-only] [--op-profile]
//   --decode-only: no vision or prefill (their KV is made up); --op-profile: one more decode round at batch
//   1 and N with every op timed, printed as a table per step.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "engine_run.h"
#include "tensor/cpu_features.h"

using namespace vidscope;

namespace {

// Targets of the engine's issue; printed beside the numbers, never asserted.
constexpr double kLoadPeakTarget = 1.1;       // peak RSS during load / resident after load
constexpr double kDecodeBoundTarget = 0.7;    // batch-1 decode / bandwidth bound
constexpr double kBatchSpeedupTarget = 5.0;   // batch-8 tokens/s / batch-1 tokens/s
constexpr double kGemmFractionTarget = 0.5;   // vision and prefill FLOP/s / GEMM FLOP/s

struct Arguments {
  std::string model_dir;
  std::vector<std::string> precisions = {"bf16", "int8", "int4"};
  bench::EngineRunOptions run;
};

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw_usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--model") a.model_dir = value();
    else if (arg == "--threads") a.run.threads = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--decode-steps") a.run.decode_steps = std::stoi(value());
    else if (arg == "--batch") a.run.batch = std::stoi(value());
    else if (arg == "--decode-rounds") a.run.decode_rounds = std::stoi(value());
    else if (arg == "--load-only") a.run.load_only = true;
    else if (arg == "--decode-only") a.run.decode_only = true;
    else if (arg == "--op-profile") a.run.op_profile = true;
    else if (arg == "--precision") {
      a.precisions.clear();
      std::stringstream list(value());
      for (std::string p; std::getline(list, p, ',');) a.precisions.push_back(p);
    } else throw_usage_error("unknown option " + arg);
  }
  if (a.model_dir.empty()) throw_usage_error("--model DIR is required");
  if (a.run.threads == 0 || a.run.decode_steps < 1 || a.run.decode_rounds < 1 || a.run.batch < 2) {
    throw_usage_error("--threads, --decode-steps and --decode-rounds must be >= 1, --batch >= 2");
  }
  for (const std::string& p : a.precisions) vlm::parse_weight_precision(p);  // fail before any child starts
  return a;
}

// Runs one precision in a child process; nullopt-like `ok == false` when it failed (its message is on
// stderr already).
struct ChildResult {
  bool ok = false;
  bench::EngineNumbers numbers;
};

ChildResult run_in_child(const Arguments& a, const std::string& precision) {
  int fds[2];
  if (::pipe(fds) != 0) throw_internal_error("pipe failed");
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid < 0) throw_internal_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    int code = 0;
    try {
      const bench::EngineNumbers n = bench::run_engine(a.model_dir, vlm::parse_weight_precision(precision), a.run);
      if (::write(fds[1], &n, sizeof(n)) != static_cast<ssize_t>(sizeof(n))) code = 5;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", precision.c_str(), e.what());
      code = 3;
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildResult r;
  std::size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&r.numbers);
  while (got < sizeof(r.numbers)) {
    const ssize_t n = ::read(fds[0], bytes + got, sizeof(r.numbers) - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.ok = got == sizeof(r.numbers) && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return r;
}

double gb(double bytes) { return bytes / 1e9; }
double gib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024 * 1024); }
const char* verdict(bool met) { return met ? "met" : "MISSED"; }

void print_row(const std::string& precision, const bench::EngineNumbers& n, int batch, bool load_only) {
  const double resident_load = static_cast<double>(n.load_rss_anon + n.load_rss_file);
  const double peak_ratio = static_cast<double>(n.peak_load_rss) / resident_load;
  const double vision_frac = n.vision_flops / n.vision_s / n.gemm_flops;
  const double prefill_tps = static_cast<double>(n.prefill_tokens) / n.prefill_s;
  const double prefill_frac = n.prefill_flops / n.prefill_s / n.gemm_flops;
  const double d1 = 1.0 / n.decode1_s_per_step;
  const double d8 = batch / n.decode8_s_per_step;
  const double bound = n.read_bandwidth / n.decode_weight_bytes;
  std::printf("\n== %s ==\n", precision.c_str());
  std::printf("  load            %6.1f s (CPU %.1f s); owned weight buffers %.2f GiB; first touch of all weights %.1f s\n",
              n.load_s, n.load_cpu_s, gib(n.owned_weight_bytes), n.touch_s);
  std::printf("  RSS after load  %.2f GiB (anon %.2f, file %.2f); peak during load %.2f GiB (sampled peaks: anon %.2f, "
              "file %.2f)\n",
              gib(n.load_rss_anon + n.load_rss_file), gib(n.load_rss_anon), gib(n.load_rss_file), gib(n.peak_load_rss),
              gib(n.peak_load_anon), gib(n.peak_load_file));
  std::printf("  load peak / resident after load: %.2f (target <= %.1f: %s)\n", peak_ratio, kLoadPeakTarget,
              verdict(peak_ratio <= kLoadPeakTarget));
  if (load_only) return;
  std::printf("  RSS after run   %.2f GiB (anon %.2f, file %.2f)\n", gib(n.run_rss_anon + n.run_rss_file),
              gib(n.run_rss_anon), gib(n.run_rss_file));
  if (n.vision_s == 0) {
    std::printf("  vision encode and prefill skipped (--decode-only)\n");
  } else {
    std::printf("  vision encode   %6.2f s for 2x24x24 (1152 patches), %.1f GFLOP/s = %.2f of GEMM peak (target >= %.1f: %s)\n",
                n.vision_s, n.vision_flops / n.vision_s / 1e9, vision_frac, kGemmFractionTarget,
                verdict(vision_frac >= kGemmFractionTarget));
    std::printf("  prefill         %6.1f tok/s (%lld tokens, %.2f s), %.1f GFLOP/s = %.2f of GEMM peak (target >= %.1f: %s)\n",
                prefill_tps, static_cast<long long>(n.prefill_tokens), n.prefill_s, n.prefill_flops / n.prefill_s / 1e9,
                prefill_frac, kGemmFractionTarget, verdict(prefill_frac >= kGemmFractionTarget));
  }
  std::printf("  decode batch 1  %6.2f tok/s; reads %.2f GB/token; bound %.2f tok/s at %.1f GB/s -> %.2f of bound "
              "(target >= %.1f: %s)\n",
              d1, gb(n.decode_weight_bytes), bound, gb(n.read_bandwidth), d1 / bound, kDecodeBoundTarget,
              verdict(d1 / bound >= kDecodeBoundTarget));
  std::printf("  decode batch %d  %6.2f tok/s = %.2fx batch 1 (target >= %.1fx: %s)\n", batch, d8, d8 / d1,
              kBatchSpeedupTarget, verdict(d8 / d1 >= kBatchSpeedupTarget));
  std::printf("  bounds          read bandwidth %.1f GB/s, f32 GEMM %.1f GFLOP/s (same %s)\n", gb(n.read_bandwidth),
              n.gemm_flops / 1e9, "threads");
}

void print_summary(const std::vector<std::pair<std::string, bench::EngineNumbers>>& rows, int batch) {
  std::printf("\nsummary (GiB; tok/s; fractions of the bounds measured in the same process)\n");
  std::printf("%-6s %7s %9s %10s %10s %6s %8s %8s %9s %7s %9s %7s %9s %6s\n", "prec", "load_s", "peak_GiB",
              "res_anon", "res_file", "peak/r", "vision_s", "vis_frc", "prefill/s", "pf_frc", "decode1/s", "d1_frc",
              "decodeN/s", "N/1");
  for (const auto& [name, n] : rows) {
    const double d1 = 1.0 / n.decode1_s_per_step;
    const double d8 = batch / n.decode8_s_per_step;
    std::printf("%-6s %7.1f %9.2f %10.2f %10.2f %6.2f %8.2f %8.2f %9.1f %7.2f %9.2f %7.2f %9.2f %6.2f\n", name.c_str(),
                n.load_s, gib(n.peak_load_rss), gib(n.load_rss_anon), gib(n.load_rss_file),
                static_cast<double>(n.peak_load_rss) / static_cast<double>(n.load_rss_anon + n.load_rss_file),
                n.vision_s, n.vision_flops / n.vision_s / n.gemm_flops,
                static_cast<double>(n.prefill_tokens) / n.prefill_s, n.prefill_flops / n.prefill_s / n.gemm_flops, d1,
                d1 * n.decode_weight_bytes / n.read_bandwidth, d8, d8 / d1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Arguments a = parse(argc, argv);
    const tensor::CpuFeatures& f = tensor::cpu_features();
    std::printf("model %s, %u threads, decode %d rounds of %d steps (median round), batch %d; cpu avx2 %d avx512f %d "
                "avx512_vnni %d avx512_bf16 %d\n",
                a.model_dir.c_str(), a.run.threads, a.run.decode_rounds, a.run.decode_steps, a.run.batch, f.avx2, f.avx512f, f.avx512_vnni,
                f.avx512_bf16);
    std::vector<std::pair<std::string, bench::EngineNumbers>> rows;
    for (const std::string& p : a.precisions) {
      const ChildResult r = run_in_child(a, p);
      if (!r.ok) {
        std::printf("\n== %s == failed (see stderr)\n", p.c_str());
        continue;
      }
      print_row(p, r.numbers, a.run.batch, a.run.load_only);
      rows.emplace_back(p, r.numbers);
    }
    if (!a.run.load_only) print_summary(rows, a.run.batch);
    return rows.size() == a.precisions.size() ? 0 : 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "vlm_engine_bench: %s\n", e.what());
    return static_cast<int>(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vlm_engine_bench: %s\n", e.what());
    return 1;
  }
}
