import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type AjetConfig, loadConfig } from '@ajet/core';
import { AjetError } from '@ajet/spec';
import { parseCommandArgs, UsageError } from '../usage-error.ts';

const HELP = `Usage:
  ajet ray up     [--conf x.yaml] [--address http://HOST:8265] [--start-local] [--set key=value ...]
  ajet ray status [--conf x.yaml] [--address ...]
  ajet ray down   [--conf x.yaml] [--address ...] [--stop-local]

up: deploys the Python backend as a Ray Serve application (sampler replicas, a data-parallel learner, Serve's
gRPC proxy serving ajet.v1.Backend) to the cluster whose dashboard is at backbones.ray.address, with
\`serve deploy\` and a config generated from backbones.ray; --start-local first starts a head node on this
machine (\`ray start --head\`) when nothing answers there. Prints the gRPC address; then train with
\`ajet --conf x.yaml --backbone ray\`. status: the application's state. down: \`serve shutdown\`; --stop-local
also runs \`ray stop\` (which stops every Ray process of this user on this machine). docs/ray.md has the recipes.
`;

export const APP_NAME = 'ajet';
const SERVICER_FUNCTION = 'ajet_backend.ray_serve.stubs.add_BackendServicer_to_server';

type RaySettings = AjetConfig['backbones']['ray'];

/** The `serve deploy` config for backbones.ray: Serve's documented config file format. */
export function serveDeployConfig(options: { ray: RaySettings; model: string; cwd: string }): string {
  const { ray, model, cwd } = options;
  // A folder on this machine goes as an absolute path; builtin:NAME and a hub id (Qwen/Qwen3-8B) as given.
  const folder = resolve(cwd, model);
  const args: Record<string, unknown> = {
    model: !model.startsWith('builtin:') && existsSync(folder) ? folder : model,
    max_model_len: ray.maxModelLen,
    dtype: ray.dtype,
    lora_rank: ray.loraRank,
    engine: ray.engine,
    gpu_memory_utilization: ray.gpuMemoryUtilization,
    sampler_replicas: ray.samplerReplicas,
    sampler_cpus: ray.samplerCpus,
    sampler_gpus: ray.samplerGpus,
    learner_workers: ray.learnerWorkers,
    learner_worker_cpus: ray.learnerWorkerCpus,
    learner_worker_gpus: ray.learnerWorkerGpus,
    learner_backend: ray.learnerBackend,
    state_root: resolve(cwd, ray.stateRoot),
  };
  const autoscaling = ray.samplerAutoscaling;
  if (autoscaling.enabled) {
    if (autoscaling.minReplicas > autoscaling.maxReplicas) {
      throw new AjetError(
        `backbones.ray.sampler_autoscaling: min_replicas ${autoscaling.minReplicas} is above max_replicas ${autoscaling.maxReplicas}`,
        { code: 'CONFIG_INVALID', blame: 'user', hint: 'Set min_replicas <= max_replicas.' },
      );
    }
    // Serve's autoscaling_config keys, for the Sampler deployment (the learner is one replica).
    args.sampler_autoscaling = {
      min_replicas: autoscaling.minReplicas,
      max_replicas: autoscaling.maxReplicas,
      target_ongoing_requests: autoscaling.targetOngoingRequests,
    };
  }
  const token = process.env[ray.tokenEnv];
  if (token) args.token = token;
  // JSON is YAML: one line per value keeps the file readable without a YAML writer.
  return [
    'proxy_location: HeadOnly',
    'grpc_options:',
    `  port: ${ray.grpcPort}`,
    `  grpc_servicer_functions: [${JSON.stringify(SERVICER_FUNCTION)}]`,
    'applications:',
    `  - name: ${APP_NAME}`,
    '    route_prefix: /ajet',
    '    import_path: ajet_backend.ray_serve.app:build_app',
    `    args: ${JSON.stringify(args)}`,
    '',
  ].join('\n');
}

function rayError(message: string, hint: string, code = 'RAY_UNAVAILABLE'): AjetError {
  return new AjetError(message, { code, blame: 'user', hint });
}

/** The ray and serve commands beside backbones.ray.python; a one-line error when Ray is not installed there. */
export function rayTools(options: { python: string; cwd: string }): { ray: string; serve: string } {
  const python = resolve(options.cwd, options.python);
  const bin = dirname(python);
  const tools = { ray: join(bin, 'ray'), serve: join(bin, 'serve') };
  if (!existsSync(python)) {
    throw rayError(
      `backbones.ray.python: ${python} does not exist`,
      'Run `bash backend/scripts/setup_venv.sh` (it installs ray[serve]==2.60.0) or point backbones.ray.python at a Python with ajet_backend[ray].',
      'RAY_NOT_INSTALLED',
    );
  }
  if (!existsSync(tools.serve) || !existsSync(tools.ray)) {
    throw rayError(
      `Ray is not installed beside ${python} (no ${tools.serve})`,
      'Rerun `bash backend/scripts/setup_venv.sh` or `pip install "ajet_backend[ray]"` (ray[serve]==2.60.0) in that environment.',
      'RAY_NOT_INSTALLED',
    );
  }
  return tools;
}

interface Run {
  status: number;
  output: string;
}

/**
 * The environment of the ray and serve commands. A cluster that `ray start` made has token authentication on and its
 * token in ~/.ray/auth_token; the serve CLI sends it only with RAY_AUTH_MODE=token, which Ray's drivers infer from
 * that file and its CLI does not.
 */
