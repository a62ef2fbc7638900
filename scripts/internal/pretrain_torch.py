"""Supervised warm start of tinylm with PyTorch on the CPU: the same transformer as packages/tinylm (pre-norm,
RMSNorm, tied embeddings, learned positions, tanh-GELU MLPs, no biases), the same flat float32 parameter layout,
the same token-mean cross-entropy over the assistant tokens (against label-smoothed targets with
--label-smoothing; loss_of replies the plain one) and the same AdamW settings as pretrain_tinylm.ts.

pretrain_tinylm.ts --engine torch starts this with the backend's virtual environment and drives it over stdin/
stdout, one JSON object a line:
  {"train_s": 240, "progress": [0.1, 0.2]}
                             train that long while the cosine schedule moves from 10% to 20% of the run, write the
                             parameters to --out, reply {"step", "loss", "lr", "tokens", "positions",
                             "sequence_tokens"} (positions: batch size × longest sequence, summed over the batches)
  {"until_step": 3000, "schedule_steps": 16000}
                             train until step 3000 of a cosine schedule 16000 steps long (reproducible: no clock in
                             it), write the parameters, reply as above
  {"loss_of": [0, 1]}        reply {"loss"}: the token-mean loss of those samples at the current parameters
  {"exit": true}
The data file (--data) holds {"config": TransformerConfig, "samples": [{"tokenIds", "lossMask"}, ...]}.
"""

import argparse
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

RMS_EPSILON = 1e-5


def layout(config):
    """Offsets of every tensor in the flat parameter vector, in tinylm's order (transformer.ts parameterLayout)."""
    d, f = config["dModel"], config["dFeedForward"]
    offsets, cursor = {}, 0

    def take(name, shape):
        nonlocal cursor
        offsets[name] = (cursor, shape)
        cursor += math.prod(shape)

    take("token_embedding", (config["vocabSize"], d))
    take("position_embedding", (config["maxSeqLen"], d))
    for layer in range(config["nLayers"]):
        take(f"{layer}.norm1", (d,))
        for name in ("wq", "wk", "wv", "wo"):
            take(f"{layer}.{name}", (d, d))
        take(f"{layer}.norm2", (d,))
        take(f"{layer}.w1", (d, f))
        take(f"{layer}.w2", (f, d))
    take("final_norm", (d,))
    return offsets, cursor


class TinyTransformer:
    def __init__(self, config, flat):
        self.config = config
        self.offsets, size = layout(config)
        if flat.numel() != size:
            raise ValueError(f"parameter file holds {flat.numel()} floats, the config needs {size}")
        self.flat = torch.nn.Parameter(flat)

    def tensor(self, name):
        start, shape = self.offsets[name]
        return self.flat[start : start + math.prod(shape)].view(shape)

    @staticmethod
    def rms_norm(x, gain):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPSILON) * gain

    def logits(self, ids):
        config = self.config
        batch, length = ids.shape
        heads = config["nHeads"]
        head_dim = config["dModel"] // heads
        embedding = self.tensor("token_embedding")
        # F.embedding, not embedding[ids]: the indexing's backward (an accumulating index_put) summed its rows in a
        # thread-dependent order, so two runs with --threads 2 differed; this one gives the same bits run to run.
        x = F.embedding(ids, embedding) + self.tensor("position_embedding")[:length]
        for layer in range(config["nLayers"]):
            h = self.rms_norm(x, self.tensor(f"{layer}.norm1"))
            q, k, v = (
                (h @ self.tensor(f"{layer}.{name}")).view(batch, length, heads, head_dim).transpose(1, 2)
                for name in ("wq", "wk", "wv")
            )
            attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + attended.transpose(1, 2).reshape(batch, length, -1) @ self.tensor(f"{layer}.wo")
            h = self.rms_norm(x, self.tensor(f"{layer}.norm2"))
            x = x + F.gelu(h @ self.tensor(f"{layer}.w1"), approximate="tanh") @ self.tensor(f"{layer}.w2")
        return self.rms_norm(x, self.tensor("final_norm")) @ embedding.T


