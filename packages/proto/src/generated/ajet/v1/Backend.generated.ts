// Original file: ajet/v1/backend.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { WireDetokenizeRequest as Wire_ajet_v1_DetokenizeRequest, WireDetokenizeRequestDecoded as Wire_ajet_v1_DetokenizeRequestDecoded } from '../../ajet/v1/DetokenizeRequest.generated.ts';
import type { WireDetokenizeResponse as Wire_ajet_v1_DetokenizeResponse, WireDetokenizeResponseDecoded as Wire_ajet_v1_DetokenizeResponseDecoded } from '../../ajet/v1/DetokenizeResponse.generated.ts';
import type { WireForwardBackwardRequest as Wire_ajet_v1_ForwardBackwardRequest, WireForwardBackwardRequestDecoded as Wire_ajet_v1_ForwardBackwardRequestDecoded } from '../../ajet/v1/ForwardBackwardRequest.generated.ts';
import type { WireForwardBackwardResponse as Wire_ajet_v1_ForwardBackwardResponse, WireForwardBackwardResponseDecoded as Wire_ajet_v1_ForwardBackwardResponseDecoded } from '../../ajet/v1/ForwardBackwardResponse.generated.ts';
import type { WireGetInfoRequest as Wire_ajet_v1_GetInfoRequest, WireGetInfoRequestDecoded as Wire_ajet_v1_GetInfoRequestDecoded } from '../../ajet/v1/GetInfoRequest.generated.ts';
import type { WireGetInfoResponse as Wire_ajet_v1_GetInfoResponse, WireGetInfoResponseDecoded as Wire_ajet_v1_GetInfoResponseDecoded } from '../../ajet/v1/GetInfoResponse.generated.ts';
import type { WireOptimStepRequest as Wire_ajet_v1_OptimStepRequest, WireOptimStepRequestDecoded as Wire_ajet_v1_OptimStepRequestDecoded } from '../../ajet/v1/OptimStepRequest.generated.ts';
import type { WireOptimStepResponse as Wire_ajet_v1_OptimStepResponse, WireOptimStepResponseDecoded as Wire_ajet_v1_OptimStepResponseDecoded } from '../../ajet/v1/OptimStepResponse.generated.ts';
import type { WireRenderChatRequest as Wire_ajet_v1_RenderChatRequest, WireRenderChatRequestDecoded as Wire_ajet_v1_RenderChatRequestDecoded } from '../../ajet/v1/RenderChatRequest.generated.ts';
import type { WireRenderChatResponse as Wire_ajet_v1_RenderChatResponse, WireRenderChatResponseDecoded as Wire_ajet_v1_RenderChatResponseDecoded } from '../../ajet/v1/RenderChatResponse.generated.ts';
import type { WireSampleChatRequest as Wire_ajet_v1_SampleChatRequest, WireSampleChatRequestDecoded as Wire_ajet_v1_SampleChatRequestDecoded } from '../../ajet/v1/SampleChatRequest.generated.ts';
import type { WireSampleChatResponse as Wire_ajet_v1_SampleChatResponse, WireSampleChatResponseDecoded as Wire_ajet_v1_SampleChatResponseDecoded } from '../../ajet/v1/SampleChatResponse.generated.ts';
import type { WireSampleChunk as Wire_ajet_v1_SampleChunk, WireSampleChunkDecoded as Wire_ajet_v1_SampleChunkDecoded } from '../../ajet/v1/SampleChunk.generated.ts';
import type { WireSampleRequest as Wire_ajet_v1_SampleRequest, WireSampleRequestDecoded as Wire_ajet_v1_SampleRequestDecoded } from '../../ajet/v1/SampleRequest.generated.ts';
import type { WireStateRequest as Wire_ajet_v1_StateRequest, WireStateRequestDecoded as Wire_ajet_v1_StateRequestDecoded } from '../../ajet/v1/StateRequest.generated.ts';
import type { WireStateResponse as Wire_ajet_v1_StateResponse, WireStateResponseDecoded as Wire_ajet_v1_StateResponseDecoded } from '../../ajet/v1/StateResponse.generated.ts';

