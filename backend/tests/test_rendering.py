import pytest

from ajet_backend.errors import BackendError
from ajet_backend.rendering import ChatRenderer, Prefix
from qwen3_tokenizer import qwen3_tokenizer

TOOLS = [{"type": "function", "function": {"name": "calculator", "description": "exact arithmetic", "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]}}}]


@pytest.fixture(scope="module")
def renderer() -> ChatRenderer:
    return ChatRenderer(qwen3_tokenizer())


def test_full_render_uses_the_template_with_tools(renderer: ChatRenderer) -> None:
    ids = renderer.render(messages=[{"role": "user", "content": "What is 2+3?"}], tools=TOOLS)
    text = renderer.tokenizer.decode(ids)
    assert text.startswith("<|im_start|>system\n") and '"name": "calculator"' in text
    assert text.endswith("<|im_start|>assistant\n")


@pytest.mark.parametrize("ends_with_end_of_turn", [True, False])
def test_prefix_render_only_appends(renderer: ChatRenderer, ends_with_end_of_turn: bool) -> None:
    tokenizer = renderer.tokenizer
    first = [{"role": "user", "content": "What is 2+3?"}]
    prompt = renderer.render(messages=first, tools=TOOLS)
    reply = "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"2+3\"}}\n</tool_call>"
    completion = tokenizer(reply + ("<|im_end|>" if ends_with_end_of_turn else ""), add_special_tokens=False)["input_ids"]
    sequence = prompt + completion
    messages = [
        *first,
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "calculator", "arguments": {"expression": "2+3"}}}]},
        {"role": "tool", "content": "5"},
    ]
    increment = renderer.render(messages=messages, tools=TOOLS, prefix=Prefix(token_ids=sequence, message_count=2))
    grown = tokenizer.decode(sequence + increment)
    assert grown == tokenizer.decode(renderer.render(messages=messages, tools=TOOLS))
    assert tokenizer.decode(increment).startswith("<|im_end|>" if not ends_with_end_of_turn else "\n")


def test_qwen3_template_dropping_think_is_detected_and_handled(renderer: ChatRenderer) -> None:
    assert renderer.check_prefix_preserving() is False
    tokenizer = renderer.tokenizer
    messages = [
        {"role": "user", "content": "1+1?"},
        {"role": "assistant", "content": "<think>\nadd\n</think>\n\n2"},
        {"role": "user", "content": "2+2?"},
    ]
    prompt = renderer.render(messages=messages[:1])
    sampled = tokenizer("<think>\nadd\n</think>\n\n2<|im_end|>", add_special_tokens=False)["input_ids"]
    increment = renderer.render(messages=messages, prefix=Prefix(token_ids=prompt + sampled, message_count=2))
    assert tokenizer.decode(increment) == "\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"


def test_bad_prefix_count_is_named(renderer: ChatRenderer) -> None:
    with pytest.raises(BackendError) as caught:
        renderer.render(messages=[{"role": "user", "content": "hi"}], prefix=Prefix(token_ids=[1], message_count=3))
    assert caught.value.code == "RENDER_PREFIX_COUNT"


def test_detokenize_gives_one_piece_per_token(renderer: ChatRenderer) -> None:
    ids = renderer.render(messages=[{"role": "user", "content": "hi"}])
    pieces = renderer.detokenize(ids)
    assert len(pieces) == len(ids) and pieces[0] == "<|im_start|>" and "".join(pieces) == renderer.tokenizer.decode(ids)
