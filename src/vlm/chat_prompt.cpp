#include "vlm/chat_prompt.h"

#include <string>

#include "base/error.h"

namespace vidscope::vlm {
namespace {

void append_text(std::vector<PromptPiece>& out, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty() && out.back().kind == PromptPiece::Kind::kText) {
    out.back().text.append(text);
    return;
  }
  out.push_back({PromptPiece::Kind::kText, std::string(text), 0, 0});
}

void append_token(std::vector<PromptPiece>& out, std::int32_t id) {
  out.push_back({PromptPiece::Kind::kToken, {}, id, 0});
}

}  // namespace

void append_vision_block(std::vector<PromptPiece>& out, const ContentItem& item, const SpecialTokenIds& ids,
                         int merge_size) {
  const GridThw& g = item.grid;
  if (merge_size <= 0 || g.t <= 0 || g.h <= 0 || g.w <= 0 || g.h % merge_size != 0 || g.w % merge_size != 0) {
    throw_input_error("prompt: vision grid " + std::to_string(g.t) + "x" + std::to_string(g.h) + "x" +
                      std::to_string(g.w) + " is empty or not a multiple of the merge size " +
                      std::to_string(merge_size));
  }
  const std::int32_t pad = item.kind == ContentItem::Kind::kImage ? ids.image_pad : ids.video_pad;
  append_token(out, ids.vision_start);
  out.push_back({PromptPiece::Kind::kPadRun, {}, pad, g.token_count(merge_size)});
  append_token(out, ids.vision_end);
}

std::vector<PromptPiece> build_chat_prompt(const std::vector<ContentItem>& user_content, const SpecialTokenIds& ids,
                                           int merge_size, std::string_view system_prompt) {
  std::vector<PromptPiece> out;
  append_token(out, ids.im_start);
  append_text(out, "system\n");
  append_text(out, system_prompt);
  append_token(out, ids.im_end);
  append_text(out, "\n");
  append_token(out, ids.im_start);
  append_text(out, "user\n");
  for (const ContentItem& item : user_content) {
    if (item.kind == ContentItem::Kind::kText) {
      append_text(out, item.text);
    } else {
      append_vision_block(out, item, ids, merge_size);
    }
  }
  append_token(out, ids.im_end);
  append_text(out, "\n");
  append_token(out, ids.im_start);
  append_text(out, "assistant\n");
  return out;
}

std::vector<std::int32_t> flatten_prompt(const std::vector<PromptPiece>& pieces, const TextTokenizer& tokenize) {
  std::vector<std::int32_t> ids;
  for (const PromptPiece& p : pieces) {
    switch (p.kind) {
      case PromptPiece::Kind::kText: {
        const std::vector<std::int32_t> t = tokenize(p.text);
        ids.insert(ids.end(), t.begin(), t.end());
        break;
      }
      case PromptPiece::Kind::kToken:
        ids.push_back(p.token);
        break;
      case PromptPiece::Kind::kPadRun:
        ids.insert(ids.end(), static_cast<size_t>(p.count), p.token);
        break;
    }
  }
  return ids;
}

std::string describe_prompt(const std::vector<PromptPiece>& pieces) {
  std::string s;
  for (const PromptPiece& p : pieces) {
    switch (p.kind) {
      case PromptPiece::Kind::kText:
        s += p.text;
        break;
      // Appended piece by piece: `"<" + std::string` trips a GCC 12 -Wrestrict false positive at -O3.
      case PromptPiece::Kind::kToken:
        s += '<';
        s += std::to_string(p.token);
        s += '>';
        break;
      case PromptPiece::Kind::kPadRun:
        s += '<';
        s += std::to_string(p.token);
        s += " x";
        s += std::to_string(p.count);
        s += '>';
        break;
    }
  }
  return s;
}

}  // namespace vidscope::vlm
