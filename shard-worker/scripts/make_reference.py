#!/usr/bin/env python3
"""Writes the exact-arithmetic reference the shard engine's tests compare against.

llama.cpp multiplies quantized weights with activations it first rounds to 8 bits per block of
32, and that rounding alone moves its logprobs by tenths. This script runs the same GGUF's
weights, dequantized by gguf-py, through a float64 NumPy Llama forward pass with a KV cache, so
the engine (fp32) can be checked to 1e-3 against the model's arithmetic as written, and every
place where llama.cpp's greedy choice differs can be shown to be llama.cpp's rounding.

Run by hand, never by CI, after make_fixtures.py (it feeds llama.cpp's tokens so positions line up):

    ~/.cache/computepool/venvs/llama/bin/pip install gguf==0.19.0 numpy==2.4.6
    ~/.cache/computepool/venvs/llama/bin/python shard-worker/scripts/make_reference.py \
        "$(shard-worker/scripts/install_model.sh)"

Output: shard-worker/src/test/resources/fixtures/reference-smollm2.json: for every generation in
the llama.cpp fixture, the top-5 logprobs at each of its positions.
"""
import hashlib
import importlib.metadata
import json
import pathlib
import sys

import gguf
import numpy as np

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/fixtures"
TOP_K = 5


class Model:
    def __init__(self, path):
        reader = gguf.GGUFReader(path)
        self.tensors = {t.name: t for t in reader.tensors}

        def field(key):
            f = reader.fields[key]
            return f.parts[f.data[0]][0]

        self.layers = int(field("llama.block_count"))
        self.hidden = int(field("llama.embedding_length"))
        self.heads = int(field("llama.attention.head_count"))
        self.kv_heads = int(field("llama.attention.head_count_kv"))
        self.eps = float(field("llama.attention.layer_norm_rms_epsilon"))
        self.base = float(field("llama.rope.freq_base"))
        self.head_size = self.hidden // self.heads
        self.cache = {}

    def weight(self, name):
        if name not in self.cache:
            t = self.tensors[name]
            values = gguf.dequantize(t.data, t.tensor_type)
            self.cache[name] = np.asarray(values, dtype=np.float64).reshape([int(d) for d in reversed(t.shape)])
        return self.cache[name]

    def rms(self, x, name):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * self.weight(name)

    def rope(self, v, positions):
        # GGUF keeps Q and K rows in llama.cpp's interleaved order: pairs (2i, 2i+1) rotate together.
        d = self.head_size
        angles = positions[:, None] * self.base ** (-np.arange(0, d, 2) / d)[None, :]
        cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]
        a, b = v[..., 0::2], v[..., 1::2]
        out = np.empty_like(v)
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = a * sin + b * cos
        return out

    def forward(self, ids, kv):
        """Appends ids to the session kv (a list of per-layer (K, V)) and returns the last logits."""
        past = 0 if not kv else kv[0][0].shape[0]
        s = len(ids)
        positions = np.arange(past, past + s)
        x = self.weight("token_embd.weight")[ids]
        group = self.heads // self.kv_heads
        for layer in range(self.layers):
            p = f"blk.{layer}."
            h = self.rms(x, p + "attn_norm.weight")
            q = (h @ self.weight(p + "attn_q.weight").T).reshape(s, self.heads, self.head_size)
            k = (h @ self.weight(p + "attn_k.weight").T).reshape(s, self.kv_heads, self.head_size)
            v = (h @ self.weight(p + "attn_v.weight").T).reshape(s, self.kv_heads, self.head_size)
            q, k = self.rope(q, positions), self.rope(k, positions)
            if len(kv) <= layer:
                kv.append((k, v))
            else:
                kv[layer] = (np.concatenate([kv[layer][0], k]), np.concatenate([kv[layer][1], v]))
            keys, values = kv[layer]
            total = keys.shape[0]
            mask = np.where(np.arange(total)[None, :] > positions[:, None], -np.inf, 0.0)
            out = np.zeros((s, self.heads, self.head_size))
            for head in range(self.heads):
                scores = q[:, head] @ keys[:, head // group].T / np.sqrt(self.head_size) + mask
                scores = np.exp(scores - scores.max(-1, keepdims=True))
                out[:, head] = (scores / scores.sum(-1, keepdims=True)) @ values[:, head // group]
            x = x + out.reshape(s, self.hidden) @ self.weight(p + "attn_output.weight").T
            h = self.rms(x, p + "ffn_norm.weight")
            gate = h @ self.weight(p + "ffn_gate.weight").T
            up = h @ self.weight(p + "ffn_up.weight").T
            x = x + (gate / (1 + np.exp(-gate)) * up) @ self.weight(p + "ffn_down.weight").T
        head = self.weight("output.weight") if "output.weight" in self.tensors else self.weight("token_embd.weight")
        return self.rms(x[-1], "output_norm.weight") @ head.T


def top(logits):
    shifted = logits - logits.max()
    logprobs = shifted - np.log(np.exp(shifted).sum())
    best = np.argsort(-logprobs, kind="stable")[:TOP_K]
    return [{"token": int(t), "logprob": round(float(logprobs[t]), 6)} for t in best]


def main():
    path = pathlib.Path(sys.argv[1])
    llama = json.loads((FIXTURES / "llamacpp-smollm2.json").read_text())
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    if sha256 != llama["gguf_sha256"]:
        sys.exit(f"{path} is not the GGUF the llama.cpp fixtures were made from")
    model = Model(path)
    generations = []
    for generation in llama["generations"]:
        kv = []
        logits = model.forward(generation["prompt_tokens"], kv)
        steps = []
        for step in generation["steps"]:
            steps.append({"top": top(logits)})
            logits = model.forward([step["token"]], kv)
        generations.append({"prompt_tokens": generation["prompt_tokens"], "steps": steps})
        print(f"generation {len(generations)} of {len(llama['generations'])}", file=sys.stderr)
    out = {
        "arithmetic": "float64 NumPy forward pass over gguf-py dequantized weights; each step fed llama.cpp's token",
        "gguf_version": importlib.metadata.version("gguf"),
        "numpy_version": np.__version__,
        "gguf_file": path.name,
        "gguf_sha256": sha256,
        "generations": generations,
    }
    (FIXTURES / "reference-smollm2.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
