export { backboneDefaults } from './backbone-defaults.ts';
export { type BackboneMethodName, backboneMethods, requiredBackboneMethods } from './backbone-methods.ts';
export {
  type BackendErrorCode,
  backendErrorCodes,
  errorDetailOf,
  errorFromDetail,
  stateNameHint,
} from './backend-errors.ts';
export { folderDamage, fsyncPath, STATE_MANIFEST, sealFolder } from './folder-manifest.ts';
export { sampleChatInParts } from './sample-chat-in-parts.ts';
