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
      sets: [
        'ajet.backbones.ray.sampler_replicas=3',
        'ajet.backbones.ray.sampler_max_replicas=5',
        'ajet.backbones.ray.grpc_port=9123',
      ],
    });
    const text = serveDeployConfig({ ray: config.backbones.ray, model: 'builtin:tinylm-calculator', cwd: '/work' });
    expect(text).toContain('  port: 9123\n');
    expect(text).toContain('grpc_servicer_functions: ["ajet_backend.ray_serve.stubs.add_BackendServicer_to_server"]');
    expect(text).toContain('import_path: ajet_backend.ray_serve.app:build_app');
    const args = JSON.parse(/args: (.*)/.exec(text)?.[1] ?? '{}');
    expect(args).toMatchObject({
      model: 'builtin:tinylm-calculator',
      sampler_replicas: 3,
      sampler_autoscaling: { min_replicas: 3, max_replicas: 5 },
      learner_workers: 2,
      learner_backend: 'gloo',
      state_root: '/work/ajet_backend_state',
    });
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