def batch_tensors(samples):
    length = max(len(sample["tokenIds"]) for sample in samples)
    ids = torch.zeros((len(samples), length), dtype=torch.long)
    mask = torch.zeros((len(samples), length), dtype=torch.float32)
    for row, sample in enumerate(samples):
        ids[row, : len(sample["tokenIds"])] = torch.tensor(sample["tokenIds"])
        mask[row, : len(sample["lossMask"])] = torch.tensor(sample["lossMask"], dtype=torch.float32)
    return ids, mask


def token_mean_loss(model, samples, label_smoothing=0.0):
    """Cross-entropy of every token whose loss mask is 1, predicted from the position before it, averaged."""
    ids, mask = batch_tensors(samples)
    logits = model.logits(ids[:, :-1])
    losses = F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]),
        ids[:, 1:].reshape(-1),
        reduction="none",
        label_smoothing=label_smoothing,
    )
    target_mask = mask[:, 1:].reshape(-1)
    return (losses * target_mask).sum() / target_mask.sum(), int(target_mask.sum().item())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--params", required=True, help="initial parameters: float32 little-endian, tinylm layout")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.002)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument(
        "--bucket-batches",
        type=int,
        default=0,
        help="draw this many batches' samples at a time, sort them by length, and train them as batches of "
        "similar length in a shuffled order (less padding); 0: batches in drawing order",
    )
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    with open(args.data) as file:
        data = json.load(file)
    samples = data["samples"]
    flat = torch.from_numpy(np.fromfile(args.params, dtype="<f4").copy())
    model = TinyTransformer(data["config"], flat)
    optimizer = torch.optim.AdamW([model.flat], lr=args.lr, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01)
    generator = np.random.default_rng(args.seed)
    order, cursor = generator.permutation(len(samples)), 0
    pending = []  # with --bucket-batches: batches of similar length not trained yet
    step, loss_ema = 0, None

    def reply(message):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    reply({"ready": True, "parameters": model.flat.numel(), "samples": len(samples)})
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("exit"):
            return
        if "loss_of" in command:
            with torch.no_grad():
                loss, _ = token_mean_loss(model, [samples[index] for index in command["loss_of"]])
            reply({"loss": loss.item()})
            continue
        started = time.monotonic()
        until_step = command.get("until_step")
        seconds = command.get("train_s", 0)
        progress_from, progress_to = command.get("progress", (0, 0))
        tokens = 0
        # Positions the batches held (batch size × its longest sequence) and the sequences' own tokens: their ratio
        # is the share of compute spent on padding, which --bucket-batches cuts.
        positions = lengths = 0
        learning_rate = args.lr

        def more():
            return step < until_step if until_step is not None else time.monotonic() - started < seconds

        def draw():
            nonlocal order, cursor
            if cursor >= len(order):
                order, cursor = generator.permutation(len(samples)), 0
            cursor += 1
            return samples[order[cursor - 1]]

        while more():
            if args.bucket_batches > 0:
                if not pending:
                    window = sorted(
                        (draw() for _ in range(args.bucket_batches * args.batch_size)),
                        key=lambda sample: len(sample["tokenIds"]),
                    )
                    chunks = [window[start : start + args.batch_size] for start in range(0, len(window), args.batch_size)]
                    pending.extend(chunks[index] for index in generator.permutation(len(chunks)))
                batch = pending.pop()
            else:
                batch = [draw() for _ in range(args.batch_size)]
            if until_step is not None:
                progress = min(1.0, step / command["schedule_steps"])
            else:
                elapsed = min(1.0, (time.monotonic() - started) / seconds)
                progress = min(1.0, progress_from + (progress_to - progress_from) * elapsed)
            warmup = min(1.0, (step + 1) / 100)
            learning_rate = args.lr * warmup * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
            for group in optimizer.param_groups:
                group["lr"] = learning_rate
            loss, count = token_mean_loss(model, batch, args.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([model.flat], 1.0)
            optimizer.step()
            tokens += count
            positions += len(batch) * max(len(sample["tokenIds"]) for sample in batch)
            lengths += sum(len(sample["tokenIds"]) for sample in batch)
            loss_ema = loss.item() if loss_ema is None else 0.98 * loss_ema + 0.02 * loss.item()
            step += 1
        model.flat.detach().numpy().astype("<f4").tofile(args.out)
        reply(
            {
                "step": step,
                "loss": loss_ema,
                "lr": learning_rate,
                "tokens": tokens,
                "positions": positions,
                "sequence_tokens": lengths,
            }
        )


if __name__ == "__main__":
    main()
