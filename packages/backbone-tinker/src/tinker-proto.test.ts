import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ForwardBackwardRequestBody } from './protocol.ts';
import { tinkerForwardBackwardInput } from './tinker-loss.ts';
import { encodeForwardBackwardRequest, loadTinkerPublicProto } from './tinker-proto.ts';

const fixture = (name: string) => readFileSync(new URL(`../test-fixtures/${name}`, import.meta.url), 'utf8');

describe('forward_backward as protobuf, as the SDK encodes it', () => {
  const root = loadTinkerPublicProto();
  const type = root.lookupType('tinker_public.ForwardBackwardRequest');
  const decoded = (bytes: Uint8Array) => type.toObject(type.decode(bytes), { longs: String, bytes: String });
  const body: ForwardBackwardRequestBody = JSON.parse(fixture('fwdbwd-request.json'));

  it('the JSON body is what the loss mapping produces', () => {
    const input = tinkerForwardBackwardInput({
      samples: [
        { tokenIds: [1, 2, 3, 4], lossMask: [0, 0, 1, 1], samplerLogprobs: [0, 0, -0.5, -0.25], advantage: 1 },
        { tokenIds: [5, 6, 7], lossMask: [0, 1, 1], samplerLogprobs: [0, -1, -0.75], advantage: -0.5 },
      ],
      loss: { type: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' },
    });
    expect(body.forward_backward_input).toEqual(input);
    // ...and what the SDK's JSON type makes of it (gen_sdk_bodies.py): nothing dropped, nothing added.
    expect(JSON.parse(fixture('sdk-bodies.json')).forward_backward_input).toEqual(input);
  });

  it('decodes to the message tinker==0.38.0 encodes (fwdbwd-request.hex, from gen_fwdbwd_golden.py)', () => {
    const golden = Buffer.from(fixture('fwdbwd-request.hex').trim(), 'hex');
    const ours = encodeForwardBackwardRequest({ root, body });
    expect(decoded(ours)).toEqual(decoded(golden));
    expect(decoded(ours).data[0].lossFnInputs.advantages.dense).toBe(
      Buffer.from(Float32Array.from([0, 0.25, 0.25]).buffer).toString('base64'),
    );
  });
});
