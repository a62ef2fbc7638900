import { isAbsolute, resolve } from 'node:path';
import type { BackboneFactory, PluginManifest } from '@ajet/spec';

/** `backbone: debug`: the embedded policy in the ajet process (breakpoints work, CPU training). */
export const manifest: PluginManifest = [
  {
    kind: 'backbone',
    name: 'debug',
    summary: 'in process: the embedded tinylm policy named by model.path (breakpoints work)',
    load: async (): Promise<BackboneFactory> => {
      const { createTinyLm } = await import('./create-tinylm.ts');
      return async (_settings, context) => {
        const path = context.modelPath;
        const modelPath = path.startsWith('builtin:') || isAbsolute(path) ? path : resolve(context.cwd, path);
        const { trainThreads, sampleThreads } = context;
        const backbone = await createTinyLm({ modelPath, seed: context.seed, trainThreads, sampleThreads });
        const threads = [
          trainThreads > 1 ? `, ${trainThreads} training threads` : '',
          sampleThreads > 0 ? `, ${sampleThreads} sampling thread${sampleThreads > 1 ? 's' : ''}` : '',
        ].join('');
        return { backbone, description: `tinylm ${path} (in process, CPU${threads})`, inProcess: true };
      };
    },
  },
];
