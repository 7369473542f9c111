// The profiling wrapper: it forwards every call (same results, same buffers and ledger entries),
// records ops only while enabled, and labels matmuls by weight type and row count.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "backend/op_profile.h"
#include "memory/ledger.h"
#include "tensor/quantize.h"
#include "tensor/test_support.h"

namespace vidscope::backend {
namespace {

using tensor::testing::random_values;

const OpProfile::Entry* find(const std::vector<OpProfile::Entry>& entries, const std::string& label) {
  for (const auto& e : entries) {
    if (e.label == label) return &e;
  }
  return nullptr;
}

TEST(OpProfile, ForwardsEveryCallAndTimesOpsOnlyWhileEnabled) {
  memory::MemoryLedger ledger;
  OpProfile profile;
  auto plain = make_cpu_backend({.threads = 1});
  auto wrapped = make_profiling_backend(make_cpu_backend({.threads = 1, .ledger = &ledger}), profile);
  EXPECT_EQ(wrapped->name(), plain->name());
  EXPECT_EQ(wrapped->device(), "cpu");
  EXPECT_TRUE(wrapped->is_host());

  const std::int64_t rows = 3, k = 64, n = 10;
  const auto x_values = random_values(rows * k, 1, 1.0f);
  const auto w_values = random_values(n * k, 2, 0.1f);
  std::vector<std::uint8_t> w_q8(tensor::row_bytes(tensor::DType::kQ8, k) * n);
  tensor::convert_rows(tensor::DType::kF32, w_values.data(), k * 4, n, k, tensor::DType::kQ8, w_q8.data());
  const TensorView w = TensorView::dense(w_q8.data(), tensor::DType::kQ8, {n, k});

  const auto run = [&](Backend& be) {
    auto x = be.allocate(rows * k * 4, "op_profile_test", memory::Purpose::kActivations);
    auto y = be.allocate(rows * n * 4, "op_profile_test", memory::Purpose::kActivations);
    be.upload(x_values.data(), rows * k * 4, *x, 0);
    const TensorView xv = x->view(tensor::DType::kF32, {rows, k}), yv = y->view(tensor::DType::kF32, {rows, n});
    be.matmul(xv, w, nullptr, yv);
    be.unary(UnaryOp::kSilu, yv, yv);
    be.matmul(xv, w, nullptr, yv);
    std::vector<float> out(static_cast<std::size_t>(rows * n));
    be.download(*y, 0, out.size() * 4, out.data());
    return out;
  };

  const std::vector<float> expected = run(*plain);
  EXPECT_EQ(run(*wrapped), expected) << "disabled: a plain forwarder";
  EXPECT_TRUE(profile.entries().empty());
  EXPECT_GT(ledger.peak_total(), 0u) << "buffers are the inner backend's, in its ledger";
  EXPECT_EQ(ledger.total(), 0u);

  profile.enabled = true;
  profile.synchronize_each = true;
  EXPECT_EQ(run(*wrapped), expected) << "enabled: the same results";
  const auto entries = profile.entries();
  ASSERT_NE(find(entries, "matmul q8 x3"), nullptr);
  EXPECT_EQ(find(entries, "matmul q8 x3")->calls, 2);
  ASSERT_NE(find(entries, "silu"), nullptr);
  EXPECT_EQ(find(entries, "silu")->calls, 1);
  EXPECT_EQ(find(entries, "upload")->calls, 1);
  EXPECT_EQ(find(entries, "download")->calls, 1);
  EXPECT_EQ(entries.size(), 4u);
  for (std::size_t i = 1; i < entries.size(); ++i) EXPECT_GE(entries[i - 1].ms, entries[i].ms) << "largest first";
  double sum = 0;
  for (const auto& e : entries) sum += e.ms;
  EXPECT_DOUBLE_EQ(profile.total_ms(), sum);

  const std::string table = profile.table(2.0);
  EXPECT_NE(table.find("matmul q8 x3"), std::string::npos);
  EXPECT_NE(table.find("      1.0 "), std::string::npos) << "calls per step: 2 matmuls over 2 steps\n" << table;
  profile.reset();
  EXPECT_TRUE(profile.entries().empty());
  EXPECT_EQ(profile.total_ms(), 0.0);
}

TEST(OpProfile, BatchedAndFusedOpsCountOnceUnderTheirOwnLabel) {
  OpProfile profile;
  profile.enabled = true;
  auto be = make_profiling_backend(make_cpu_backend({.threads = 1}), profile);
  const std::int64_t rows = 20, cols = 8;
  auto a = be->allocate(rows * cols * 4, "op_profile_test", memory::Purpose::kActivations);
  auto b = be->allocate(rows * cols * 4, "op_profile_test", memory::Purpose::kActivations);
  auto w = be->allocate(cols * 4, "op_profile_test", memory::Purpose::kActivations);
  const TensorView av = a->view(tensor::DType::kF32, {rows, cols}), bv = b->view(tensor::DType::kF32, {rows, cols});
  const CopyCall calls[] = {{av, bv}, {bv, av}};
  be->copy_batch(calls);
  be->add_rms_norm(av, bv, w->view(tensor::DType::kF32, {1, cols}), 1e-6f, bv);
  const auto entries = profile.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(find(entries, "copy_batch")->calls, 1);
  EXPECT_EQ(find(entries, "add_rms_norm")->calls, 1);
  EXPECT_EQ(find(entries, "copy"), nullptr) << "the inner backend's own calls are not re-counted";

  profile.reset();
  auto x = be->allocate(rows * cols * 4, "op_profile_test", memory::Purpose::kActivations);
  auto y = be->allocate(rows * 5 * 4, "op_profile_test", memory::Purpose::kActivations);
  std::vector<float> weights(5 * cols, 0.5f);
  be->matmul(x->view(tensor::DType::kF32, {rows, cols}), TensorView::dense(weights.data(), tensor::DType::kF32, {5, cols}),
             nullptr, y->view(tensor::DType::kF32, {rows, 5}));
  ASSERT_EQ(profile.entries().size(), 1u);
  EXPECT_EQ(profile.entries()[0].label, "matmul f32 x>16") << "prefill-sized row counts share one label";
}

}  // namespace
}  // namespace vidscope::backend