export function rayEnv(env: NodeJS.ProcessEnv, home = homedir()): NodeJS.ProcessEnv {
  const auth =
    env.RAY_AUTH_MODE === undefined && existsSync(join(home, '.ray', 'auth_token')) ? { RAY_AUTH_MODE: 'token' } : {};
  // Serve kills a proxy not ready within 5 s by default; busy cores need longer (`ray start` passes these on).
  const proxyTimeouts = { RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S: '60', RAY_SERVE_PROXY_HEALTH_CHECK_TIMEOUT_S: '60' };
  return { ...proxyTimeouts, ...env, RAY_USAGE_STATS_ENABLED: '0', ...auth };
}

function run(command: string, args: string[], cwd: string, timeoutMs = 600_000): Run {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: rayEnv(process.env) });
  return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** The last meaningful line of a command's output, for a one-line error. */
function lastLine(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('Traceback') && !line.startsWith('File '));
  return (lines.at(-1) ?? 'no output').slice(0, 300);
}

function unreachable(address: string, output: string): AjetError {
  return rayError(
    `no Ray cluster answers at ${address} (${lastLine(output)})`,
    'Start one with `ajet ray up --start-local` or `ray start --head`, or set backbones.ray.address to its dashboard (http://HOST:8265).',
  );
}

function serveStatus(tools: { serve: string }, address: string, cwd: string): Run {
  return run(tools.serve, ['status', '--address', address], cwd, 120_000);
}

/** `ajet ray up|status|down`. */
export async function rayCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') {
    process.stdout.write(HELP);
    return 0;
  }
  if (!['up', 'status', 'down'].includes(action))
    throw new UsageError(`unknown action "${action}" (up, status, down)`, 'ajet ray');
  const { values } = parseCommandArgs('ajet ray', {
    args: rest,
    options: {
      conf: { type: 'string' },
      address: { type: 'string' },
      set: { type: 'string', multiple: true },
      'start-local': { type: 'boolean', default: false },
      'stop-local': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  const loaded = loadConfig({ file: values.conf, sets: values.set });
  const ray = loaded.config.backbones.ray;
  const cwd = process.cwd();
  const address = values.address ?? ray.address;
  const tools = rayTools({ python: ray.python, cwd });
  const log = (line: string) => process.stderr.write(`ajet ray: ${line}\n`);

  if (action === 'status') {
    const status = serveStatus(tools, address, cwd);
    if (status.status !== 0) throw unreachable(address, status.output);
    process.stdout.write(status.output);
    return 0;
  }
  if (action === 'down') {
    const shutdown = run(tools.serve, ['shutdown', '-y', '--address', address], cwd, 300_000);
    if (shutdown.status !== 0) throw unreachable(address, shutdown.output);
    log(`the Serve applications at ${address} are shut down`);
    if (values['stop-local']) {
      const stop = run(tools.ray, ['stop'], cwd, 120_000);
      if (stop.status !== 0) throw rayError(`ray stop failed: ${lastLine(stop.output)}`, 'Stop the processes by hand.');
      log('the local Ray processes are stopped (ray stop)');
    }
    return 0;
  }

  // up
  if (serveStatus(tools, address, cwd).status !== 0) {
    if (!(values['start-local'] || ray.startLocal)) throw unreachable(address, 'nothing answered');
    const port = new URL(address).port || '8265';
    const args = [
      'start',
      '--head',
      '--dashboard-host',
      '127.0.0.1',
      '--dashboard-port',
      port,
      '--disable-usage-stats',
    ];
    if (ray.localCpus !== null) args.push('--num-cpus', String(ray.localCpus));
    const started = Date.now();
    const start = run(tools.ray, args, cwd, 300_000);
    if (start.status !== 0)
      throw rayError(`ray start --head failed: ${lastLine(start.output)}`, 'See `ray start --help`.');
    log(`started a local Ray head node in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const folder = mkdtempSync(join(tmpdir(), 'ajet-ray-'));
  const file = join(folder, 'serve-config.yaml');
  writeFileSync(file, serveDeployConfig({ ray, model: ray.model ?? loaded.config.model.path, cwd }));
  const deployed = Date.now();
  const deploy = run(tools.serve, ['deploy', file, '--address', address], cwd, 300_000);
  if (deploy.status !== 0) throw unreachable(address, deploy.output);
  // serve deploy returns once the config is accepted; the application is usable when RUNNING.
  for (;;) {
    const status = serveStatus(tools, address, cwd);
    if (/status: RUNNING/.test(status.output)) break;
    if (/DEPLOY_FAILED|UNHEALTHY/.test(status.output)) {
      throw rayError(
        `the application failed to deploy: ${lastLine(status.output)}`,
        'Run `ajet ray status` and read the Serve logs (/tmp/ray/session_latest/logs/serve).',
      );
    }
    if (Date.now() - deployed > 600_000)
      throw rayError('the application was not RUNNING after 600 s', 'Run `ajet ray status`.');
    await new Promise((done) => setTimeout(done, 2000));
  }
  log(`deployed in ${((Date.now() - deployed) / 1000).toFixed(1)} s (config ${file})`);
  process.stdout.write(`${ray.grpcHost}:${ray.grpcPort}\n`);
  log(
    `train with: ajet --conf ${values.conf ?? 'x.yaml'} --backbone ray (or --backbone grpc --set backbones.grpc.address=${ray.grpcHost}:${ray.grpcPort})`,
  );
  return 0;
}
