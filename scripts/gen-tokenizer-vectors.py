#!/usr/bin/env python3
"""Writes tests/data/tokenizer/extra_vectors.json: hard strings and the ids that Hugging Face
`tokenizers` gives them with tests/data/tokenizer/tokenizer.json (add_special_tokens=False).

Development-time only; the build and the tests never run this. Pinned reference version:
    pip install tokenizers==0.21.1
Run from the repository root:  python3 scripts/gen-tokenizer-vectors.py
"""
import json
import pathlib
import random
import sys

PINNED_VERSION = "0.21.1"

# Strings chosen to stress the pre-tokenizer regex, NFC, added tokens and byte-level BPE.
HARD_STRINGS = [
    "",
    " ",
    "\u00a0non-breaking\u00a0spaces\u2003and em\u2003spaces",
    "tabs\t\tand\u000bvertical\u000cfeeds\r\n\r\nCRLF",
    "I'M SURE THEY'LL SAY IT'S FINE, DON'T YOU THINK? we'Ve 'tis",
    "e\u0301cole cafe\u0301 n\u0303 A\u030a (decomposed accents, NFC composes them)",
    "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u036b\u0357\u0334\u0362\u0335\u031c\u0330\u0354L\u0368\u0367\u0369\u0358\u0320G\u0311\u0357\u030e\u0305\u035b\u0341\u0334\u033b\u0348\u034d\u0354\u0339O\u0342\u030c\u030c\u0358\u0328\u0335\u0339\u033b\u031d\u0333",
    "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 family, \U0001F3F3\ufe0f\u200d\U0001F308 flag, \u2764\ufe0f heart, 1\ufe0f\u20e3 keycap",
    "\U0001F1EF\U0001F1F5\U0001F1FA\U0001F1F8 flags \U0001F44B\U0001F3FF skin tone",
    "mathematical \U0001D400\U0001D401\U0001D402 and \u2460\u2461\u2462 circled, \u00bd \u2153 fractions, \u0663\u0664\u0665 Arabic-Indic digits",
    "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22 \u0939\u093f\u0928\u094d\u0926\u0940 \u05e2\u05d1\u05e8\u05d9\u05ea \u10e5\u10d0\u10e0\u10d7\u10e3\u10da\u10d8",
    "\u6f22\u5b57\u3068\u304b\u306a\u3001\ud55c\uad6d\uc5b4\uc640 \u4e2d\u6587\uff08\u5168\u89d2\uff09\u6807\u70b9\uff01\uff1f",
    "def f(x):\n    return {'a': [1, 2, 3], \"b\": x ** 2}  # comment\n\n\n    \n",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n<|vision_start|><|video_pad|><|vision_end|>What happens?<|im_end|>\n<|im_start|>model\n",
    "text<|im_end|>glued<|endoftext|><|endoftext|> <|box_start|>(10,20),(30,40)<|box_end|>",
    "<|im_start <|im_start|| <|unknown|> <think>reasoning</think> <tool_call>",
    "https://example.com/path?q=1&r=%20x#frag user@example.org 192.168.0.1:8080",
    "    indented\n\t\tmixed \t tabs   \n   trailing   ",
    "a" * 300 + " " + "\U0001F600" * 40,
    "1234567890" * 10,
    "$$$ !!! ??? ... --- ___ *** ### @@@ ~~~ ``` '''",
    "\u200b\u200c\u200d\u2060\ufeff zero-width characters",
    "Ελληνικά Русский язык Українська Tiếng Việt Türkçe Português",
    "ﬁ ﬂ ligatures and ｆｕｌｌｗｉｄｔｈ ｌｅｔｔｅｒｓ",
]


# Random mixtures of these fragments (fixed seed) probe the interactions between regex branches,
# whitespace kinds, added tokens and normalization that hand-written strings miss.
FRAGMENTS = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u0085", "\u000b", "'s", "'LL", "'re",
             "\u2019s", "a", "Hello", "world", "\u00c4\u00d6\u00dc", "\u00e9", "e\u0301", "\u4e2d\u6587",
             "\u65e5\u672c\u8a9e", "\ud55c\uad6d\uc5b4", "\u0420\u0443\u0441", "\u0639\u0631\u0628\u0649",
             "\u0939\u093f\u0928\u094d", "\u0e44\u0e17\u0e22", "123", "4.5", "\u00bd", "\u2460", "\u0663",
             "\U0001F3AC", "\U0001FAE0", "\U0001F44D\U0001F3FD", "\u200d", "\ufe0f", "!!", "...", "\u2014",
             "\u00ab\u00bb", "$", "_", "<|im_start|>", "<|im_end|>", "<|image_pad|>", "<think>", "<|im_start", "|>",
             "<", "\U0001D400", "\x00", "\x7f", "\ufb01", "\uff46", "\u216b", "\u01c5", "\u00df", "\u0130",
             "\u0300", "\u0488", "\U000E0041"]
RANDOM_CASES = 200


def random_strings():
    rng = random.Random(7)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 25))) for _ in range(RANDOM_CASES)]


def main() -> int:
    try:
        import tokenizers
    except ImportError:
        print(f"needs: pip install tokenizers=={PINNED_VERSION}", file=sys.stderr)
        return 1
    if tokenizers.__version__ != PINNED_VERSION:
        print(f"warning: tokenizers {tokenizers.__version__} is not the pinned {PINNED_VERSION}", file=sys.stderr)
    data_dir = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "tokenizer"
    tokenizer = tokenizers.Tokenizer.from_file(str(data_dir / "tokenizer.json"))
    cases = [{"text": text, "ids": tokenizer.encode(text, add_special_tokens=False).ids} for text in HARD_STRINGS + random_strings()]
    out = {
        "tokenizer": "tokenizer.json in this folder",
        "generated_by": f"Hugging Face tokenizers {tokenizers.__version__} (PyPI), "
                        "encode(text, add_special_tokens=False), scripts/gen-tokenizer-vectors.py",
        "cases": cases,
    }
    (data_dir / "extra_vectors.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
