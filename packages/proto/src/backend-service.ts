import { fileURLToPath } from 'node:url';
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import protobuf from 'protobufjs';

/** The protocol file, shipped with the package (the Python server generates its stubs from the same file). */
export const BACKEND_PROTO = fileURLToPath(new URL('../ajet/v1/backend.proto', import.meta.url));

/** How messages map to JavaScript: field names as written, 64-bit ints as numbers, bytes as Buffers. */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: true,
};

export const BACKEND_METHODS = [
  'GetInfo',
  'RenderChat',
  'Detokenize',
  'Sample',
  'ForwardBackward',
  'OptimStep',
  'SaveState',
  'LoadState',
] as const;

export type BackendMethod = (typeof BACKEND_METHODS)[number];

export interface BackendService {
  definition: ServiceDefinition;
  Client: ServiceClientConstructor;
}

/** Loads ajet.v1.Backend from the .proto at run time (offline: no code generation step). */
export function loadBackendService(): BackendService {
  const packageDefinition = loadSync(BACKEND_PROTO, PROTO_LOADER_OPTIONS);
  const loaded = loadPackageDefinition(packageDefinition) as unknown as { ajet: { v1: GrpcObject } };
  const Client = loaded.ajet.v1.Backend as ServiceClientConstructor;
  return { definition: Client.service, Client };
}

/** protobufjs's view of one message type, for golden tests of the wire format. */
export function messageType(name: string): protobuf.Type {
  return new protobuf.Root().loadSync(BACKEND_PROTO, { keepCase: true }).lookupType(`ajet.v1.${name}`);
}
