export { ChatTokenizer, qwen3TokenizerFolder } from './chat-tokenizer.ts';
export * as tinkerProtocol from './protocol.ts';
export { TinkerBackbone, type TinkerBackboneOptions, type TinkerTokenizer } from './tinker-backbone.ts';
export {
  TINKER_DEFAULT_BASE_URL,
  TINKER_MAX_RESPONSE_BYTES,
  TinkerClient,
  type TinkerClientOptions,
} from './tinker-client.ts';
export { lossFromTinkerOutput, tinkerForwardBackwardInput } from './tinker-loss.ts';
export { encodeForwardBackwardRequest, loadTinkerPublicProto } from './tinker-proto.ts';
