"""The data-parallel learner's arithmetic without a cluster: each rank's part of a batch, scaled by its share,
sums to the whole batch's loss and gradient (what the all-reduce in LearnerWorker.forward_backward adds up).
The Ray run of the same (2 gloo ranks) is in tests/test_ray_cluster.py."""

from __future__ import annotations

import pytest
import torch

from ajet_backend.ray_serve.learner import LearnerWorker, batch_share, split_batch


def _batch() -> list[dict]:
    samples = []
    for index, length in enumerate([20, 7, 13, 26, 9]):
        ids = [(11 * index + 5 * position) % 440 for position in range(length)]
        mask = [0] * (1 + index) + [1] * (length - 1 - index)
        samples.append({"tokenIds": ids, "lossMask": mask, "samplerLogprobs": [-0.4] * length, "advantage": 0.3 - 0.2 * index})
    return samples


def test_split_batch_balances_tokens_and_keeps_every_sample_once():
    samples = _batch()
    parts = split_batch(samples, 2)
    assert sorted(index for part in parts for index in part) == list(range(len(samples)))
    loads = [sum(len(samples[index]["tokenIds"]) for index in part) for part in parts]
    assert abs(loads[0] - loads[1]) <= max(len(sample["tokenIds"]) for sample in samples)
    assert split_batch(samples[:1], 2)[1] == []


@pytest.mark.parametrize("aggregation", ["token-mean", "seq-mean"])
def test_shares_make_the_parts_sum_to_the_whole_batch(aggregation):
    samples = _batch()
    loss = {"type": "ppo", "clipLow": 0.2, "clipHigh": 0.28, "aggregation": aggregation, "kl": {"beta": 0.1, "estimator": "k3"}}
    request = {"samples": samples, "loss": loss, "lossScale": 0.5}
    whole = LearnerWorker(rank=0, world_size=1, options={"model": "builtin:tinylm-calculator"}, micro_batch_tokens=8192, state_root=None)
    expected = whole.forward_backward(request, 1.0)["ok"]
    total = batch_share(samples, aggregation)
    ranks = [LearnerWorker(rank=rank, world_size=1, options={"model": "builtin:tinylm-calculator"}, micro_batch_tokens=8192, state_root=None) for rank in range(2)]
    losses = []
    for worker, indices in zip(ranks, split_batch(samples, 2), strict=True):
        part = [samples[index] for index in indices]
        losses.append(worker.forward_backward({**request, "samples": part}, batch_share(part, aggregation) / total)["ok"]["loss"])
    summed = ranks[0].gradients() + ranks[1].gradients()
    scale = float(whole.gradients().abs().max())
    assert scale > 1e-5
    # float32 sums in another order: agreement to about 1e-6 of the largest entry.
    assert float((summed - whole.gradients()).abs().max()) < 1e-5 * scale
    assert abs(sum(losses) - expected["loss"]) < 1e-6
    assert torch.isfinite(summed).all()
