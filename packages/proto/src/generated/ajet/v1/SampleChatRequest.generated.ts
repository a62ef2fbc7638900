// Original file: ajet/v1/backend.proto

import type { WireChatMessage as Wire_ajet_v1_ChatMessage, WireChatMessageDecoded as Wire_ajet_v1_ChatMessageDecoded } from '../../ajet/v1/ChatMessage.generated.ts';
import type { WireToolSpec as Wire_ajet_v1_ToolSpec, WireToolSpecDecoded as Wire_ajet_v1_ToolSpecDecoded } from '../../ajet/v1/ToolSpec.generated.ts';
import type { WireRenderPrefix as Wire_ajet_v1_RenderPrefix, WireRenderPrefixDecoded as Wire_ajet_v1_RenderPrefixDecoded } from '../../ajet/v1/RenderPrefix.generated.ts';
import type { WireSamplingParams as Wire_ajet_v1_SamplingParams, WireSamplingParamsDecoded as Wire_ajet_v1_SamplingParamsDecoded } from '../../ajet/v1/SamplingParams.generated.ts';

export interface WireSampleChatRequest {
  'messages'?: (Wire_ajet_v1_ChatMessage)[];
  'tools'?: (Wire_ajet_v1_ToolSpec)[];
  'prefix'?: (Wire_ajet_v1_RenderPrefix | null);
  /**
   * Completions to draw; 0 means 1.
   */
  'n'?: (number);
  'sampling'?: (Wire_ajet_v1_SamplingParams | null);
  '_prefix'?: "prefix";
}

export interface WireSampleChatRequestDecoded {
  'messages': (Wire_ajet_v1_ChatMessageDecoded)[];
  'tools': (Wire_ajet_v1_ToolSpecDecoded)[];
  'prefix'?: (Wire_ajet_v1_RenderPrefixDecoded | null);
  /**
   * Completions to draw; 0 means 1.
   */
  'n': (number);
  'sampling': (Wire_ajet_v1_SamplingParamsDecoded | null);
  '_prefix'?: "prefix";
}
