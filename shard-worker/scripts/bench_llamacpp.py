#!/usr/bin/env python3
"""Times llama.cpp's greedy decode on a GGUF, for the sharded inference benchmark to compare with.

    bench_llamacpp.py MODEL.gguf DECODE_TOKENS RUNS PROMPT_TOKEN_ID...

Evaluates the prompt, then decodes DECODE_TOKENS tokens one at a time (argmax, end-of-sequence
ignored) with as many threads as the machine has cores; repeats RUNS times and prints the median
milliseconds per decoded token on the last line. Needs llama-cpp-python (see make_fixtures.py).
"""
import os
import statistics
import sys
import time

import numpy as np
from llama_cpp import Llama


def main():
    model_path, decode_tokens, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    prompt = [int(token) for token in sys.argv[4:]]
    threads = os.cpu_count()
    llm = Llama(model_path=model_path, n_ctx=len(prompt) + decode_tokens + 8, n_threads=threads,
                n_threads_batch=threads, logits_all=False, verbose=False)
    per_token = []
    for _ in range(runs + 1):
        llm.reset()
        llm.eval(prompt)
        token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        started = time.perf_counter()
        for _ in range(decode_tokens - 1):
            llm.eval([token])
            token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        per_token.append((time.perf_counter() - started) * 1000 / (decode_tokens - 1))
    # the first run warms caches and is not counted
    print(f"{statistics.median(per_token[1:]):.4f}")


if __name__ == "__main__":
    main()
