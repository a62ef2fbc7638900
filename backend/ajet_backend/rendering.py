"""RenderChat with the model's own chat template, incremental so that a token sequence only grows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ajet_backend.errors import BackendError


@dataclass(frozen=True)
class Prefix:
    token_ids: list[int]
    message_count: int


class ChatRenderer:
    """Wraps a transformers tokenizer whose `chat_template` is set."""

    def __init__(self, tokenizer: Any) -> None:
        if not getattr(tokenizer, "chat_template", None):
            raise BackendError("RENDER_NO_TEMPLATE", "the tokenizer has no chat_template: serve a model folder whose tokenizer_config.json has one")
        self.tokenizer = tokenizer
        self.end_of_turn = tokenizer.eos_token
        self.end_of_turn_id = tokenizer.convert_tokens_to_ids(self.end_of_turn) if self.end_of_turn else None

    def _text(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, generation_prompt: bool) -> str:
        return self.tokenizer.apply_chat_template(messages, tools=tools or None, add_generation_prompt=generation_prompt, tokenize=False)

    def _ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def render(
        self,
        *,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        add_generation_prompt: bool = True,
        prefix: Prefix | None = None,
    ) -> list[int]:
        full = self._text(messages, tools, add_generation_prompt)
        if prefix is None:
            return self._ids(full)
        count = prefix.message_count
        if count < 1 or count > len(messages):
            raise BackendError("RENDER_PREFIX_COUNT", f"RenderChat: prefix.messageCount is {count} but there are {len(messages)} messages; pass 1..{len(messages)}")
        if not self.end_of_turn:
            raise BackendError("RENDER_PREFIX_NO_END_OF_TURN", "RenderChat: the tokenizer has no eos token marking the end of a turn, so prefix rendering cannot find where new messages start; render without prefix")
        covered = self._text(messages[:count], tools, False)
        # The template need not preserve prefixes: Qwen3's adds an empty <think> block to a final assistant turn
        # and drops earlier <think> blocks once a user message follows. The runtime keeps the sampled tokens
        # verbatim, so only the new messages are rendered: the full text after as many end-of-turn markers as
        # the first `count` messages produce.
        turns = covered.count(self.end_of_turn)
        position = -len(self.end_of_turn)
        for _ in range(turns):
            position = full.find(self.end_of_turn, position + len(self.end_of_turn))
            if position < 0:
                raise BackendError("RENDER_PREFIX_TURNS", f"RenderChat: rendering {len(messages)} messages has fewer turns than the first {count} alone; the chat template merges turns, render without prefix")
        after_turns = position + len(self.end_of_turn) if turns else 0
        ended = bool(prefix.token_ids) and prefix.token_ids[-1] == self.end_of_turn_id
        closing = "" if ended or messages[count - 1].get("role") != "assistant" else self.end_of_turn
        increment = full[after_turns:]
        return self._ids(closing + increment)

    def detokenize(self, token_ids: list[int]) -> list[str]:
        return [self.tokenizer.decode([token_id], skip_special_tokens=False) for token_id in token_ids]

    @property
    def stop_token_ids(self) -> tuple[int, ...]:
        """Tokens that end a completion."""
        return (self.end_of_turn_id,) if self.end_of_turn_id is not None else ()

    def completion_text(self, prompt_ids: list[int], token_ids: list[int]) -> str:
        """A completion's text (special tokens left out); the prompt does not change it here."""
        del prompt_ids
        return self.tokenizer.decode(token_ids, skip_special_tokens=True)

    def stop_tail(self, prompt_ids: list[int], token_ids: list[int]) -> str:
        """Enough of a completion's end to find a stop string in."""
        del prompt_ids
        return self.tokenizer.decode(token_ids[-16:], skip_special_tokens=False)

    def check_prefix_preserving(self) -> bool:
        """True when a two-turn conversation with reasoning renders as a prefix of the three-turn one."""
        first = [
            {"role": "user", "content": "1+1?"},
            {"role": "assistant", "content": "<think>\nadd\n</think>\n\n2", "reasoning_content": "add"},
        ]
        longer = [*first, {"role": "user", "content": "2+2?"}]
        return self._text(longer, None, True).startswith(self._text(first, None, False))
