"""Writes fwdbwd-request.hex: the official SDK's protobuf encoding (tinker==0.38.0,
tinker.proto.request_conv.forward_backward_request_to_proto) of the JSON body in fwdbwd-request.json.
tinker-proto.test.ts checks that the TypeScript encoder's bytes decode to the same message.

    python packages/backbone-tinker/test-fixtures/gen_fwdbwd_golden.py   (with requirements.txt installed)
"""

from __future__ import annotations

import json
from pathlib import Path

from tinker import types
from tinker.proto.request_conv import forward_backward_request_to_proto

HERE = Path(__file__).parent


def main() -> None:
    body = json.loads((HERE / "fwdbwd-request.json").read_text())
    fwd = body["forward_backward_input"]
    data = [
        types.Datum(
            model_input=types.ModelInput(chunks=[types.EncodedTextChunk(tokens=chunk["tokens"]) for chunk in datum["model_input"]["chunks"]]),
            loss_fn_inputs={name: types.TensorData(data=t["data"], dtype=t["dtype"], shape=t["shape"]) for name, t in datum["loss_fn_inputs"].items()},
        )
        for datum in fwd["data"]
    ]
    request = types.ForwardBackwardRequest(
        forward_backward_input=types.ForwardBackwardInput(data=data, loss_fn=fwd["loss_fn"], loss_fn_config=fwd.get("loss_fn_config")),
        model_id=body["model_id"],
        seq_id=body["seq_id"],
    )
    (HERE / "fwdbwd-request.hex").write_text(forward_backward_request_to_proto(request).SerializeToString().hex() + "\n")


if __name__ == "__main__":
    main()