export interface BackendClient extends grpc.Client {
  Detokenize(argument: Wire_ajet_v1_DetokenizeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_DetokenizeResponseDecoded>): grpc.ClientUnaryCall;
  Detokenize(argument: Wire_ajet_v1_DetokenizeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_DetokenizeResponseDecoded>): grpc.ClientUnaryCall;
  Detokenize(argument: Wire_ajet_v1_DetokenizeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_DetokenizeResponseDecoded>): grpc.ClientUnaryCall;
  Detokenize(argument: Wire_ajet_v1_DetokenizeRequest, callback: grpc.requestCallback<Wire_ajet_v1_DetokenizeResponseDecoded>): grpc.ClientUnaryCall;
  detokenize(argument: Wire_ajet_v1_DetokenizeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_DetokenizeResponseDecoded>): grpc.ClientUnaryCall;
  detokenize(argument: Wire_ajet_v1_DetokenizeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_DetokenizeResponseDecoded>): grpc.ClientUnaryCall;
  detokenize(argument: Wire_ajet_v1_DetokenizeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_DetokenizeResponseDecoded>): grpc.ClientUnaryCall;
  detokenize(argument: Wire_ajet_v1_DetokenizeRequest, callback: grpc.requestCallback<Wire_ajet_v1_DetokenizeResponseDecoded>): grpc.ClientUnaryCall;
  
  ForwardBackward(argument: Wire_ajet_v1_ForwardBackwardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_ForwardBackwardResponseDecoded>): grpc.ClientUnaryCall;
  ForwardBackward(argument: Wire_ajet_v1_ForwardBackwardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_ForwardBackwardResponseDecoded>): grpc.ClientUnaryCall;
  ForwardBackward(argument: Wire_ajet_v1_ForwardBackwardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_ForwardBackwardResponseDecoded>): grpc.ClientUnaryCall;
  ForwardBackward(argument: Wire_ajet_v1_ForwardBackwardRequest, callback: grpc.requestCallback<Wire_ajet_v1_ForwardBackwardResponseDecoded>): grpc.ClientUnaryCall;
  forwardBackward(argument: Wire_ajet_v1_ForwardBackwardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_ForwardBackwardResponseDecoded>): grpc.ClientUnaryCall;
  forwardBackward(argument: Wire_ajet_v1_ForwardBackwardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_ForwardBackwardResponseDecoded>): grpc.ClientUnaryCall;
  forwardBackward(argument: Wire_ajet_v1_ForwardBackwardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_ForwardBackwardResponseDecoded>): grpc.ClientUnaryCall;
  forwardBackward(argument: Wire_ajet_v1_ForwardBackwardRequest, callback: grpc.requestCallback<Wire_ajet_v1_ForwardBackwardResponseDecoded>): grpc.ClientUnaryCall;
  
  GetInfo(argument: Wire_ajet_v1_GetInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_GetInfoResponseDecoded>): grpc.ClientUnaryCall;
  GetInfo(argument: Wire_ajet_v1_GetInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_GetInfoResponseDecoded>): grpc.ClientUnaryCall;
  GetInfo(argument: Wire_ajet_v1_GetInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_GetInfoResponseDecoded>): grpc.ClientUnaryCall;
  GetInfo(argument: Wire_ajet_v1_GetInfoRequest, callback: grpc.requestCallback<Wire_ajet_v1_GetInfoResponseDecoded>): grpc.ClientUnaryCall;
  getInfo(argument: Wire_ajet_v1_GetInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_GetInfoResponseDecoded>): grpc.ClientUnaryCall;
  getInfo(argument: Wire_ajet_v1_GetInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_GetInfoResponseDecoded>): grpc.ClientUnaryCall;
  getInfo(argument: Wire_ajet_v1_GetInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_GetInfoResponseDecoded>): grpc.ClientUnaryCall;
  getInfo(argument: Wire_ajet_v1_GetInfoRequest, callback: grpc.requestCallback<Wire_ajet_v1_GetInfoResponseDecoded>): grpc.ClientUnaryCall;
  
