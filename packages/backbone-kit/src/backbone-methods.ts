import type { BackendMethodName } from '@ajet/proto/wire';
import type { Backbone } from '@ajet/spec';

/**
 * Every method of the Backbone interface, with the backend.proto RPC that carries it over the wire: the one list
 * that servers, clients, worker threads and the plugin loader read.
 */
export const backboneMethods = [
  { name: 'getInfo', rpc: 'GetInfo', required: true },
  { name: 'renderChat', rpc: 'RenderChat', required: true },
  { name: 'detokenize', rpc: 'Detokenize', required: true },
  { name: 'sample', rpc: 'Sample', required: true },
  // Optional: sampleChatInParts makes the two calls for a backbone without it.
  { name: 'sampleChat', rpc: 'SampleChat', required: false },
  { name: 'forwardBackward', rpc: 'ForwardBackward', required: true },
  { name: 'optimStep', rpc: 'OptimStep', required: true },
  { name: 'saveState', rpc: 'SaveState', required: true },
  { name: 'loadState', rpc: 'LoadState', required: true },
  // In process only: a client closes its own connection.
  { name: 'close', rpc: undefined, required: true },
] as const satisfies readonly { name: keyof Backbone; rpc: BackendMethodName | undefined; required: boolean }[];

export type BackboneMethodName = (typeof backboneMethods)[number]['name'];

/** The methods every Backbone instance must have, in order. */
export const requiredBackboneMethods: readonly BackboneMethodName[] = backboneMethods
  .filter((method) => method.required)
  .map((method) => method.name);

// Compile-time checks that the list covers the interface and the proto: adding a method or an RPC without a row
// here fails the typecheck.
type Uncovered<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;
export const everyBackboneMethodListed: Uncovered<Exclude<keyof Backbone, 'stateStore'>, BackboneMethodName> = true;
export const everyRpcListed: Uncovered<BackendMethodName, NonNullable<(typeof backboneMethods)[number]['rpc']>> = true;
