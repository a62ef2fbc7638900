export { GrpcBackbone, type GrpcBackboneOptions } from './grpc-backbone.ts';
export { manifest } from './manifest.ts';
export { runServeCommand, type ServeCommandOptions } from './run-serve-command.ts';
export { type BackboneServer, type ServeBackboneOptions, serveBackbone } from './serve-backbone.ts';
