// Original file: ajet/v1/backend.proto

import type { WireChatMessage as Wire_ajet_v1_ChatMessage, WireChatMessageDecoded as Wire_ajet_v1_ChatMessageDecoded } from '../../ajet/v1/ChatMessage.generated.ts';
import type { WireToolSpec as Wire_ajet_v1_ToolSpec, WireToolSpecDecoded as Wire_ajet_v1_ToolSpecDecoded } from '../../ajet/v1/ToolSpec.generated.ts';
import type { WireRenderPrefix as Wire_ajet_v1_RenderPrefix, WireRenderPrefixDecoded as Wire_ajet_v1_RenderPrefixDecoded } from '../../ajet/v1/RenderPrefix.generated.ts';

export interface WireRenderChatRequest {
  'messages'?: (Wire_ajet_v1_ChatMessage)[];
  'tools'?: (Wire_ajet_v1_ToolSpec)[];
  /**
   * Unset means true.
   */
  'addGenerationPrompt'?: (boolean);
  'prefix'?: (Wire_ajet_v1_RenderPrefix | null);
  '_addGenerationPrompt'?: "addGenerationPrompt";
  '_prefix'?: "prefix";
}

export interface WireRenderChatRequestDecoded {
  'messages': (Wire_ajet_v1_ChatMessageDecoded)[];
  'tools': (Wire_ajet_v1_ToolSpecDecoded)[];
  /**
   * Unset means true.
   */
  'addGenerationPrompt'?: (boolean);
  'prefix'?: (Wire_ajet_v1_RenderPrefixDecoded | null);
  '_addGenerationPrompt'?: "addGenerationPrompt";
  '_prefix'?: "prefix";
}
