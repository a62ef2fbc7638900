import type { AjetConfig, CreatedBackbone } from '@ajet/core';
import { ConfigError } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';

/** The backbone for `ajet.backbone` and `ajet.model.path`. */
export async function createBackbone(config: AjetConfig): Promise<CreatedBackbone> {
  const path = config.model.path;
  if (config.backbone === 'debug') {
    if (path === 'builtin:recording') {
      return {
        backbone: new RecordingBackbone(),
        description: 'recording test backbone (scripted replies, in process)',
      };
    }
    throw new ConfigError(`no in-process policy for model.path "${path}"`, {
      code: 'CONFIG_INVALID',
      keyPath: 'ajet.model.path',
      hint: 'Use builtin:recording, or set ajet.model.endpoint.base_url to run against an OpenAI-compatible server.',
    });
  }
  throw new ConfigError('the grpc backbone is not available in this build', {
    code: 'CONFIG_INVALID',
    keyPath: 'ajet.backbone',
    hint: 'Use --backbone debug.',
  });
}
