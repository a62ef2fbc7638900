import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  type Backbone,
  ConfigError,
  type Judge,
  type MetricsSink,
  type SinkContext,
  type SinkFactory,
  type TaskReader,
  type ToolCallParser,
  type Workflow,
} from '@ajet/spec';
import { didYouMean } from './config/did-you-mean.ts';
import { type LoadedConfig, stringifyResolvedConfig } from './config/load-config.ts';
import type { AjetConfig } from './config/schema.ts';
import { type BuiltinRegistry, PluginLoader } from './plugins/plugin-loader.ts';
import type { ChatPolicy } from './runtime/chat-policy.ts';
import { EndpointPolicy } from './runtime/endpoint-policy.ts';
import { EpisodeEndpointServer } from './runtime/episode-endpoint-server.ts';
import { JsonlMetricsSink } from './runtime/experiment-files.ts';
import { prepareExperimentDir } from './runtime/experiment-folder.ts';
import { GuardedSink } from './runtime/guarded-sink.ts';
import type { RunObserver } from './runtime/run-observer.ts';
import { TokenPolicy } from './runtime/token-policy.ts';
import { type EvalSummary, Trainer, type TrainSummary } from './runtime/trainer.ts';

export interface CreatedBackbone {
  backbone: Backbone;
  /** e.g. `tinylm builtin:tinylm-calculator (in process)` or `grpc 127.0.0.1:50051`. */
  description: string;
}

export interface JobOptions {
  loaded: LoadedConfig;
  mode: 'train' | 'eval';
  /** Overrides experiment_dir/experiment_name. */
  experimentDir?: string;
  builtins: BuiltinRegistry;
  /** Builds the backbone for `config.backbone` and `config.model.path` (not called for an endpoint). */
  createBackbone(config: AjetConfig, context: { configDir: string }): Promise<CreatedBackbone>;
  /** Metrics sinks by `trainer_common.logger` name, beside the built-in `jsonl` and `console` (the observer's lines). */
  sinks?: Readonly<Record<string, SinkFactory>>;
  observer?: RunObserver;
  signal?: AbortSignal;
  cwd?: string;
  /** `latest` (the newest complete checkpoint of the experiment) or a checkpoint folder. */
  resumeFrom?: string;
  /** Train in a folder that holds an earlier run, deleting that run's files first. */
  overwrite?: boolean;
  /** Parses tool calls in OpenAI-style requests with `tools` (through `tuner.openai()` / `tuner.endpoint()`). */
  toolCallParser?: ToolCallParser;
}

const BUILTIN_LOGGERS = ['console', 'jsonl'];

/** Fails before any work when `trainer_common.logger` names a sink nobody provides. */
function checkLoggers(loggers: readonly string[], factories: Readonly<Record<string, SinkFactory>>): void {
  const known = [...BUILTIN_LOGGERS, ...Object.keys(factories)];
  for (const name of loggers) {
    if (known.includes(name)) continue;
    const suggestion = didYouMean(name, known);
    throw new ConfigError(`unknown logger "${name}"${suggestion ? `. Did you mean "${suggestion}"?` : ''}`, {
      code: 'CONFIG_INVALID',
      keyPath: 'ajet.trainer_common.logger',
      hint: `Known loggers: ${known.join(', ')}.`,
    });
  }
}

export type JobResult =
  | { mode: 'train'; experimentDir: string; summary: TrainSummary }
  | { mode: 'eval'; experimentDir: string; summary: EvalSummary };

