export type { GrpcBackboneOptions } from './grpc-backbone.ts';
export { GrpcBackbone } from './grpc-backbone.ts';
export type { ServeBackboneOptions, ServedBackbone } from './serve-backbone.ts';
export { serveBackbone } from './serve-backbone.ts';
