"""tinylm model folders (packages/tinylm/src/model-folder.ts): model.json (shape, tokenizer, policy version) and
params.bin (little-endian float32 in tinylm's layout); `builtin:NAME` names a folder under
packages/tinylm/weights (AJET_TINYLM_WEIGHTS overrides where that is)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ajet_backend.errors import ConfigError
from ajet_backend.tinylm.model import TinyLmConfig, TinyLmModel, parameter_layout
from ajet_backend.tinylm.tokenizer import END_OF_TEXT, IM_END, TinyTokenizer, render_chat

BUILTIN_PREFIX = "builtin:"
TOKENIZER_NAME = "tinylm words+bytes+number-pointers"


def shipped_weights() -> Path:
    given = os.environ.get("AJET_TINYLM_WEIGHTS")
    return Path(given) if given else Path(__file__).resolve().parents[3] / "packages" / "tinylm" / "weights"


def resolve_tinylm_folder(model: str) -> Path:
    """The folder `model` names: shipped weights, a saved model folder, or a checkpoint holding model/."""
    if model.startswith(BUILTIN_PREFIX):
        name = model[len(BUILTIN_PREFIX) :]
        folder = shipped_weights() / name
        if not (folder / "model.json").is_file():
            root = shipped_weights()
            shipped = sorted(entry.name for entry in root.iterdir() if (entry / "model.json").is_file()) if root.is_dir() else []
            raise ConfigError("tinylm_unknown_builtin", f"--model {model}: no shipped tinylm weights named {name} in {root} (shipped: {', '.join(shipped) or 'none'}); set AJET_TINYLM_WEIGHTS to packages/tinylm/weights")
        return folder
    folder = Path(model)
    if (folder / "model" / "model.json").is_file():
        return folder / "model"
    return folder


def is_tinylm_model(model: str) -> bool:
    """True for builtin:NAME and for folders holding a tinylm model.json (and no transformers config.json)."""
    if model.startswith(BUILTIN_PREFIX):
        return True
    folder = resolve_tinylm_folder(model)
    return (folder / "model.json").is_file() and not (folder / "config.json").is_file()


@dataclass(frozen=True)
class TinyLmFolder:
    name: str
    policy_version: int
    config: TinyLmConfig
    tokenizer: TinyTokenizer
    params: torch.Tensor


def read_tinylm_folder(model: str) -> TinyLmFolder:
    folder = resolve_tinylm_folder(model)
    try:
        raw = json.loads((folder / "model.json").read_text())
        config = TinyLmConfig.from_json(raw["transformer"])
        tokenizer = TinyTokenizer(
            pointers=int(raw["tokenizer"]["pointers"]),
            words=raw["tokenizer"]["words"],
            repeated_numbers=raw["tokenizer"].get("repeatedNumbers", "copy"),
        )
    except (OSError, KeyError, TypeError, ValueError) as error:
        raise ConfigError("tinylm_bad_model", f"{folder / 'model.json'} is not a tinylm model file ({error}); point --model at builtin:tinylm-calculator or a saved tinylm folder") from error
    _, size = parameter_layout(config)
    params_file = folder / "params.bin"
    if not params_file.is_file() or params_file.stat().st_size != size * 4:
        held = params_file.stat().st_size // 4 if params_file.is_file() else 0
        raise ConfigError("tinylm_bad_weights", f"{params_file} holds {held} floats, the model in model.json needs {size}; the file does not belong to this model")
    if tokenizer.vocab_size != config.vocab_size:
        raise ConfigError("tinylm_bad_model", f"{folder / 'model.json'}: the tokenizer has {tokenizer.vocab_size} tokens, the model {config.vocab_size}")
    params = torch.from_numpy(np.fromfile(params_file, dtype="<f4").copy())
    return TinyLmFolder(name=str(raw.get("name", folder.name)), policy_version=int(raw.get("policyVersion", 0)), config=config, tokenizer=tokenizer, params=params)


class TinyLmRenderer:
    """What BackboneService needs of a renderer (rendering.ChatRenderer's interface) for tinylm's ChatML."""

    def __init__(self, tokenizer: TinyTokenizer) -> None:
        self.tinylm = tokenizer
        self.tokenizer = self
        self.end_of_turn = "<|im_end|>"
        self.end_of_turn_id = IM_END
        # Sampling stops at either, as in packages/tinylm/src/sampler.ts.
        self.stop_token_ids = (IM_END, END_OF_TEXT)

    def render(self, *, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None, add_generation_prompt: bool = True, prefix: Any = None) -> list[int]:
        del tools  # tinylm's ChatML has no tool schema block: tools are described in the system prompt
        if prefix is None:
            return render_chat(tokenizer=self.tinylm, messages=messages, add_generation_prompt=add_generation_prompt)
        return render_chat(tokenizer=self.tinylm, messages=messages, add_generation_prompt=add_generation_prompt, prefix_ids=list(prefix.token_ids), prefix_count=prefix.message_count)

    def detokenize(self, token_ids: list[int]) -> list[str]:
        decoder = self.tinylm.decoder([])
        return [decoder.push(token_id) for token_id in token_ids]

    def completion_text(self, prompt_ids: list[int], token_ids: list[int]) -> str:
        """The completion's text as the TypeScript sampler builds it: pointers resolve through the prompt's table, and
        a closing stop token adds nothing."""
        decoder = self.tinylm.decoder(self.tinylm.table_of(prompt_ids))
        text = ""
        for token_id in token_ids:
            if token_id in self.stop_token_ids:
                break
            text += decoder.push(token_id)
        return text

    def stop_tail(self, prompt_ids: list[int], token_ids: list[int]) -> str:
        """The whole completion so far: a number's text depends on where its pointer was defined."""
        return self.completion_text(prompt_ids, token_ids)

    def check_prefix_preserving(self) -> bool:
        return True


def load_tinylm(model: str) -> tuple[TinyLmFolder, TinyLmModel, TinyLmRenderer]:
    folder = read_tinylm_folder(model)
    return folder, TinyLmModel(folder.config, folder.params), TinyLmRenderer(folder.tokenizer)
