"""Writes sdk-bodies.json: the JSON bodies the official SDK (tinker==0.38.0) posts for the requests ajet makes, as
its resources do (model_dump(request, exclude_unset=False, exclude_none=True, mode="json")).
tinker-backbone.test.ts checks that the TypeScript backbone posts the same bodies.

    python packages/backbone-tinker/test-fixtures/gen_sdk_bodies.py   (with requirements.txt installed)
"""

from __future__ import annotations

import json
from pathlib import Path

from tinker import types
from tinker._models import BaseModel
from tinker.types._pydantic_types.forward_backward_input import ForwardBackwardInput as PydanticForwardBackwardInput

HERE = Path(__file__).parent


def dump(request: BaseModel) -> dict:
    from tinker._compat import model_dump

    return model_dump(request, exclude_unset=False, exclude_none=True, mode="json")


def main() -> None:
    bodies = {
        "create_model": dump(
            types.CreateModelRequest(
                session_id="session-1", model_seq_id=0, base_model="Qwen/Qwen3-4B-Instruct-2507", lora_config=types.LoraConfig(rank=8, seed=3)
            )
        ),
        "optim_step": dump(
            types.OptimStepRequest(
                model_id="model-1",
                seq_id=2,
                adam_params=types.AdamParams(learning_rate=1e-4, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip_norm=1.0),
            )
        ),
        "save_weights_for_sampler": dump(types.SaveWeightsForSamplerRequest(model_id="model-1", seq_id=3, path="ajet-policy-1")),
        "sample": dump(
            types.SampleRequest(
                num_samples=1,
                prompt=types.ModelInput.from_ints([1, 2]),
                sampling_params=types.SamplingParams(temperature=1, top_p=1, top_k=-1, max_tokens=8),
                model_path="tinker://model-1/sampler_weights/ajet-policy-1",
            )
        ),
        "save_weights": dump(types.SaveWeightsRequest(model_id="model-1", seq_id=4, path="run-1/step-1")),
        "load_weights": dump(
            types.LoadWeightsRequest(model_id="model-1", seq_id=5, path="tinker://model-1/weights/run-1/step-1", optimizer=True)
        ),
    }
    # forward_backward goes as protobuf in 0.38.0; its JSON form is the SDK's pydantic ForwardBackwardInput.
    fwdbwd = json.loads((HERE / "fwdbwd-request.json").read_text())["forward_backward_input"]
    bodies["forward_backward_input"] = dump(PydanticForwardBackwardInput.model_validate(fwdbwd))
    (HERE / "sdk-bodies.json").write_text(json.dumps(bodies, indent=2) + "\n")


if __name__ == "__main__":
    main()
