"""Measures a running ajet_backend over gRPC: sampled tokens/s (Sample, n completions) and train tokens/s
(ForwardBackward + OptimStep on those completions). Prints the two rates.

    python backend/scripts/smoke_client.py --address 127.0.0.1:50051 [--rounds 3] [--n 8] [--max-tokens 128] [--concurrency 1]
"""

import argparse
import asyncio
import time

import grpc

from ajet_backend.proto_stubs import load_stubs
from ajet_backend.service import decode_int32


async def measure(arguments: argparse.Namespace) -> None:
    pb, pb_grpc = load_stubs()
    async with grpc.aio.insecure_channel(arguments.address) as channel:
        stub = pb_grpc.BackendStub(channel)
        rendered = await stub.RenderChat(pb.RenderChatRequest(messages=[pb.ChatMessage(role="user", content="What is 12 * 7 + 3?")]))
        prompt_length = len(decode_int32(rendered.token_ids))
        sampled_tokens = trained_tokens = 0
        sample_seconds = train_seconds = 0.0
        for round_index in range(arguments.rounds):
            started = time.perf_counter()
            # --concurrency calls at once (sampler replicas behind a Ray Serve front answer them in parallel).
            requests = [
                pb.SampleRequest(prompt_ids=rendered.token_ids, n=arguments.n, sampling=pb.SamplingParams(temperature=0.9, max_tokens=arguments.max_tokens, seed=round_index * arguments.concurrency + call))
                for call in range(arguments.concurrency)
            ]

            async def drain(request):
                return [chunk async for chunk in stub.Sample(request)]

            chunks = [chunk for answer in await asyncio.gather(*(drain(request) for request in requests)) for chunk in answer]
            sample_seconds += time.perf_counter() - started
            samples = []
            for index, chunk in enumerate(chunks):
                count = len(decode_int32(chunk.token_ids))
                sampled_tokens += count
                samples.append(
                    pb.TrainingSample(
                        token_ids=rendered.token_ids + chunk.token_ids,
                        loss_mask=bytes([0] * prompt_length + [1] * count),
                        sampler_logprobs=bytes(4 * prompt_length) + chunk.logprobs,
                        advantage=1.0 if index % 2 == 0 else -1.0,
                    )
                )
            started = time.perf_counter()
            loss = pb.LossSpec(ppo=pb.PpoLoss(clip_low=0.2, clip_high=0.28, aggregation=pb.LOSS_AGGREGATION_TOKEN_MEAN))
            await stub.ForwardBackward(pb.ForwardBackwardRequest(samples=samples, loss=loss))
            await stub.OptimStep(pb.OptimStepRequest(learning_rate=1e-6, beta1=0.9, beta2=0.999, eps=1e-8, max_grad_norm=0.1))
            train_seconds += time.perf_counter() - started
            trained_tokens += sum(len(sample.token_ids) // 4 for sample in samples)
        print(f"sampled tokens/s: {sampled_tokens / sample_seconds:.1f} ({sampled_tokens} tokens, {arguments.rounds} rounds of {arguments.concurrency} x n={arguments.n})")
        print(f"train tokens/s: {trained_tokens / train_seconds:.1f} ({trained_tokens} tokens incl. prompts, forward+backward+step)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--concurrency", type=int, default=1, help="Sample calls in flight at once")
    asyncio.run(measure(parser.parse_args()))
