import protobuf from 'protobufjs';
import { backendProtoPath } from './load-backend.ts';
import type { WireErrorDetail, WireErrorDetailDecoded } from './wire.ts';

let errorDetailType: protobuf.Type | undefined;

function errorDetail(): protobuf.Type {
  errorDetailType ??= protobuf.loadSync(backendProtoPath).lookupType('ajet.v1.ErrorDetail');
  return errorDetailType;
}

/** An ErrorDetail as the bytes of the `ajet-error-detail-bin` trailer. */
export function encodeErrorDetail(detail: WireErrorDetail): Buffer {
  return Buffer.from(errorDetail().encode(errorDetail().fromObject(detail)).finish());
}

/** The ErrorDetail in a trailer's bytes, or undefined when they are not one. */
export function decodeErrorDetail(bytes: Uint8Array): WireErrorDetailDecoded | undefined {
  try {
    const message = errorDetail().decode(bytes);
    return errorDetail().toObject(message, { defaults: true }) as WireErrorDetailDecoded;
  } catch {
    return undefined;
  }
}
