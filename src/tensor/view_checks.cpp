#include "tensor/view_checks.h"

#include <algorithm>
#include <string>

#include "base/error.h"
#include "tensor/attention.h"
#include "tensor/weight_tiles.h"

namespace vidscope::tensor {

void fail_view_check(std::string_view op, std::string_view message) {
  throw_internal_error(std::string(op) + ": " + std::string(message));
}

void require_f32_rows(std::string_view op, std::string_view name, const TensorView& x) {
  if (x.dtype != DType::kF32) {
    fail_view_check(op, std::string(name) + " must be f32, got " + x.describe());
  }
  if (x.rank < 1) fail_view_check(op, std::string(name) + " has rank 0");
  if (x.elements() > 0 && x.data == nullptr) fail_view_check(op, std::string(name) + " has no data");
  if (x.rows() > 1 && (x.row_stride < x.dense_row_bytes() || x.row_stride % sizeof(float) != 0)) {
    fail_view_check(op, std::string(name) + " has a row stride that does not fit its rows: " + x.describe());
  }
}

void require_same_shape(std::string_view op, const TensorView& a, const TensorView& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    fail_view_check(op, "shapes differ: " + a.describe() + " vs " + b.describe());
  }
}

void check_unary_views(std::string_view op, const TensorView& x, const TensorView& y) {
  require_f32_rows(op, "x", x);
  require_f32_rows(op, "y", y);
  require_same_shape(op, x, y);
}

void check_vector_view(std::string_view op, std::string_view name, const TensorView& v, std::int64_t n) {
  require_f32_rows(op, name, v);
  if (v.elements() != n) fail_view_check(op, std::string(name) + " " + v.describe() + " needs " + std::to_string(n) + " elements");
}

void check_matmul_views(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& y) {
  constexpr std::string_view op = "matmul";
  require_f32_rows(op, "x", x);
  require_f32_rows(op, "y", y);
  if (w.rank < 1 || (w.elements() > 0 && w.data == nullptr)) fail_view_check(op, "W is empty: " + w.describe());
  if (w.cols() != x.cols()) fail_view_check(op, "W " + w.describe() + " does not match x " + x.describe());
  if (w.rows() > 1 && w.row_stride < w.dense_row_bytes()) fail_view_check(op, "W row stride too small: " + w.describe());
  if (is_tiled(w.dtype) && (!fits_tiles(w.dtype, w.rows(), w.cols()) || w.row_stride != w.dense_row_bytes())) {
    fail_view_check(op, "tiled W must be whole dense tiles of 16 rows: " + w.describe());
  }
  if (y.rows() != x.rows() || y.cols() != w.rows()) {
    fail_view_check(op, "y " + y.describe() + " is not [" + std::to_string(x.rows()) + ", " + std::to_string(w.rows()) + "]");
  }
  if (bias != nullptr) {
    require_f32_rows(op, "bias", *bias);
    if (bias->elements() != w.rows()) fail_view_check(op, "bias " + bias->describe() + " does not have N elements");
  }
}

void check_attention_views(const TensorView& q, const TensorView& k, const TensorView& v, const AttentionParams& p,
                     const TensorView& out) {
  constexpr std::string_view op = "attention";
  require_f32_rows(op, "q", q);
  require_f32_rows(op, "k", k);
  require_f32_rows(op, "v", v);
  require_f32_rows(op, "out", out);
  if (p.head_dim <= 0 || p.q_heads <= 0 || p.kv_heads <= 0 || p.q_heads % p.kv_heads != 0) {
    fail_view_check(op, "bad heads: q_heads " + std::to_string(p.q_heads) + ", kv_heads " + std::to_string(p.kv_heads) +
                            ", head_dim " + std::to_string(p.head_dim));
  }
  if (q.cols() < p.q_heads * p.head_dim || out.cols() < p.q_heads * p.head_dim || out.rows() != q.rows()) {
    fail_view_check(op, "q " + q.describe() + " / out " + out.describe() + " do not hold the query heads");
  }
  if (k.cols() < p.kv_heads * p.head_dim || v.cols() < p.kv_heads * p.head_dim || v.rows() != k.rows()) {
    fail_view_check(op, "k " + k.describe() + " / v " + v.describe() + " do not hold the kv heads");
  }
  if (p.query_position < 0 || (p.causal && p.query_position + q.rows() > k.rows())) {
    fail_view_check(op, "query_position " + std::to_string(p.query_position) + " + " + std::to_string(q.rows()) +
                            " queries exceeds " + std::to_string(k.rows()) + " keys");
  }
  if (!p.segment_bounds.empty()) {
    const auto& b = p.segment_bounds;
    if (q.rows() != k.rows() || p.query_position != 0 || b.front() != 0 || b.back() != k.rows() ||
        !std::is_sorted(b.begin(), b.end())) {
      fail_view_check(op, "segment_bounds must rise from 0 to the token count, with Tq == Tk");
    }
  }
}

}  // namespace vidscope::tensor