  LoadState(argument: Wire_ajet_v1_StateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  LoadState(argument: Wire_ajet_v1_StateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  LoadState(argument: Wire_ajet_v1_StateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  LoadState(argument: Wire_ajet_v1_StateRequest, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  loadState(argument: Wire_ajet_v1_StateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  loadState(argument: Wire_ajet_v1_StateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  loadState(argument: Wire_ajet_v1_StateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  loadState(argument: Wire_ajet_v1_StateRequest, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  
  OptimStep(argument: Wire_ajet_v1_OptimStepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_OptimStepResponseDecoded>): grpc.ClientUnaryCall;
  OptimStep(argument: Wire_ajet_v1_OptimStepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_OptimStepResponseDecoded>): grpc.ClientUnaryCall;
  OptimStep(argument: Wire_ajet_v1_OptimStepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_OptimStepResponseDecoded>): grpc.ClientUnaryCall;
  OptimStep(argument: Wire_ajet_v1_OptimStepRequest, callback: grpc.requestCallback<Wire_ajet_v1_OptimStepResponseDecoded>): grpc.ClientUnaryCall;
  optimStep(argument: Wire_ajet_v1_OptimStepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_OptimStepResponseDecoded>): grpc.ClientUnaryCall;
  optimStep(argument: Wire_ajet_v1_OptimStepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_OptimStepResponseDecoded>): grpc.ClientUnaryCall;
  optimStep(argument: Wire_ajet_v1_OptimStepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_OptimStepResponseDecoded>): grpc.ClientUnaryCall;
  optimStep(argument: Wire_ajet_v1_OptimStepRequest, callback: grpc.requestCallback<Wire_ajet_v1_OptimStepResponseDecoded>): grpc.ClientUnaryCall;
  
  RenderChat(argument: Wire_ajet_v1_RenderChatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_RenderChatResponseDecoded>): grpc.ClientUnaryCall;
  RenderChat(argument: Wire_ajet_v1_RenderChatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_RenderChatResponseDecoded>): grpc.ClientUnaryCall;
  RenderChat(argument: Wire_ajet_v1_RenderChatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_RenderChatResponseDecoded>): grpc.ClientUnaryCall;
  RenderChat(argument: Wire_ajet_v1_RenderChatRequest, callback: grpc.requestCallback<Wire_ajet_v1_RenderChatResponseDecoded>): grpc.ClientUnaryCall;
  renderChat(argument: Wire_ajet_v1_RenderChatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_RenderChatResponseDecoded>): grpc.ClientUnaryCall;
  renderChat(argument: Wire_ajet_v1_RenderChatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_RenderChatResponseDecoded>): grpc.ClientUnaryCall;
  renderChat(argument: Wire_ajet_v1_RenderChatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_RenderChatResponseDecoded>): grpc.ClientUnaryCall;
  renderChat(argument: Wire_ajet_v1_RenderChatRequest, callback: grpc.requestCallback<Wire_ajet_v1_RenderChatResponseDecoded>): grpc.ClientUnaryCall;
  
  /**
   * One message per completion, in index order; the stream ends after the last one.
   */
  Sample(argument: Wire_ajet_v1_SampleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<Wire_ajet_v1_SampleChunkDecoded>;
  Sample(argument: Wire_ajet_v1_SampleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<Wire_ajet_v1_SampleChunkDecoded>;
  /**
   * One message per completion, in index order; the stream ends after the last one.
   */
  sample(argument: Wire_ajet_v1_SampleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<Wire_ajet_v1_SampleChunkDecoded>;
  sample(argument: Wire_ajet_v1_SampleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<Wire_ajet_v1_SampleChunkDecoded>;
  
  /**
   * RenderChat (with the generation prompt) then Sample on prefix + rendered tokens, in one round trip: what the
   * runtime does for every model call. max_tokens is clamped to the room left in max_model_len.
   */
  SampleChat(argument: Wire_ajet_v1_SampleChatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_SampleChatResponseDecoded>): grpc.ClientUnaryCall;
  SampleChat(argument: Wire_ajet_v1_SampleChatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_SampleChatResponseDecoded>): grpc.ClientUnaryCall;
  SampleChat(argument: Wire_ajet_v1_SampleChatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_SampleChatResponseDecoded>): grpc.ClientUnaryCall;
  SampleChat(argument: Wire_ajet_v1_SampleChatRequest, callback: grpc.requestCallback<Wire_ajet_v1_SampleChatResponseDecoded>): grpc.ClientUnaryCall;
  /**
   * RenderChat (with the generation prompt) then Sample on prefix + rendered tokens, in one round trip: what the
   * runtime does for every model call. max_tokens is clamped to the room left in max_model_len.
   */
  sampleChat(argument: Wire_ajet_v1_SampleChatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_SampleChatResponseDecoded>): grpc.ClientUnaryCall;
  sampleChat(argument: Wire_ajet_v1_SampleChatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_SampleChatResponseDecoded>): grpc.ClientUnaryCall;
  sampleChat(argument: Wire_ajet_v1_SampleChatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_SampleChatResponseDecoded>): grpc.ClientUnaryCall;
  sampleChat(argument: Wire_ajet_v1_SampleChatRequest, callback: grpc.requestCallback<Wire_ajet_v1_SampleChatResponseDecoded>): grpc.ClientUnaryCall;
  
  SaveState(argument: Wire_ajet_v1_StateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  SaveState(argument: Wire_ajet_v1_StateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  SaveState(argument: Wire_ajet_v1_StateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  SaveState(argument: Wire_ajet_v1_StateRequest, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  saveState(argument: Wire_ajet_v1_StateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  saveState(argument: Wire_ajet_v1_StateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  saveState(argument: Wire_ajet_v1_StateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  saveState(argument: Wire_ajet_v1_StateRequest, callback: grpc.requestCallback<Wire_ajet_v1_StateResponseDecoded>): grpc.ClientUnaryCall;
  
}

export interface BackendHandlers extends grpc.UntypedServiceImplementation {
  Detokenize: grpc.handleUnaryCall<Wire_ajet_v1_DetokenizeRequestDecoded, Wire_ajet_v1_DetokenizeResponse>;
  
  ForwardBackward: grpc.handleUnaryCall<Wire_ajet_v1_ForwardBackwardRequestDecoded, Wire_ajet_v1_ForwardBackwardResponse>;
  
  GetInfo: grpc.handleUnaryCall<Wire_ajet_v1_GetInfoRequestDecoded, Wire_ajet_v1_GetInfoResponse>;
  
  LoadState: grpc.handleUnaryCall<Wire_ajet_v1_StateRequestDecoded, Wire_ajet_v1_StateResponse>;
  
  OptimStep: grpc.handleUnaryCall<Wire_ajet_v1_OptimStepRequestDecoded, Wire_ajet_v1_OptimStepResponse>;
  
  RenderChat: grpc.handleUnaryCall<Wire_ajet_v1_RenderChatRequestDecoded, Wire_ajet_v1_RenderChatResponse>;
  
  /**
   * One message per completion, in index order; the stream ends after the last one.
   */
  Sample: grpc.handleServerStreamingCall<Wire_ajet_v1_SampleRequestDecoded, Wire_ajet_v1_SampleChunk>;
  
  /**
   * RenderChat (with the generation prompt) then Sample on prefix + rendered tokens, in one round trip: what the
   * runtime does for every model call. max_tokens is clamped to the room left in max_model_len.
   */
  SampleChat: grpc.handleUnaryCall<Wire_ajet_v1_SampleChatRequestDecoded, Wire_ajet_v1_SampleChatResponse>;
  
  SaveState: grpc.handleUnaryCall<Wire_ajet_v1_StateRequestDecoded, Wire_ajet_v1_StateResponse>;
  
}

export interface BackendDefinition extends grpc.ServiceDefinition {
  Detokenize: MethodDefinition<Wire_ajet_v1_DetokenizeRequest, Wire_ajet_v1_DetokenizeResponse, Wire_ajet_v1_DetokenizeRequestDecoded, Wire_ajet_v1_DetokenizeResponseDecoded>
  ForwardBackward: MethodDefinition<Wire_ajet_v1_ForwardBackwardRequest, Wire_ajet_v1_ForwardBackwardResponse, Wire_ajet_v1_ForwardBackwardRequestDecoded, Wire_ajet_v1_ForwardBackwardResponseDecoded>
  GetInfo: MethodDefinition<Wire_ajet_v1_GetInfoRequest, Wire_ajet_v1_GetInfoResponse, Wire_ajet_v1_GetInfoRequestDecoded, Wire_ajet_v1_GetInfoResponseDecoded>
  LoadState: MethodDefinition<Wire_ajet_v1_StateRequest, Wire_ajet_v1_StateResponse, Wire_ajet_v1_StateRequestDecoded, Wire_ajet_v1_StateResponseDecoded>
  OptimStep: MethodDefinition<Wire_ajet_v1_OptimStepRequest, Wire_ajet_v1_OptimStepResponse, Wire_ajet_v1_OptimStepRequestDecoded, Wire_ajet_v1_OptimStepResponseDecoded>
  RenderChat: MethodDefinition<Wire_ajet_v1_RenderChatRequest, Wire_ajet_v1_RenderChatResponse, Wire_ajet_v1_RenderChatRequestDecoded, Wire_ajet_v1_RenderChatResponseDecoded>
  Sample: MethodDefinition<Wire_ajet_v1_SampleRequest, Wire_ajet_v1_SampleChunk, Wire_ajet_v1_SampleRequestDecoded, Wire_ajet_v1_SampleChunkDecoded>
  SampleChat: MethodDefinition<Wire_ajet_v1_SampleChatRequest, Wire_ajet_v1_SampleChatResponse, Wire_ajet_v1_SampleChatRequestDecoded, Wire_ajet_v1_SampleChatResponseDecoded>
  SaveState: MethodDefinition<Wire_ajet_v1_StateRequest, Wire_ajet_v1_StateResponse, Wire_ajet_v1_StateRequestDecoded, Wire_ajet_v1_StateResponseDecoded>
}
