import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { ForwardBackwardRequestBody, TensorData } from './protocol.ts';

/** The schema of the SDK's binary messages: `tinker_public.proto`, reconstructed from its compiled descriptor. */
export function loadTinkerPublicProto(): protobuf.Root {
  return protobuf.loadSync(fileURLToPath(new URL('./tinker_public.proto', import.meta.url)));
}

const dtypes = { float32: 1, int64: 2 } as const;

function littleEndian(values: readonly number[], dtype: TensorData['dtype'] | 'int32'): Uint8Array {
  const array =
    dtype === 'float32'
      ? Float32Array.from(values)
      : dtype === 'int32'
        ? Int32Array.from(values)
        : BigInt64Array.from(values, (value) => BigInt(value));
  // Typed arrays use the platform's byte order; every platform Node runs on is little-endian, as numpy's tobytes().
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function tensorMessage(tensor: TensorData) {
  if (tensor.sparse_crow_indices || tensor.sparse_col_indices) {
    throw new Error('tinker-proto: sparse tensors are not encoded (ajet sends dense ones)');
  }
  return { dtype: dtypes[tensor.dtype], shape: tensor.shape ?? [], dense: littleEndian(tensor.data, tensor.dtype) };
}

/**
 * forward_backward as SDK 0.38.0 sends it (`tinker.proto.request_conv.forward_backward_request_to_proto`): tokens
 * as int32 bytes, tensors as dense little-endian bytes, numeric loss config written to both config maps.
 */
export function encodeForwardBackwardRequest(options: {
  root: protobuf.Root;
  body: ForwardBackwardRequestBody;
}): Uint8Array {
  const { root, body } = options;
  const type = root.lookupType('tinker_public.ForwardBackwardRequest');
  const input = body.forward_backward_input;
  const config = Object.entries(input.loss_fn_config ?? {});
  const message = type.fromObject({
    modelId: body.model_id,
    seqId: body.seq_id ?? 0,
    lossFn: input.loss_fn,
    lossFnConfig: Object.fromEntries(config.filter(([, value]) => typeof value === 'number')),
    lossFnConfigV2: Object.fromEntries(
      config.map(([key, value]) => [key, typeof value === 'number' ? { number: value } : { text: value }]),
    ),
    data: input.data.map((datum) => ({
      modelInput: datum.model_input.chunks.map((chunk) => ({
        encodedText: { tokens: littleEndian(chunk.tokens, 'int32') },
      })),
      lossFnInputs: Object.fromEntries(
        Object.entries(datum.loss_fn_inputs).map(([name, tensor]) => [name, tensorMessage(tensor)]),
      ),
    })),
  });
  return type.encode(message).finish();
}
