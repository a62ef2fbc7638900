import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { GrpcBackbone } from './grpc-backbone.ts';
import { runServeCommand } from './run-serve-command.ts';

describe('runServeCommand', () => {
  it('serves the model the factory builds until stopped, then closes it and returns 0', async () => {
    const backbone = new RecordingBackbone();
    const lines: string[] = [];
    let stop: (reason: string) => void = () => {};
    const stopSignal = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const models: string[] = [];
    const stateRoot = join(mkdtempSync(join(tmpdir(), 'ajet-serve-state-')), 'root');
    const exit = runServeCommand({
      model: 'builtin:test',
      host: '127.0.0.1',
      port: 0,
      token: 't0ken',
      stateRoot,
      createBackbone: async (model) => {
        models.push(model);
        return backbone;
      },
      log: (line) => lines.push(line),
      stopSignal,
    });
    while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const address = lines[0]?.split(' on ')[1] ?? '';
    const remote = new GrpcBackbone({ address, token: 't0ken' });
    expect((await remote.getInfo()).model).toBe('recording');
    expect(lines).toContain(`ajet serve: checkpoints (SaveState) go under ${stateRoot}`);
    expect((await remote.saveState({ path: 'run/step-1', includeOptimizer: false })).path).toBe(
      join(stateRoot, 'run/step-1'),
    );
    await remote.close();
    stop('SIGTERM');
    expect(await exit).toBe(0);
    expect(models).toEqual(['builtin:test']);
    expect(backbone.closed).toBe(true);
  });

  it('on SIGTERM finishes the call in flight and exits 0', async () => {
    const script = fileURLToPath(new URL('../test-fixtures/serve-recording.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      // The address line comes first; the state-root line may arrive in the same chunk.
      const address = chunk.toString().split('\n')[0]?.split(' on ')[1]?.trim() ?? '';
      const remote = new GrpcBackbone({ address, deadlineMs: 5_000 });
      const pending = remote.sample({ promptIds: [1, 2], sampling: {} });
      await new Promise((resolve) => setTimeout(resolve, 100));
      child.kill('SIGTERM');
      const response = await pending;
      expect(response.completions[0]?.text).toBe('ok');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      await remote.close();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
