export { LoopbackSwanlab, type UploadedScalar } from './loopback-swanlab.ts';
