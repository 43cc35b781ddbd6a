#!/usr/bin/env python3
"""Writes the llama.cpp reference fixtures the shard worker's tests compare against.

Run by hand, never by CI, with llama-cpp-python installed (a 5-15 minute source build):

    python3 -m venv ~/.cache/computepool/venvs/llama
    ~/.cache/computepool/venvs/llama/bin/pip install llama-cpp-python==0.3.36 jinja2
    ~/.cache/computepool/venvs/llama/bin/python shard-worker/scripts/make_fixtures.py \
        "$(shard-worker/scripts/install_model.sh)"

Output: shard-worker/src/test/resources/fixtures/llamacpp-smollm2.json, holding token ids as
llama.cpp tokenizes each prompt (no BOS, special tokens parsed), chat prompts rendered from the
GGUF's own template the way llama-cpp-python renders it, and greedy continuations with the top-5
logprobs at every generated position.
"""
import hashlib
import json
import math
import pathlib
import sys

import llama_cpp
from llama_cpp import Llama
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

OUT = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/fixtures/llamacpp-smollm2.json"
GENERATED_TOKENS = 16
TOP_K = 5

PROMPTS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "  leading spaces and trailing spaces   ",
    "tabs\tand\nnewlines\n\n\nand\r\nCRLF",
    "multiple     spaces    between     words",
    "Numbers: 0 1 12 123 1234 3.14159 -42 1e10 ¾ ²",
    "I'm sure they'll say it's what we'd've done; THEY'RE LOUD.",
    "Héllo wörld: café, naïve, façade, Ærøskøbing",
    "Привет, мир! Как дела?",
    "日本語のテキストと中文文本。",
    "مرحبا بالعالم",
    "Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🤖",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
    '{"key": "value", "list": [1, 2, 3], "nested": {"a": null}}',
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>text after end<|endoftext|>",
    "Text with <|im_start|> inside and <|im_end|>at the end",
    "<repo_name>computepool<file_sep>src/main.rs<filename>",
    "https://example.com/path?query=1&other=two#fragment",
    "email@example.com, @handle, #hashtag, $100.00, 50% off!!!",
    "\u00a0non-breaking\u2003em-space\u3000ideographic",
    "a" * 50,
    "!!!???...,,,;;;:::",
    "Mixed123Numbers456AndLetters789",
    "",
    " ",
    "\n",
]

CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "system", "content": "You are a terse assistant."},
     {"role": "user", "content": "Name three primary colours."}],
    [{"role": "user", "content": "Write a haiku about GPUs."}],
    [{"role": "user", "content": "What is 17 + 25?"},
     {"role": "assistant", "content": "17 + 25 = 42."},
     {"role": "user", "content": "And times two?"}],
    [{"role": "user", "content": "Translate 'good morning' to Spanish. 😊"}],
    [{"role": "user", "content": "def add(a, b):\n    return a + b\n\nExplain this code."}],
]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tokenize(llm, text):
    return llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)


def formatter(llm, add_generation_prompt):
    # Built the way llama-cpp-python builds its formatter from GGUF metadata.
    vocab = llm._model
    return Jinja2ChatFormatter(
        template=llm.metadata["tokenizer.chat_template"],
        eos_token=vocab.token_get_text(llm.token_eos()),
        bos_token=vocab.token_get_text(llm.token_bos()),
        add_generation_prompt=add_generation_prompt,
    )


def log_softmax(logits):
    top = max(logits)
    log_sum = top + math.log(sum(math.exp(x - top) for x in logits))
    return [x - log_sum for x in logits]


def greedy(llm, prompt_tokens):
    llm.reset()
    llm.eval(prompt_tokens)
    steps = []
    for _ in range(GENERATED_TOKENS):
        logprobs = log_softmax(llm.scores[llm.n_tokens - 1].tolist())
        ranked = sorted(range(len(logprobs)), key=lambda i: -logprobs[i])[:TOP_K]
        token = ranked[0]
        steps.append({
            "token": token,
            "top": [{"token": t, "logprob": round(logprobs[t], 6)} for t in ranked],
        })
        llm.eval([token])
    return steps


def main():
    model_path = sys.argv[1]
    llm = Llama(model_path=model_path, n_ctx=1024, n_threads=2, logits_all=True, seed=0, verbose=False)
    chat = formatter(llm, True)
    chats = []
    for messages in CONVERSATIONS:
        prompt = chat(messages=messages).prompt
        chats.append({"messages": messages, "add_generation_prompt": True, "prompt": prompt})
    chats.append({"messages": CONVERSATIONS[3], "add_generation_prompt": False,
                  "prompt": formatter(llm, False)(messages=CONVERSATIONS[3]).prompt})

    generations = []
    for entry in chats[:5]:
        prompt_tokens = tokenize(llm, entry["prompt"])
        steps = greedy(llm, prompt_tokens)
        generations.append({
            "prompt": entry["prompt"],
            "prompt_tokens": prompt_tokens,
            "steps": steps,
            "text": llm.detokenize([s["token"] for s in steps], special=True).decode("utf-8", "replace"),
        })

    fixture = {
        "llama_cpp_python_version": llama_cpp.__version__,
        "gguf_file": pathlib.Path(model_path).name,
        "gguf_sha256": sha256(model_path),
        "tokenize": {"add_bos": False, "special": True},
        "generation": {"greedy": True, "tokens": GENERATED_TOKENS, "top_logprobs": TOP_K, "n_ctx": 1024},
        "prompts": [{"text": text, "tokens": tokenize(llm, text)} for text in PROMPTS],
        "chats": chats,
        "generations": generations,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(PROMPTS)} prompts, {len(chats)} chats, {len(generations)} generations")


if __name__ == "__main__":
    main()
