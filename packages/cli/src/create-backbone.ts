import { isAbsolute, resolve } from 'node:path';
import { GrpcBackbone } from '@ajet/backbone-grpc';
import type { AjetConfig, CreatedBackbone } from '@ajet/core';
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
    const trainThreads = config.debug.trainThreads;
    const backbone = await createTinyLm({ modelPath, seed: config.seed, trainThreads });
    const threads = trainThreads > 1 ? `, ${trainThreads} training threads` : '';
    return { backbone, description: `tinylm ${path} (in process, CPU${threads})` };
  }
  const { grpc } = config.backbones;
  const backbone = new GrpcBackbone({
    address: grpc.address,
    token: process.env[grpc.tokenEnv] || undefined,
    tls: grpc.tls,
    deadlineMs: grpc.deadlineS * 1000,
  });
  // Fail before any rollout when the server is not there.
  const info = await backbone.getInfo();
  return { backbone, description: `grpc ${grpc.address} (model ${info.model})` };
}
