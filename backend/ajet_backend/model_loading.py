"""Builds the trainable causal LM and its tokenizer from a hub id or a folder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ajet_backend.errors import ConfigError

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


@dataclass(frozen=True)
class ModelSettings:
    model: str
    dtype: str = "bf16"
    lora_rank: int = 0
    lora_alpha: int | None = None
    gradient_checkpointing: bool = True
    device: str = "cuda" if torch.cuda.is_available() else "cpu"


def resolve_dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ConfigError("model_dtype", f"--dtype {name} is unknown: use one of {', '.join(DTYPES)}")
    return DTYPES[name]


def prepare_model(model: torch.nn.Module, settings: ModelSettings) -> torch.nn.Module:
    """Gradient checkpointing and LoRA on an already built causal LM (a transformers model)."""
    if settings.gradient_checkpointing and hasattr(model, "gradient_checkpointing_enable"):
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if hasattr(model, "config"):
            model.config.use_cache = False
    if settings.lora_rank > 0:
        try:
            from peft import LoraConfig, get_peft_model
        except ImportError as error:
            raise ConfigError("lora_missing", "--lora-rank needs peft: pip install 'ajet_backend[lora]'") from error
        config = LoraConfig(
            r=settings.lora_rank,
            lora_alpha=settings.lora_alpha or 2 * settings.lora_rank,
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, config)
        if settings.gradient_checkpointing and hasattr(model, "enable_input_require_grads"):
            model.enable_input_require_grads()
    return model


def load_model(settings: ModelSettings) -> tuple[torch.nn.Module, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(settings.model)
        model = AutoModelForCausalLM.from_pretrained(settings.model, dtype=resolve_dtype(settings.dtype))
    except OSError as error:
        raise ConfigError("model_not_found", f"--model {settings.model}: no model or tokenizer there ({error}); pass a hub id or a folder with config.json") from error
    return prepare_model(model.to(settings.device), settings), tokenizer
