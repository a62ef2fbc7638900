"""tinylm's transformer in PyTorch (packages/tinylm/src/internal/transformer.ts): pre-norm, RMSNorm, tied
embeddings, learned positions, tanh-GELU MLPs, no biases, every weight in one flat float32 vector in tinylm's
order, so params.bin loads as is and a gradient is directly comparable with the TypeScript one. The maths is that
of scripts/internal/pretrain_torch.py. Its forward has the shape policy.Policy reads from a transformers model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import torch
import torch.nn.functional as F

RMS_EPSILON = 1e-5


@dataclass(frozen=True)
class TinyLmConfig:
    vocab_size: int
    d_model: int
    n_heads: int
    n_layers: int
    d_feed_forward: int
    max_seq_len: int

    @staticmethod
    def from_json(raw: dict[str, Any]) -> TinyLmConfig:
        return TinyLmConfig(
            vocab_size=int(raw["vocabSize"]),
            d_model=int(raw["dModel"]),
            n_heads=int(raw["nHeads"]),
            n_layers=int(raw["nLayers"]),
            d_feed_forward=int(raw["dFeedForward"]),
            max_seq_len=int(raw["maxSeqLen"]),
        )

    def to_json(self) -> dict[str, int]:
        return {"vocabSize": self.vocab_size, "dModel": self.d_model, "nHeads": self.n_heads, "nLayers": self.n_layers, "dFeedForward": self.d_feed_forward, "maxSeqLen": self.max_seq_len}


def parameter_layout(config: TinyLmConfig) -> tuple[dict[str, tuple[int, tuple[int, ...]]], int]:
    """Offset and shape of every tensor in the flat vector, in tinylm's order (transformer.ts parameterLayout)."""
    d, f = config.d_model, config.d_feed_forward
    offsets: dict[str, tuple[int, tuple[int, ...]]] = {}
    cursor = 0

    def take(name: str, shape: tuple[int, ...]) -> None:
        nonlocal cursor
        offsets[name] = (cursor, shape)
        cursor += math.prod(shape)

    take("token_embedding", (config.vocab_size, d))
    take("position_embedding", (config.max_seq_len, d))
    for layer in range(config.n_layers):
        take(f"{layer}.norm1", (d,))
        for name in ("wq", "wk", "wv", "wo"):
            take(f"{layer}.{name}", (d, d))
        take(f"{layer}.norm2", (d,))
        take(f"{layer}.w1", (d, f))
        take(f"{layer}.w2", (f, d))
    take("final_norm", (d,))
    return offsets, cursor


def _rms_norm(x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPSILON) * gain


class TinyLmModel(torch.nn.Module):
    """Causal LM over one flat parameter. Right padding needs no mask (attention is causal), so attention_mask is
    accepted and ignored; there is no KV cache (past_key_values stays None: Policy.sample then re-reads the whole
    sequence each step, cheap at tinylm's size)."""

    def __init__(self, config: TinyLmConfig, flat: torch.Tensor | None = None) -> None:
        super().__init__()
        self.tinylm_config = config
        self.offsets, size = parameter_layout(config)
        if flat is None:
            flat = torch.zeros(size, dtype=torch.float32)
        if flat.numel() != size:
            raise ValueError(f"the parameter vector holds {flat.numel()} floats, the config needs {size}")
        self.flat = torch.nn.Parameter(flat.to(torch.float32).clone())
        # What Policy.vocab_size reads when the model has no get_input_embeddings.
        self.config = SimpleNamespace(vocab_size=config.vocab_size)

    def tensor(self, name: str) -> torch.Tensor:
        start, shape = self.offsets[name]
        return self.flat[start : start + math.prod(shape)].view(shape)

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        config = self.tinylm_config
        batch, length = ids.shape
        if length > config.max_seq_len:
            raise ValueError(f"{length} tokens do not fit tinylm's {config.max_seq_len} positions")
        heads = config.n_heads
        head_dim = config.d_model // heads
        embedding = self.tensor("token_embedding")
        x = embedding[ids] + self.tensor("position_embedding")[:length]
        for layer in range(config.n_layers):
            h = _rms_norm(x, self.tensor(f"{layer}.norm1"))
            q, k, v = ((h @ self.tensor(f"{layer}.{name}")).view(batch, length, heads, head_dim).transpose(1, 2) for name in ("wq", "wk", "wv"))
            attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + attended.transpose(1, 2).reshape(batch, length, -1) @ self.tensor(f"{layer}.wo")
            h = _rms_norm(x, self.tensor(f"{layer}.norm2"))
            x = x + F.gelu(h @ self.tensor(f"{layer}.w1"), approximate="tanh") @ self.tensor(f"{layer}.w2")
        return _rms_norm(x, self.tensor("final_norm")) @ embedding.T

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, use_cache: bool = False, past_key_values: Any = None) -> SimpleNamespace:
        del attention_mask, use_cache, past_key_values
        return SimpleNamespace(logits=self.logits(input_ids), past_key_values=None)
