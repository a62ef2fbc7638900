import { mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AjetError, BackboneError, isAjetError } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { checkpointDamage } from './checkpoint-manifest.ts';
import { Checkpoints } from './checkpoints.ts';

const BASE = fileURLToPath(new URL('../config/__fixtures__/base.yaml', import.meta.url));

function setup(sets: string[] = []) {
  const experimentDir = mkdtempSync(join(tmpdir(), 'ajet-checkpoints-'));
  const { config } = loadConfig({ file: BASE, sets: ['trainer_common.max_checkpoints=2', ...sets] });
  const warnings: string[] = [];
  const backbone = new RecordingBackbone();
  const checkpoints = new Checkpoints({ experimentDir, config, backbone, warn: (line) => warnings.push(line) });
  return { experimentDir, config, backbone, checkpoints, warnings };
}

async function rejection(promise: Promise<unknown>): Promise<AjetError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isAjetError(error)) throw new Error(`expected an AjetError, got ${String(error)}`);
  return error;
}

describe('Checkpoints', () => {
  it('writes state.json, backend.json and a manifest of every file; model/ beside them for an in-process backbone', async () => {
    const { experimentDir, checkpoints } = setup();
    await checkpoints.save({ step: 1, epoch: 0 });
    const folder = join(experimentDir, 'checkpoints', 'step-1');
    expect(readdirSync(folder).sort()).toEqual(['backend.json', 'manifest.json', 'model', 'state.json']);
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { files: object };
    expect(Object.keys(manifest.files).sort()).toEqual(['backend.json', 'model/recording-backbone.json', 'state.json']);
    expect(JSON.parse(readFileSync(join(folder, 'backend.json'), 'utf8'))).toEqual({ store: 'local', folder: 'model' });
    expect(await checkpointDamage(folder)).toBeUndefined();
  });

  it('prunes only its own run: an older run’s higher steps never delete this run’s checkpoints', async () => {
    const { experimentDir, checkpoints, config } = setup();
    // Another run's step-7 and step-8 in the same folder (written before runs were refused a used folder).
    const foreign = new Checkpoints({ experimentDir, config, backbone: new RecordingBackbone(), warn: () => {} });
    expect(foreign.run).not.toBe(checkpoints.run);
    await foreign.save({ step: 7, epoch: 0 });
    await foreign.save({ step: 8, epoch: 0 });
    for (const step of [1, 2, 3]) await checkpoints.save({ step, epoch: 0 });
    expect(readdirSync(join(experimentDir, 'checkpoints')).sort()).toEqual(['step-2', 'step-3', 'step-7', 'step-8']);
  });

  it('resumes from the newest whole checkpoint, naming the damaged one it skips', async () => {
    const { experimentDir, checkpoints, config } = setup();
    for (const step of [1, 2]) await checkpoints.save({ step, epoch: 0 });
    const file = join(experimentDir, 'checkpoints', 'step-2', 'model', 'recording-backbone.json');
    const size = readFileSync(file).length;
    truncateSync(file, 5);
    const warnings: string[] = [];
    const resumer = new Checkpoints({
      experimentDir,
      config,
      backbone: new RecordingBackbone(),
      warn: (line) => warnings.push(line),
    });
    const point = await resumer.locate('latest');
    expect(point?.state.step).toBe(1);
    expect(warnings).toEqual([
      `checkpoint step-2 is damaged (model/recording-backbone.json has 5 bytes, ${size} were written): resuming from step-1, the newest whole checkpoint`,
    ]);
    // The resumed run is the same run: its checkpoints prune the others of that run.
    expect(resumer.run).toBe(checkpoints.run);

    const explicit = await rejection(resumer.locate(join(experimentDir, 'checkpoints', 'step-2')));
    expect(explicit.code).toBe('CHECKPOINT_DAMAGED');
    expect(explicit.message).toContain('model/recording-backbone.json has 5 bytes');
  });

  it('a changed byte of the same size is damage too; no whole checkpoint at all is NO_CHECKPOINT listing why', async () => {
    const { experimentDir, checkpoints, config } = setup();
    await checkpoints.save({ step: 1, epoch: 0 });
    const file = join(experimentDir, 'checkpoints', 'step-1', 'state.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"epoch": 0', '"epoch": 9'));
    const error = await rejection(
      new Checkpoints({ experimentDir, config, backbone: new RecordingBackbone(), warn: () => {} }).locate('latest'),
    );
    expect(error.code).toBe('NO_CHECKPOINT');
    expect(error.message).toContain('checkpoint step-1 is damaged (state.json does not match its sha256)');
  });

  it('refuses to load a checkpoint whose weights are on a server into an in-process backbone, saying where they are', async () => {
    const { experimentDir, checkpoints, config } = setup();
    await checkpoints.save({ step: 1, epoch: 0 });
    const folder = join(experimentDir, 'checkpoints', 'step-1');
    const elsewhere = join(experimentDir, 'checkpoints', 'step-5');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'state.json'), readFileSync(join(folder, 'state.json')));
    writeFileSync(
      join(elsewhere, 'backend.json'),
      JSON.stringify({ store: 'server', server: 'gpu:50051', name: 'x/run/step-5', path: '/srv/state/x/run/step-5' }),
    );
    const resumer = new Checkpoints({ experimentDir, config, backbone: new RecordingBackbone(), warn: () => {} });
    const point = await resumer.locate('latest');
    expect(point?.checkpointDir).toBe(elsewhere);
    const error = await rejection(resumer.restore(point as NonNullable<typeof point>));
    expect(error.code).toBe('CHECKPOINT_ELSEWHERE');
    expect(error.message).toContain('on the backend gpu:50051 (/srv/state/x/run/step-5)');
  });

  it('refuses to load a checkpoint kept here into a gRPC backend, which reads only its own state root', async () => {
    const { experimentDir, checkpoints, config } = setup();
    await checkpoints.save({ step: 1, epoch: 0 });
    class ServerBackbone extends RecordingBackbone {
      readonly stateStore = 'server' as const;
    }
    const resumer = new Checkpoints({ experimentDir, config, backbone: new ServerBackbone(), warn: () => {} });
    const point = await resumer.locate('latest');
    const error = await rejection(resumer.restore(point as NonNullable<typeof point>));
    expect(error.code).toBe('CHECKPOINT_ELSEWHERE');
    expect(error.hint).toContain('--backbone debug');
  });

  it('with a server backend, names each state <experiment>/<run>/step-N and asks the server to drop the pruned ones', async () => {
    const { experimentDir, config } = setup();
    const requests: { path: string; remove?: readonly string[] }[] = [];
    class ServerBackbone extends RecordingBackbone {
      readonly stateStore = 'server' as const;
      override async saveState(request: Parameters<RecordingBackbone['saveState']>[0]) {
        requests.push({ path: request.path, remove: request.remove });
        return { path: `/srv/${request.path}`, server: 'gpu:1' };
      }
    }
    const checkpoints = new Checkpoints({ experimentDir, config, backbone: new ServerBackbone(), warn: () => {} });
    for (const step of [1, 2, 3]) await checkpoints.save({ step, epoch: 0 });
    const name = (step: number) => `${basename(experimentDir)}/${checkpoints.run}/step-${step}`;
    expect(requests).toEqual([
      { path: name(1), remove: [] },
      { path: name(2), remove: [] },
      { path: name(3), remove: [name(1)] },
    ]);
    expect(readdirSync(join(experimentDir, 'checkpoints')).sort()).toEqual(['step-2', 'step-3']);
    expect(readdirSync(join(experimentDir, 'checkpoints', 'step-3')).sort()).toEqual([
      'backend.json',
      'manifest.json',
      'state.json',
    ]);
  });

  it('a server that cannot load the named state fails the resume naming the state, the folder and the server', async () => {
    const { experimentDir, config } = setup();
    class ServerBackbone extends RecordingBackbone {
      readonly stateStore = 'server' as const;
      override async saveState(request: Parameters<RecordingBackbone['saveState']>[0]) {
        return { path: `/srv/${request.path}`, server: 'gpu:1' };
      }
      override async loadState(): Promise<void> {
        throw new BackboneError('LoadState: /other/root/x does not exist', { code: 'state_missing' });
      }
    }
    await new Checkpoints({ experimentDir, config, backbone: new ServerBackbone(), warn: () => {} }).save({
      step: 1,
      epoch: 0,
    });
    const resumer = new Checkpoints({ experimentDir, config, backbone: new ServerBackbone(), warn: () => {} });
    const point = await resumer.locate('latest');
    const error = await rejection(resumer.restore(point as NonNullable<typeof point>));
    expect(error.code).toBe('CHECKPOINT_LOAD_FAILED');
    const name = `${basename(experimentDir)}/${resumer.run}/step-1`;
    expect(error.message).toContain(`(state ${name}, saved at /srv/${name} on gpu:1)`);
    expect(error.hint).toContain('--state-root');
  });

  it('with --resume, a state the server finds damaged gives way to the newest older checkpoint, saying so', async () => {
    const { experimentDir, config } = setup();
    const loaded: string[] = [];
    class ServerBackbone extends RecordingBackbone {
      readonly stateStore = 'server' as const;
      override async saveState(request: Parameters<RecordingBackbone['saveState']>[0]) {
        return { path: `/srv/${request.path}`, server: 'gpu:1' };
      }
      override async loadState(request: Parameters<RecordingBackbone['loadState']>[0]): Promise<void> {
        if (request.path.endsWith('step-2')) {
          throw new BackboneError('state x is damaged: params.bin has 3 bytes, 900 were written', {
            code: 'STATE_DAMAGED',
          });
        }
        loaded.push(request.path);
      }
    }
    const writer = new Checkpoints({ experimentDir, config, backbone: new ServerBackbone(), warn: () => {} });
    for (const step of [1, 2]) await writer.save({ step, epoch: 0 });
    const warnings: string[] = [];
    const resumer = new Checkpoints({
      experimentDir,
      config,
      backbone: new ServerBackbone(),
      warn: (line) => warnings.push(line),
    });
    const point = (await resumer.locate('latest')) as NonNullable<Awaited<ReturnType<Checkpoints['locate']>>>;
    expect(point.state.step).toBe(2);
    expect((await resumer.restore(point)).state.step).toBe(1);
    expect(loaded).toEqual([`${basename(experimentDir)}/${writer.run}/step-1`]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^checkpoint step-2's state on the backend is damaged \(.*params\.bin has 3 bytes.*\): resuming from step-1, the newest whole checkpoint$/,
    );

    // --resume-from names one checkpoint: its damage is an error, not a reason to load another.
    const named = new Checkpoints({ experimentDir, config, backbone: new ServerBackbone(), warn: () => {} });
    const given = await named.locate(join(experimentDir, 'checkpoints', 'step-2'));
    const error = await rejection(named.restore(given as NonNullable<typeof given>));
    expect(error.code).toBe('CHECKPOINT_LOAD_FAILED');
  });
});
