export { decodeErrorDetail, encodeErrorDetail } from './error-detail.ts';
export { type BackendDefinition, backendProtoPath, loadBackend } from './load-backend.ts';
export * from './wire.ts';
