// The wire types and encodings without grpc-js: what a package that never opens a connection may import.
export { bytesToFloat32, bytesToInt32, bytesToUint8, float32ToBytes, int32ToBytes, uint8ToBytes } from './bytes.ts';
export * from './generated/index.generated.ts';

import type { BackendDefinition } from './generated/index.generated.ts';

/** An RPC of `ajet.v1.Backend` (`GetInfo`, `SampleChat`, ...), as backend.proto declares them. */
export type BackendMethodName = keyof {
  [Name in keyof BackendDefinition as string extends Name ? never : Name]: true;
} &
  string;

/** The trailing metadata key of a failed call's ErrorDetail (backend.proto). */
export const errorDetailMetadataKey = 'ajet-error-detail-bin';
