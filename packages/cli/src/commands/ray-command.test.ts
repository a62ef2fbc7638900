import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@ajet/core';
import { describe, expect, it } from 'vitest';
import { rayCommand, rayEnv, rayTools, serveDeployConfig } from './ray-command.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const VENV_SERVE = join(REPO, 'backend/.venv/bin/serve');

describe('ajet ray', () => {
  it('generates a serve deploy config from backbones.ray: gRPC proxy, servicer, application args', () => {
    const { config } = loadConfig({
      sets: ['ajet.backbones.ray.sampler_replicas=3', 'ajet.backbones.ray.grpc_port=9123'],
    });
    const text = serveDeployConfig({ ray: config.backbones.ray, model: 'builtin:tinylm-calculator', cwd: '/work' });
    expect(text).toContain('  port: 9123\n');
    expect(text).toContain('grpc_servicer_functions: ["ajet_backend.ray_serve.stubs.add_BackendServicer_to_server"]');
    expect(text).toContain('import_path: ajet_backend.ray_serve.app:build_app');
    const args = JSON.parse(/args: (.*)/.exec(text)?.[1] ?? '{}');
    expect(args).toMatchObject({
      model: 'builtin:tinylm-calculator',
      sampler_replicas: 3,
      learner_workers: 2,
      learner_backend: 'gloo',
      state_root: '/work/ajet_backend_state',
    });
    // A fixed replica count unless autoscaling is asked for.
    expect(args).not.toHaveProperty('sampler_autoscaling');
  });

  it('passes the autoscaling block to the sampler replicas as Serve autoscaling_config keys', () => {
    const { config } = loadConfig({
      sets: [
        'ajet.backbones.ray.sampler_autoscaling.enabled=true',
        'ajet.backbones.ray.sampler_autoscaling.min_replicas=1',
        'ajet.backbones.ray.sampler_autoscaling.max_replicas=6',
        'ajet.backbones.ray.sampler_autoscaling.target_ongoing_requests=3',
      ],
    });
    const text = serveDeployConfig({ ray: config.backbones.ray, model: 'builtin:tinylm-calculator', cwd: '/work' });
    const args = JSON.parse(/args: (.*)/.exec(text)?.[1] ?? '{}');
    expect(args.sampler_autoscaling).toEqual({ min_replicas: 1, max_replicas: 6, target_ongoing_requests: 3 });
    expect(() =>
      serveDeployConfig({
        ray: {
          ...config.backbones.ray,
          samplerAutoscaling: { ...config.backbones.ray.samplerAutoscaling, minReplicas: 7 },
        },
        model: 'builtin:tinylm-calculator',
        cwd: '/work',
      }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('min_replicas 7') }));
  });

  it('passes a transformers model as a folder path or a hub id, with its dtype, LoRA rank and engine', () => {
    const parent = mkdtempSync(join(tmpdir(), 'ajet-ray-model-'));
    try {
      mkdirSync(join(parent, 'tiny'));
      const { config } = loadConfig({
        sets: ['ajet.backbones.ray.lora_rank=8', 'ajet.backbones.ray.dtype=fp32', 'ajet.backbones.ray.engine=hf'],
      });
      const argsOf = (model: string) =>
        JSON.parse(
          /args: (.*)/.exec(serveDeployConfig({ ray: config.backbones.ray, model, cwd: parent }))?.[1] ?? '{}',
        );
      expect(argsOf('tiny')).toMatchObject({ model: join(parent, 'tiny'), lora_rank: 8, dtype: 'fp32', engine: 'hf' });
      expect(argsOf('Qwen/Qwen3-8B').model).toBe('Qwen/Qwen3-8B');
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("turns on Ray's token mode for the serve CLI when a local cluster saved a token, unless the user chose a mode", () => {
    const home = mkdtempSync(join(tmpdir(), 'ajet-ray-home-'));
    try {
      expect(rayEnv({}, home).RAY_AUTH_MODE).toBeUndefined();
      mkdirSync(join(home, '.ray'));
      writeFileSync(join(home, '.ray', 'auth_token'), 'secret');
      expect(rayEnv({}, home).RAY_AUTH_MODE).toBe('token');
      expect(rayEnv({ RAY_AUTH_MODE: 'disabled' }, home).RAY_AUTH_MODE).toBe('disabled');
      // Serve's 5 s proxy readiness timeout is raised for busy machines, unless the user set it.
      expect(rayEnv({}, home).RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S).toBe('60');
      expect(rayEnv({ RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S: '5' }, home).RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S).toBe(
        '5',
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('says in one line when Ray is not installed', () => {
    expect(() => rayTools({ python: '/nonexistent/bin/python', cwd: REPO })).toThrow(
      expect.objectContaining({ code: 'RAY_NOT_INSTALLED', message: expect.stringContaining('does not exist') }),
    );
    // A Python whose bin/ has no `serve` command.
    expect(() => rayTools({ python: process.execPath, cwd: REPO })).toThrow(
      expect.objectContaining({
        code: 'RAY_NOT_INSTALLED',
        message: expect.stringMatching(/^Ray is not installed beside [^\n]*$/),
      }),
    );
  });

  it.skipIf(!existsSync(VENV_SERVE))(
    'says in one line when no cluster answers at the address',
    async () => {
      const python = join(REPO, 'backend/.venv/bin/python');
      const error = await rayCommand([
        'status',
        '--address',
        'http://127.0.0.1:1',
        '--set',
        `ajet.backbones.ray.python=${python}`,
      ]).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'RAY_UNAVAILABLE' });
      expect((error as Error).message).toMatch(/^no Ray cluster answers at http:\/\/127\.0\.0\.1:1 \([^\n]*$/);
    },
    60_000,
  );
});
