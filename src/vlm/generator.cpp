#include "vlm/generator.h"

#include <algorithm>
#include <array>
#include <string>

#include "base/error.h"
#include "vlm/probe_summary.h"

namespace vidscope::vlm {

namespace {

constexpr std::string_view kOwner = "vlm generator";

std::int64_t count_of(std::span<const std::int32_t> ids, std::int32_t id) {
  return std::count(ids.begin(), ids.end(), id);
}

void check_prompt(const PreparedPrompt& p, std::int32_t image_pad, std::int32_t video_pad) {
  if (p.ids.empty()) throw_input_error("cannot generate from an empty prompt");
  for (const auto& axis : p.positions.thw) {
    if (axis.size() != p.ids.size()) {
      throw_input_error("prompt position ids (" + std::to_string(axis.size()) + ") do not match its " +
                        std::to_string(p.ids.size()) + " tokens");
    }
  }
  const std::int64_t images = count_of(p.ids, image_pad);
  const std::int64_t videos = count_of(p.ids, video_pad);
  const std::int64_t image_rows = p.image_embeddings != nullptr ? p.image_embeddings->rows() : 0;
  const std::int64_t video_rows = p.video_embeddings != nullptr ? p.video_embeddings->rows() : 0;
  if (images != image_rows || videos != video_rows) {
    throw_input_error("prompt has " + std::to_string(images) + " image and " + std::to_string(videos) +
                      " video pad tokens but " + std::to_string(image_rows) + " and " + std::to_string(video_rows) +
                      " vision embeddings");
  }
}

}  // namespace

Generator::Generator(const LanguageModel& model, std::int32_t image_pad_id, std::int32_t video_pad_id)
    : model_(model), image_pad_id_(image_pad_id), video_pad_id_(video_pad_id) {}

std::vector<float> Generator::prefill(const PreparedPrompt& prompt, KvCache& cache, std::int64_t slot,
                                      std::int64_t chunk_tokens) const {
  return std::move(prefill_packed(std::span<const PreparedPrompt>(&prompt, 1), std::span<const std::int64_t>(&slot, 1),
                                  cache, chunk_tokens)
                       .front());
}

std::vector<std::vector<float>> Generator::prefill_packed(std::span<const PreparedPrompt> prompts,
                                                          std::span<const std::int64_t> slots, KvCache& cache,
                                                          std::int64_t chunk_tokens) const {
  if (slots.size() != prompts.size()) throw_internal_error("prefill_packed: one slot per prompt");
  for (const auto& p : prompts) check_prompt(p, image_pad_id_, video_pad_id_);
  const std::int64_t chunk = std::max<std::int64_t>(1, chunk_tokens);
  const auto width = static_cast<std::size_t>(model_.hidden_size());
  const auto length = [&](std::size_t i) { return static_cast<std::int64_t>(prompts[i].ids.size()); };
  std::vector<std::vector<float>> logits(prompts.size());
  std::vector<std::int64_t> next_image(prompts.size(), 0), next_video(prompts.size(), 0);
  // Tokens [first, first + count) of a prompt, at rows [row, row + count) of a pass.
  struct Piece {
    std::size_t prompt;
    std::int64_t first, count, row;
  };
  std::size_t current = 0;
  std::int64_t done = 0;  // tokens of prompts[current] already prefilled
  while (current < prompts.size()) {
    std::vector<Piece> pieces;
    std::int64_t rows = 0;
    while (rows < chunk && current < prompts.size()) {
      const std::int64_t take = std::min(chunk - rows, length(current) - done);
      pieces.push_back({current, done, take, rows});
      rows += take;
      done += take;
      if (done == length(current)) {
        ++current;
        done = 0;
      }
    }
    // Token embeddings are looked up on the host and written in one transfer; then each run of pad
    // tokens takes its vision rows (copied on the model's backend, or written from the host when the
    // vision rows live there).
    std::vector<float> embedded(static_cast<std::size_t>(rows) * width);
    std::array<std::vector<std::int32_t>, 3> thw;
    for (auto& axis : thw) axis.reserve(static_cast<std::size_t>(rows));
    for (const Piece& piece : pieces) {
      const PreparedPrompt& p = prompts[piece.prompt];
      const auto begin = static_cast<std::size_t>(piece.first), end = static_cast<std::size_t>(piece.first + piece.count);
      model_.embed_host(std::span<const std::int32_t>(p.ids.data() + begin, end - begin),
                        embedded.data() + static_cast<std::size_t>(piece.row) * width);
      for (std::size_t axis = 0; axis < 3; ++axis) {
        thw[axis].insert(thw[axis].end(), p.positions.thw[axis].begin() + static_cast<std::ptrdiff_t>(begin),
                         p.positions.thw[axis].begin() + static_cast<std::ptrdiff_t>(end));
      }
    }
    Activation x(model_.input_backend(), rows, model_.hidden_size(), kOwner);
    x.write_rows(0, rows, embedded.data());
    std::vector<TokenSpan> spans;
    for (const Piece& piece : pieces) {
      const PreparedPrompt& p = prompts[piece.prompt];
      for (std::int64_t i = 0; i < piece.count;) {
        const std::int32_t id = p.ids[static_cast<std::size_t>(piece.first + i)];
        const Activation* source = id == image_pad_id_ ? p.image_embeddings : id == video_pad_id_ ? p.video_embeddings : nullptr;
        std::int64_t run = 1;
        while (i + run < piece.count && p.ids[static_cast<std::size_t>(piece.first + i + run)] == id) ++run;
        if (source != nullptr) {
          std::int64_t& next = id == image_pad_id_ ? next_image[piece.prompt] : next_video[piece.prompt];
          copy_rows(*source, next, x, piece.row + i, run);
          next += run;
        }
        i += run;
      }
      spans.push_back({slots[piece.prompt], piece.row, piece.count});
    }
    model_.forward(x, model_.rotary(thw[0], thw[1], thw[2]), spans, cache);
    // The logits of every prompt that ends in this pass, in one lm_head matmul.
    std::vector<std::int64_t> last_rows;
    std::vector<std::size_t> ended;
    for (const Piece& piece : pieces) {
      if (piece.first + piece.count != length(piece.prompt)) continue;
      last_rows.push_back(piece.row + piece.count - 1);
      ended.push_back(piece.prompt);
    }
    if (last_rows.empty()) continue;
    const Activation out = model_.logits(x, last_rows);
    std::vector<float> storage;
    const float* host = out.host_rows(storage);
    const auto vocab = static_cast<std::size_t>(model_.vocab_size());
    for (std::size_t k = 0; k < ended.size(); ++k) logits[ended[k]].assign(host + k * vocab, host + (k + 1) * vocab);
  }
  return logits;
}

Activation Generator::decode_step(std::span<const std::int32_t> ids, std::span<const std::int64_t> slots,
                                  std::span<const std::int64_t> rope_deltas, KvCache& cache) const {
  const auto batch = static_cast<std::int64_t>(ids.size());
  Activation x(model_.input_backend(), batch, model_.hidden_size(), kOwner);
  model_.embed(ids, x);
  std::vector<std::int32_t> pos(static_cast<std::size_t>(batch));
  std::vector<TokenSpan> spans(static_cast<std::size_t>(batch));
  for (std::int64_t i = 0; i < batch; ++i) {
    const auto u = static_cast<std::size_t>(i);
    pos[u] = static_cast<std::int32_t>(decode_position(cache.length(slots[u]), rope_deltas[u]));
    spans[u] = {slots[u], i, 1};
  }
  const RotaryTable rot = model_.rotary(pos, pos, pos);
  model_.forward(x, rot, spans, cache);
  std::vector<std::int64_t> rows(static_cast<std::size_t>(batch));
  for (std::int64_t i = 0; i < batch; ++i) rows[static_cast<std::size_t>(i)] = i;
  return model_.logits(x, rows);
}

std::vector<GenerationResult> Generator::generate(std::span<const PreparedPrompt> prompts,
                                                  const GenerationOptions& options, const TokenCallback& on_token) const {
  std::vector<GenerationResult> results(prompts.size());
  if (prompts.empty()) return results;
  std::int64_t longest = 0;
  for (const auto& p : prompts) {
    check_prompt(p, image_pad_id_, video_pad_id_);
    longest = std::max<std::int64_t>(longest, static_cast<std::int64_t>(p.ids.size()));
  }
  const std::int64_t max_new = std::max<std::int64_t>(0, options.max_new_tokens);
  KvCache cache = model_.make_cache(static_cast<std::int64_t>(prompts.size()), longest + std::max<std::int64_t>(1, max_new));

  std::vector<Sampler> samplers;
  std::vector<std::vector<std::int32_t>> history(prompts.size());
  std::vector<bool> active(prompts.size(), max_new > 0);
  const auto is_eos = [&](std::int32_t id) {
    return std::find(options.eos_ids.begin(), options.eos_ids.end(), id) != options.eos_ids.end();
  };
  const auto accept = [&](std::size_t i, std::int32_t id) {
    results[i].ids.push_back(id);
    history[i].push_back(id);
    if (on_token) on_token(i, id);
    if (is_eos(id)) {
      results[i].stopped_at_eos = true;
      active[i] = false;
    } else if (static_cast<std::int64_t>(results[i].ids.size()) >= max_new) {
      active[i] = false;
    }
  };
  std::vector<std::int64_t> slots(prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) slots[i] = static_cast<std::int64_t>(i);
  std::vector<std::vector<float>> first_logits = prefill_packed(prompts, slots, cache, options.prefill_chunk_tokens);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    SamplingParams sp = options.sampling;
    sp.seed += i;
    samplers.emplace_back(sp);
    history[i] = prompts[i].ids;
    results[i].first_logits = std::move(first_logits[i]);
    if (!active[i]) continue;
    std::vector<float> logits = results[i].first_logits;
    if (options.record_margins) results[i].top2_margins.push_back(top2_margin(logits));
    accept(i, samplers[i].sample(logits, history[i]));
  }
  std::vector<float> host_logits;  // decode logits of a device backend, downloaded
  // Greedy decoding picks on the logits' backend (only the ids reach the host; on a GPU the rows of
  // a batch of 15 are 9 MB per step). The margins need the rows on the host, and so does sampling.
  const bool pick_on_backend = options.sampling.is_greedy() && !options.record_margins;
  const float penalty = options.sampling.penalty();
  std::vector<std::span<const std::int32_t>> penalized;
  std::vector<std::int32_t> picked;
  while (true) {
    std::vector<std::int32_t> ids;
    std::vector<std::int64_t> slots, deltas;
    for (std::size_t i = 0; i < prompts.size(); ++i) {
      if (!active[i]) continue;
      ids.push_back(history[i].back());
      slots.push_back(static_cast<std::int64_t>(i));
      deltas.push_back(prompts[i].positions.rope_delta);
    }
    if (ids.empty()) break;
    const Activation logits = decode_step(ids, slots, deltas, cache);
    if (pick_on_backend) {
      penalized.clear();
      if (penalty != 1.0f) {
        for (const std::int64_t slot : slots) penalized.emplace_back(history[static_cast<std::size_t>(slot)]);
      }
      picked.resize(ids.size());
      logits.owner_backend()->greedy_tokens(logits.view(), penalized, penalty, picked);
      for (std::size_t b = 0; b < ids.size(); ++b) accept(static_cast<std::size_t>(slots[b]), picked[b]);
      continue;
    }
    float* host = logits.host_rows(host_logits);
    for (std::size_t b = 0; b < ids.size(); ++b) {
      const auto i = static_cast<std::size_t>(slots[b]);
      const auto vocab = static_cast<std::size_t>(model_.vocab_size());
      std::span<float> row(host + b * vocab, vocab);
      if (options.record_margins) results[i].top2_margins.push_back(top2_margin(row));
      accept(i, samplers[i].sample(row, history[i]));
    }
  }
  return results;
}

}  // namespace vidscope::vlm
