"""The Python twin of tinylm against the TypeScript one: tokenizer, ChatML and greedy completions from
tests/fixtures/tinylm_golden.json (written by scripts/gen-tinylm-golden.ts from the in-process TinyLmBackbone)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from ajet_backend.errors import ConfigError
from ajet_backend.rendering import Prefix
from ajet_backend.tinylm import is_tinylm_model, load_tinylm
from ajet_backend.tinylm.loading import read_tinylm_folder, resolve_tinylm_folder
from ajet_backend.tinylm.model import TinyLmModel, parameter_layout
from ajet_backend.tinylm.serving import build_tinylm_service
from ajet_backend.tinylm.tokenizer import TinyTokenizer, render_chat

GOLDEN = json.loads((Path(__file__).parent / "fixtures" / "tinylm_golden.json").read_text())
# float32 in both, summed in other orders (PyTorch's matmul blocks vs tinylm's loops): logprobs agree to ~1e-5;
# 1e-4 leaves room for other CPUs' kernels.
LOGPROB_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def tinylm():
    return load_tinylm(GOLDEN["model"])


@pytest.fixture(scope="module")
def service():
    return build_tinylm_service(model=GOLDEN["model"], max_model_len=4096)


@pytest.mark.parametrize("case", GOLDEN["encode"], ids=lambda case: repr(case["text"][:24]))
def test_tokenizer_encodes_and_decodes_as_the_typescript_one(tinylm, case):
    _, _, renderer = tinylm
    assert renderer.tinylm.encode(case["text"], []) == case["ids"]
    assert renderer.detokenize(case["ids"]) == case["pieces"]
    assert "".join(case["pieces"]) == case["text"]


@pytest.mark.parametrize("case", GOLDEN["render"], ids=lambda case: str(len(case["messages"])))
def test_chatml_renders_as_the_typescript_one_with_and_without_prefix(service, case):
    assert service.render_chat({"messages": case["messages"]})["tokenIds"] == case["ids"]
    count = case["prefixCount"]
    prefix = service.renderer.render(messages=case["messages"][:count], add_generation_prompt=False)
    increment = service.renderer.render(messages=case["messages"], prefix=Prefix(token_ids=prefix, message_count=count))
    assert increment == case["increment"]


@pytest.mark.parametrize("case", GOLDEN["greedy"], ids=lambda case: str(len(case["promptIds"])))
def test_greedy_completions_equal_the_typescript_ones(service, case):
    response = service.sample({"promptIds": case["promptIds"], "n": 1, "sampling": {"temperature": 0, "maxTokens": 48}})
    completion = response["completions"][0]
    assert completion["tokenIds"] == case["tokenIds"]
    assert completion["finishReason"] == case["finishReason"]
    assert completion["text"] == case["text"]
    difference = max(abs(a - b) for a, b in zip(completion["logprobs"], case["logprobs"], strict=True))
    assert difference < LOGPROB_TOLERANCE


def test_builtin_names_and_folders_are_recognised(tmp_path):
    assert is_tinylm_model("builtin:tinylm-calculator")
    assert not is_tinylm_model(str(tmp_path))
    with pytest.raises(ConfigError, match="no shipped tinylm weights named nope"):
        load_tinylm("builtin:nope")


def test_the_flat_layout_matches_params_bin(tinylm):
    folder, model, _ = tinylm
    _, size = parameter_layout(folder.config)
    assert model.flat.numel() == size == folder.params.numel()
    assert torch.equal(model.tensor("final_norm"), folder.params[size - folder.config.d_model :])


def test_a_training_step_changes_the_policy_and_save_load_restores_it(tmp_path):
    service = build_tinylm_service(model="builtin:tinylm-calculator", max_model_len=4096, state_root=str(tmp_path))
    before = service.policy.model.flat.detach().clone()
    service.save_state({"name": "start"})
    request = {
        "samples": [{"tokenIds": [256, 301, 10, 349, 257], "lossMask": [0, 0, 1, 1, 1], "samplerLogprobs": [0, 0, -1.0, -0.5, -0.2], "advantage": 1.0}],
        "loss": {"type": "ppo", "clipLow": 0.2, "clipHigh": 0.28},
    }
    service.forward_backward(request)
    step = service.optim_step({"learningRate": 1e-3, "maxGradNorm": 1.0})
    assert step["policyVersion"] == 1 and step["gradNorm"] > 0
    assert not torch.equal(service.policy.model.flat.detach(), before)
    service.load_state({"name": "start"})
    assert service.policy.policy_version == 0
    assert torch.equal(service.policy.model.flat.detach(), before)


def test_random_weights_run_forward_and_backward():
    from ajet_backend.tinylm.model import TinyLmConfig

    config = TinyLmConfig(vocab_size=300, d_model=16, n_heads=2, n_layers=1, d_feed_forward=32, max_seq_len=12)
    torch.manual_seed(0)
    _, size = parameter_layout(config)
    model = TinyLmModel(config, torch.randn(size) * 0.1)
    logits = model(input_ids=torch.tensor([[1, 2, 3]])).logits
    assert logits.shape == (1, 3, 300)
    logits.sum().backward()
    assert model.flat.grad is not None and torch.isfinite(model.flat.grad).all()


@pytest.fixture(scope="module")
def defining(tinylm):
    _, _, renderer = tinylm
    return TinyTokenizer(pointers=renderer.tinylm.pointers, words=renderer.tinylm.words, repeated_numbers="define")


@pytest.mark.parametrize("case", GOLDEN["define"]["encode"], ids=lambda case: repr(case["text"][:24]))
def test_repeated_numbers_define_encodes_input_as_the_typescript_one(defining, case):
    assert defining.encode(case["text"], [], True) == case["ids"]


@pytest.mark.parametrize("case", GOLDEN["define"]["render"], ids=lambda case: str(len(case["messages"])))
def test_repeated_numbers_define_renders_as_the_typescript_one_with_and_without_prefix(defining, case):
    assert render_chat(tokenizer=defining, messages=case["messages"], add_generation_prompt=True) == case["ids"]
    count = case["prefixCount"]
    prefix = render_chat(tokenizer=defining, messages=case["messages"][:count], add_generation_prompt=False)
    increment = render_chat(tokenizer=defining, messages=case["messages"], add_generation_prompt=True, prefix_ids=prefix, prefix_count=count)
    assert increment == case["increment"]


def test_a_model_json_repeated_numbers_setting_is_read_and_a_bad_one_named(tmp_path):
    source = resolve_tinylm_folder("builtin:tinylm-calculator")
    folder = tmp_path / "model"
    shutil.copytree(source, folder)
    raw = json.loads((folder / "model.json").read_text())
    raw["tokenizer"]["repeatedNumbers"] = "define"
    (folder / "model.json").write_text(json.dumps(raw))
    assert read_tinylm_folder(str(folder)).tokenizer.repeated_numbers == "define"
    raw["tokenizer"]["repeatedNumbers"] = "twice"
    (folder / "model.json").write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match="repeatedNumbers 'twice': expected copy or define"):
        read_tinylm_folder(str(folder))
