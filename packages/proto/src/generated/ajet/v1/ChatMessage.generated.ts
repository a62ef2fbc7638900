// Original file: ajet/v1/backend.proto

import type { WireToolCall as Wire_ajet_v1_ToolCall, WireToolCallDecoded as Wire_ajet_v1_ToolCallDecoded } from '../../ajet/v1/ToolCall.generated.ts';
import type { WireMalformedToolCall as Wire_ajet_v1_MalformedToolCall, WireMalformedToolCallDecoded as Wire_ajet_v1_MalformedToolCallDecoded } from '../../ajet/v1/MalformedToolCall.generated.ts';

export interface WireChatMessage {
  /**
   * "system" | "user" | "assistant" | "tool".
   */
  'role'?: (string);
  'content'?: (string);
  'toolCalls'?: (Wire_ajet_v1_ToolCall)[];
  'malformedToolCalls'?: (Wire_ajet_v1_MalformedToolCall)[];
  'toolCallId'?: (string);
  'name'?: (string);
  '_toolCallId'?: "toolCallId";
  '_name'?: "name";
}

export interface WireChatMessageDecoded {
  /**
   * "system" | "user" | "assistant" | "tool".
   */
  'role': (string);
  'content': (string);
  'toolCalls': (Wire_ajet_v1_ToolCallDecoded)[];
  'malformedToolCalls': (Wire_ajet_v1_MalformedToolCallDecoded)[];
  'toolCallId'?: (string);
  'name'?: (string);
  '_toolCallId'?: "toolCallId";
  '_name'?: "name";
}
