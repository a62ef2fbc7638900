import { isAbsolute, resolve } from 'node:path';
import type { AjetConfig, CreatedBackbone } from '@ajet/core';
import { ConfigError } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { createTinyLm } from '@ajet/tinylm';

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
    const modelPath = path.startsWith('builtin:') || isAbsolute(path) ? path : resolve(process.cwd(), path);
    const backbone = await createTinyLm({ modelPath, seed: config.seed });
    return { backbone, description: `tinylm ${path} (in process, CPU)` };
  }
  throw new ConfigError('the grpc backbone is not available in this build yet', {
    code: 'CONFIG_INVALID',
    keyPath: 'ajet.backbone',
    hint: 'Use --backbone debug (the embedded policy, or model.endpoint for an OpenAI-compatible server).',
  });
}
