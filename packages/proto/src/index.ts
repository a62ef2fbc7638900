export { bytesToFloat32, bytesToInt32, bytesToUint8, float32ToBytes, int32ToBytes, uint8ToBytes } from './bytes.ts';
export {
  type BackendDefinition,
  type BackendMethodName,
  backendMethodNames,
  backendProtoPath,
  loadBackend,
} from './load-backend.ts';
export type * from './messages.ts';
