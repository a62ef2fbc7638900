export { manifest } from './manifest.ts';
export { SWANLAB_CLOUD_API, SwanlabSink, type SwanlabSinkOptions } from './swanlab-sink.ts';
export { readEventFile, readScalars, type ScalarPoint } from './tensorboard/event-file-reader.ts';
export type { TensorboardEvent } from './tensorboard/event-proto.ts';
export { scalarTags, TensorboardSink, type TensorboardSinkOptions } from './tensorboard-sink.ts';
