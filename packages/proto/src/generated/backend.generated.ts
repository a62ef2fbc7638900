import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { BackendClient as _ajet_v1_BackendClient, BackendDefinition as _ajet_v1_BackendDefinition } from './ajet/v1/Backend.generated.ts';
import type { WireCapabilities as Wire_ajet_v1_Capabilities, WireCapabilitiesDecoded as Wire_ajet_v1_CapabilitiesDecoded } from './ajet/v1/Capabilities.generated.ts';
import type { WireChatMessage as Wire_ajet_v1_ChatMessage, WireChatMessageDecoded as Wire_ajet_v1_ChatMessageDecoded } from './ajet/v1/ChatMessage.generated.ts';
import type { WireCrossEntropyLoss as Wire_ajet_v1_CrossEntropyLoss, WireCrossEntropyLossDecoded as Wire_ajet_v1_CrossEntropyLossDecoded } from './ajet/v1/CrossEntropyLoss.generated.ts';
import type { WireDetokenizeRequest as Wire_ajet_v1_DetokenizeRequest, WireDetokenizeRequestDecoded as Wire_ajet_v1_DetokenizeRequestDecoded } from './ajet/v1/DetokenizeRequest.generated.ts';
import type { WireDetokenizeResponse as Wire_ajet_v1_DetokenizeResponse, WireDetokenizeResponseDecoded as Wire_ajet_v1_DetokenizeResponseDecoded } from './ajet/v1/DetokenizeResponse.generated.ts';
import type { WireErrorDetail as Wire_ajet_v1_ErrorDetail, WireErrorDetailDecoded as Wire_ajet_v1_ErrorDetailDecoded } from './ajet/v1/ErrorDetail.generated.ts';
import type { WireForwardBackwardRequest as Wire_ajet_v1_ForwardBackwardRequest, WireForwardBackwardRequestDecoded as Wire_ajet_v1_ForwardBackwardRequestDecoded } from './ajet/v1/ForwardBackwardRequest.generated.ts';
import type { WireForwardBackwardResponse as Wire_ajet_v1_ForwardBackwardResponse, WireForwardBackwardResponseDecoded as Wire_ajet_v1_ForwardBackwardResponseDecoded } from './ajet/v1/ForwardBackwardResponse.generated.ts';
import type { WireGetInfoRequest as Wire_ajet_v1_GetInfoRequest, WireGetInfoRequestDecoded as Wire_ajet_v1_GetInfoRequestDecoded } from './ajet/v1/GetInfoRequest.generated.ts';
import type { WireGetInfoResponse as Wire_ajet_v1_GetInfoResponse, WireGetInfoResponseDecoded as Wire_ajet_v1_GetInfoResponseDecoded } from './ajet/v1/GetInfoResponse.generated.ts';
import type { WireImportanceSamplingLoss as Wire_ajet_v1_ImportanceSamplingLoss, WireImportanceSamplingLossDecoded as Wire_ajet_v1_ImportanceSamplingLossDecoded } from './ajet/v1/ImportanceSamplingLoss.generated.ts';
import type { WireKlPenalty as Wire_ajet_v1_KlPenalty, WireKlPenaltyDecoded as Wire_ajet_v1_KlPenaltyDecoded } from './ajet/v1/KlPenalty.generated.ts';
import type { WireLossSpec as Wire_ajet_v1_LossSpec, WireLossSpecDecoded as Wire_ajet_v1_LossSpecDecoded } from './ajet/v1/LossSpec.generated.ts';
import type { WireMalformedToolCall as Wire_ajet_v1_MalformedToolCall, WireMalformedToolCallDecoded as Wire_ajet_v1_MalformedToolCallDecoded } from './ajet/v1/MalformedToolCall.generated.ts';
import type { WireOptimStepRequest as Wire_ajet_v1_OptimStepRequest, WireOptimStepRequestDecoded as Wire_ajet_v1_OptimStepRequestDecoded } from './ajet/v1/OptimStepRequest.generated.ts';
import type { WireOptimStepResponse as Wire_ajet_v1_OptimStepResponse, WireOptimStepResponseDecoded as Wire_ajet_v1_OptimStepResponseDecoded } from './ajet/v1/OptimStepResponse.generated.ts';
import type { WirePpoLoss as Wire_ajet_v1_PpoLoss, WirePpoLossDecoded as Wire_ajet_v1_PpoLossDecoded } from './ajet/v1/PpoLoss.generated.ts';
import type { WireRenderChatRequest as Wire_ajet_v1_RenderChatRequest, WireRenderChatRequestDecoded as Wire_ajet_v1_RenderChatRequestDecoded } from './ajet/v1/RenderChatRequest.generated.ts';
import type { WireRenderChatResponse as Wire_ajet_v1_RenderChatResponse, WireRenderChatResponseDecoded as Wire_ajet_v1_RenderChatResponseDecoded } from './ajet/v1/RenderChatResponse.generated.ts';
import type { WireRenderPrefix as Wire_ajet_v1_RenderPrefix, WireRenderPrefixDecoded as Wire_ajet_v1_RenderPrefixDecoded } from './ajet/v1/RenderPrefix.generated.ts';
import type { WireSampleChatRequest as Wire_ajet_v1_SampleChatRequest, WireSampleChatRequestDecoded as Wire_ajet_v1_SampleChatRequestDecoded } from './ajet/v1/SampleChatRequest.generated.ts';
import type { WireSampleChatResponse as Wire_ajet_v1_SampleChatResponse, WireSampleChatResponseDecoded as Wire_ajet_v1_SampleChatResponseDecoded } from './ajet/v1/SampleChatResponse.generated.ts';
import type { WireSampleChunk as Wire_ajet_v1_SampleChunk, WireSampleChunkDecoded as Wire_ajet_v1_SampleChunkDecoded } from './ajet/v1/SampleChunk.generated.ts';
import type { WireSampleRequest as Wire_ajet_v1_SampleRequest, WireSampleRequestDecoded as Wire_ajet_v1_SampleRequestDecoded } from './ajet/v1/SampleRequest.generated.ts';
import type { WireSamplingParams as Wire_ajet_v1_SamplingParams, WireSamplingParamsDecoded as Wire_ajet_v1_SamplingParamsDecoded } from './ajet/v1/SamplingParams.generated.ts';
import type { WireStateRequest as Wire_ajet_v1_StateRequest, WireStateRequestDecoded as Wire_ajet_v1_StateRequestDecoded } from './ajet/v1/StateRequest.generated.ts';
import type { WireStateResponse as Wire_ajet_v1_StateResponse, WireStateResponseDecoded as Wire_ajet_v1_StateResponseDecoded } from './ajet/v1/StateResponse.generated.ts';
import type { WireToolCall as Wire_ajet_v1_ToolCall, WireToolCallDecoded as Wire_ajet_v1_ToolCallDecoded } from './ajet/v1/ToolCall.generated.ts';
import type { WireToolSpec as Wire_ajet_v1_ToolSpec, WireToolSpecDecoded as Wire_ajet_v1_ToolSpecDecoded } from './ajet/v1/ToolSpec.generated.ts';
import type { WireTrainingSample as Wire_ajet_v1_TrainingSample, WireTrainingSampleDecoded as Wire_ajet_v1_TrainingSampleDecoded } from './ajet/v1/TrainingSample.generated.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  ajet: {
    v1: {
      Backend: SubtypeConstructor<typeof grpc.Client, _ajet_v1_BackendClient> & { service: _ajet_v1_BackendDefinition }
      Capabilities: MessageTypeDefinition<Wire_ajet_v1_Capabilities, Wire_ajet_v1_CapabilitiesDecoded>
      ChatMessage: MessageTypeDefinition<Wire_ajet_v1_ChatMessage, Wire_ajet_v1_ChatMessageDecoded>
      CrossEntropyLoss: MessageTypeDefinition<Wire_ajet_v1_CrossEntropyLoss, Wire_ajet_v1_CrossEntropyLossDecoded>
      DetokenizeRequest: MessageTypeDefinition<Wire_ajet_v1_DetokenizeRequest, Wire_ajet_v1_DetokenizeRequestDecoded>
      DetokenizeResponse: MessageTypeDefinition<Wire_ajet_v1_DetokenizeResponse, Wire_ajet_v1_DetokenizeResponseDecoded>
      ErrorCode: EnumTypeDefinition
      ErrorDetail: MessageTypeDefinition<Wire_ajet_v1_ErrorDetail, Wire_ajet_v1_ErrorDetailDecoded>
      FinishReason: EnumTypeDefinition
      ForwardBackwardRequest: MessageTypeDefinition<Wire_ajet_v1_ForwardBackwardRequest, Wire_ajet_v1_ForwardBackwardRequestDecoded>
      ForwardBackwardResponse: MessageTypeDefinition<Wire_ajet_v1_ForwardBackwardResponse, Wire_ajet_v1_ForwardBackwardResponseDecoded>
      GetInfoRequest: MessageTypeDefinition<Wire_ajet_v1_GetInfoRequest, Wire_ajet_v1_GetInfoRequestDecoded>
      GetInfoResponse: MessageTypeDefinition<Wire_ajet_v1_GetInfoResponse, Wire_ajet_v1_GetInfoResponseDecoded>
      ImportanceSamplingLoss: MessageTypeDefinition<Wire_ajet_v1_ImportanceSamplingLoss, Wire_ajet_v1_ImportanceSamplingLossDecoded>
      KlPenalty: MessageTypeDefinition<Wire_ajet_v1_KlPenalty, Wire_ajet_v1_KlPenaltyDecoded>
      LossAggregation: EnumTypeDefinition
      LossSpec: MessageTypeDefinition<Wire_ajet_v1_LossSpec, Wire_ajet_v1_LossSpecDecoded>
      MalformedToolCall: MessageTypeDefinition<Wire_ajet_v1_MalformedToolCall, Wire_ajet_v1_MalformedToolCallDecoded>
      OptimStepRequest: MessageTypeDefinition<Wire_ajet_v1_OptimStepRequest, Wire_ajet_v1_OptimStepRequestDecoded>
      OptimStepResponse: MessageTypeDefinition<Wire_ajet_v1_OptimStepResponse, Wire_ajet_v1_OptimStepResponseDecoded>
      PpoLoss: MessageTypeDefinition<Wire_ajet_v1_PpoLoss, Wire_ajet_v1_PpoLossDecoded>
      RenderChatRequest: MessageTypeDefinition<Wire_ajet_v1_RenderChatRequest, Wire_ajet_v1_RenderChatRequestDecoded>
      RenderChatResponse: MessageTypeDefinition<Wire_ajet_v1_RenderChatResponse, Wire_ajet_v1_RenderChatResponseDecoded>
      RenderPrefix: MessageTypeDefinition<Wire_ajet_v1_RenderPrefix, Wire_ajet_v1_RenderPrefixDecoded>
      SampleChatRequest: MessageTypeDefinition<Wire_ajet_v1_SampleChatRequest, Wire_ajet_v1_SampleChatRequestDecoded>
      SampleChatResponse: MessageTypeDefinition<Wire_ajet_v1_SampleChatResponse, Wire_ajet_v1_SampleChatResponseDecoded>
      SampleChunk: MessageTypeDefinition<Wire_ajet_v1_SampleChunk, Wire_ajet_v1_SampleChunkDecoded>
      SampleRequest: MessageTypeDefinition<Wire_ajet_v1_SampleRequest, Wire_ajet_v1_SampleRequestDecoded>
      SamplingParams: MessageTypeDefinition<Wire_ajet_v1_SamplingParams, Wire_ajet_v1_SamplingParamsDecoded>
      StateRequest: MessageTypeDefinition<Wire_ajet_v1_StateRequest, Wire_ajet_v1_StateRequestDecoded>
      StateResponse: MessageTypeDefinition<Wire_ajet_v1_StateResponse, Wire_ajet_v1_StateResponseDecoded>
      ToolCall: MessageTypeDefinition<Wire_ajet_v1_ToolCall, Wire_ajet_v1_ToolCallDecoded>
      ToolSpec: MessageTypeDefinition<Wire_ajet_v1_ToolSpec, Wire_ajet_v1_ToolSpecDecoded>
      TrainingSample: MessageTypeDefinition<Wire_ajet_v1_TrainingSample, Wire_ajet_v1_TrainingSampleDecoded>
    }
  }
}

