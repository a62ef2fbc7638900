import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { BackendMethodName } from './wire.ts';

/** Absolute path of `ajet/v1/backend.proto`, for servers in other languages and for tools. */
export const backendProtoPath = fileURLToPath(new URL('../ajet/v1/backend.proto', import.meta.url));

/**
 * Field names arrive in camelCase, 64-bit integers as numbers, enums as their names, bytes as Buffers,
 * unset scalars as their defaults, and the set member of a oneof under its oneof name (`loss.loss`). The
 * generated wire types (src/generated, `pnpm gen:proto`) are made with the same options.
 */
const loaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface BackendDefinition {
  /** The `ajet.v1.Backend` service, for `server.addService`. */
  service: grpc.ServiceDefinition;
  /** Client constructor for `ajet.v1.Backend`. */
  Client: grpc.ServiceClientConstructor;
  /** Each RPC's definition (path, serializers), by name: the RPCs backend.proto declares. */
  methods: Record<BackendMethodName, grpc.MethodDefinition<object, object>>;
}

/** Loads backend.proto at run time (no code generation, works offline). */
export function loadBackend(): BackendDefinition {
  const packageDefinition = protoLoader.loadSync(backendProtoPath, loaderOptions);
  const root = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    ajet: { v1: { Backend: grpc.ServiceClientConstructor } };
  };
  const Client = root.ajet.v1.Backend;
  const methods = { ...Client.service } as Record<BackendMethodName, grpc.MethodDefinition<object, object>>;
  return { service: Client.service, Client, methods };
}