/** Everything `ajet --conf … [--mode eval]` does after parsing flags: plugins, policy, the run, the files. */
export async function runJob(options: JobOptions): Promise<JobResult> {
  const { loaded, mode } = options;
  const { config, configDir } = loaded;
  const cwd = options.cwd ?? process.cwd();
  const experimentDir = options.experimentDir
    ? resolve(cwd, options.experimentDir)
    : isAbsolute(config.experimentDir)
      ? join(config.experimentDir, config.experimentName)
      : join(cwd, config.experimentDir, config.experimentName);

  const factories = options.sinks ?? {};
  checkLoggers(config.trainerCommon.logger, factories);

  const loader = new PluginLoader({
    configDir,
    cwd,
    builtins: options.builtins,
    config: config as unknown as Record<string, unknown>,
  });
  const readerSettings = {
    on_bad_row: config.taskReader.onBadRow,
    ...config.taskReader.settings,
  };
  const reader = await loader.load<TaskReader>({
    reference: config.taskReader.type,
    kind: 'task_reader',
    settings: readerSettings,
    keyPath: 'ajet.task_reader.type',
  });
  const workflow = await loader.resolve<Workflow>({
    reference: config.rollout.userWorkflow,
    kind: 'workflow',
    settings: config.rollout.workflowSettings,
    keyPath: 'ajet.rollout.user_workflow',
  });
  const judge = await loader.load<Judge>({
    reference: config.taskJudge.judgeProtocol,
    kind: 'judge',
    settings: config.taskJudge.judgeSettings,
    keyPath: 'ajet.task_judge.judge_protocol',
  });

  await prepareExperimentDir({
    folder: experimentDir,
    mode,
    resuming: options.resumeFrom !== undefined,
    overwrite: options.overwrite ?? false,
  });
  await writeFile(
    join(experimentDir, mode === 'eval' ? 'eval-config.yaml' : 'config.yaml'),
    stringifyResolvedConfig(loaded.resolved),
  );

  let policy: ChatPolicy;
  let backbone: Backbone | undefined;
  const endpoint = config.model.endpoint;
  if (endpoint.baseUrl) {
    const apiKey = process.env[endpoint.apiKeyEnv] ?? 'EMPTY';
    const endpointPolicy = new EndpointPolicy({
      baseURL: endpoint.baseUrl,
      model: endpoint.model ?? config.model.path,
      apiKey,
      timeoutMs: endpoint.timeoutS * 1000,
    });
    await endpointPolicy.checkReachable();
    policy = endpointPolicy;
  } else {
    const created = await options.createBackbone(config, { configDir });
    backbone = created.backbone;
    policy = new TokenPolicy({ backbone, description: created.description });
  }

  const warn =
    options.observer?.onWarning?.bind(options.observer) ??
    ((message: string) => process.stderr.write(`ajet: warning: ${message}\n`));
  const sinkContext = (name: string): SinkContext => {
    const block = (config.trainerCommon as Record<string, unknown>)[name];
    return {
      experimentDir,
      projectName: config.projectName,
      experimentName: config.experimentName,
      description: `ajet ${config.rollout.userWorkflow} on ${config.model.path}`,
      settings: typeof block === 'object' && block !== null ? (block as Record<string, unknown>) : {},
    };
  };
  const sinks: MetricsSink[] = [];
  for (const name of new Set(config.trainerCommon.logger)) {
    const factory: SinkFactory | undefined =
      name === 'jsonl' ? () => new JsonlMetricsSink(experimentDir) : factories[name];
    if (factory) sinks.push(new GuardedSink({ name, create: () => factory(sinkContext(name)), warn }));
  }
  const model = (await policy.info()).model;
  let endpointServer: EpisodeEndpointServer | undefined;
  const tunerServices = {
    model,
    toolCallParser: options.toolCallParser,
    endpointServer: () => {
      endpointServer ??= new EpisodeEndpointServer({ model, toolCallParser: options.toolCallParser });
      return endpointServer;
    },
  };
  const concurrency = config.backbone === 'debug' ? config.debug.debugMaxParallel : config.rollout.maxEnvWorker;
  const trainer = new Trainer({
    config,
    policy,
    backbone,
    reader,
    createWorkflow: () => workflow.create(),
    judge,
    experimentDir,
    sinks,
    observer: options.observer,
    concurrency,
    signal: options.signal,
    tunerServices,
    resumeFrom: options.resumeFrom
      ? options.resumeFrom === 'latest'
        ? 'latest'
        : resolve(cwd, options.resumeFrom)
      : undefined,
  });
  try {
    if (mode === 'eval') return { mode, experimentDir, summary: await trainer.evaluate() };
    return { mode, experimentDir, summary: await trainer.train() };
  } finally {
    await Promise.allSettled(sinks.map((sink) => sink.close()));
    await endpointServer?.close();
    await backbone?.close();
  }
}
