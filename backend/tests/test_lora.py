import torch

from ajet_backend.losses import KlPenalty, LossSpec
from ajet_backend.model_loading import ModelSettings, prepare_model
from ajet_backend.policy import OptimizerParams, Policy, PolicySettings, TrainingSample
from tiny_model import tiny_qwen2

SAMPLE = TrainingSample(token_ids=[1, 2, 3, 4, 5, 6], loss_mask=[0, 1, 1, 1, 1, 1], sampler_logprobs=[0, -4.5, -4.5, -4.5, -4.5, -4.5], advantage=1.0)


def _lora_policy() -> Policy:
    model = prepare_model(tiny_qwen2(), ModelSettings(model="tiny", dtype="fp32", lora_rank=4, gradient_checkpointing=True, device="cpu"))
    return Policy(model, PolicySettings())


def test_lora_trains_only_the_adapter_and_kl_is_to_the_base_weights() -> None:
    policy = _lora_policy()
    assert policy.is_lora and policy.reference is None
    base = {name: p.clone() for name, p in policy.model.named_parameters() if "lora_" not in name}
    spec = LossSpec(type="ppo", kl=KlPenalty(beta=0.1))
    first = policy.forward_backward(samples=[SAMPLE], spec=spec)
    # LoRA B starts at zero, so the adapted policy equals the base: k3 is exactly 0.
    assert first.metrics["kl"] == 0.0
    for _ in range(3):
        policy.optim_step(OptimizerParams(learning_rate=5e-2))
        later = policy.forward_backward(samples=[SAMPLE], spec=spec)
    assert later.metrics["kl"] > 0.0
    for name, parameter in policy.model.named_parameters():
        if "lora_" not in name:
            torch.testing.assert_close(parameter, base[name])


def test_lora_adapter_save_and_load(tmp_path) -> None:
    policy = _lora_policy()
    policy.forward_backward(samples=[SAMPLE], spec=LossSpec(type="cross_entropy"))
    policy.optim_step(OptimizerParams(learning_rate=5e-2))
    policy.save_state(path=str(tmp_path / "adapter"), include_optimizer=False)
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    restored = _lora_policy()
    restored.load_state(path=str(tmp_path / "adapter"), include_optimizer=False)
    ids = torch.tensor([[1, 2, 3, 4]])
    with torch.no_grad():
        torch.testing.assert_close(policy.model(input_ids=ids).logits, restored.model(input_ids=ids).logits)
