import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type {
  Backbone,
  BackboneContext,
  BackboneFactory,
  CreatedBackbone,
  Judge,
  MetricsSink,
  PluginManifest,
  SinkContext,
  SinkFactory,
  TaskReader,
  ToolCallParser,
  Workflow,
} from '@ajet/spec';
import { type LoadedConfig, stringifyResolvedConfig } from './config/load-config.ts';
import type { AjetConfig } from './config/schema.ts';
import { type RunningEpisodeService, startEpisodeService } from './episode-service/start-episode-service.ts';
import { PluginLoader } from './plugins/plugin-loader.ts';
import type { ChatPolicy } from './runtime/chat-policy.ts';
import { EndpointPolicy } from './runtime/endpoint-policy.ts';
import { EpisodeEndpointServer } from './runtime/episode-endpoint-server.ts';
import { prepareExperimentDir } from './runtime/experiment-folder.ts';
import { GuardedSink } from './runtime/guarded-sink.ts';
import type { RunObserver } from './runtime/run-observer.ts';
import { TokenPolicy } from './runtime/token-policy.ts';
import { type EvalSummary, Trainer, type TrainSummary } from './runtime/trainer.ts';

export type { CreatedBackbone } from '@ajet/spec';

export interface JobOptions {
  loaded: LoadedConfig;
  mode: 'train' | 'eval';
  /** Overrides experiment_dir/experiment_name. */
  experimentDir?: string;
  /**
   * The one registry: every package's `manifest`, concatenated (the CLI composes it). `ajet.backbone`,
   * `trainer_common.logger` and every plugin string resolve through it.
   */
  builtins: PluginManifest;
  /**
   * Replaces the backbone plugin `ajet.backbone` names (benchmarks and tests that wrap or script a backbone).
   * Not called for an endpoint.
   */
  createBackbone?(config: AjetConfig, context: BackboneContext): Promise<CreatedBackbone>;
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

/** The backbone's own block, `backbones.<name>`, or `{}` when the config has none. */
function backboneSettings(config: AjetConfig): Readonly<Record<string, unknown>> {
  const block = (config.backbones as Record<string, unknown>)[config.backbone];
  return typeof block === 'object' && block !== null ? (block as Record<string, unknown>) : {};
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

  const loader = new PluginLoader({
    configDir,
    cwd,
    builtins: options.builtins,
    config: config as unknown as Record<string, unknown>,
  });
  // Names of sinks and the backbone fail here, before any plugin is built or file written.
  const sinkFactories = new Map<string, SinkFactory>();
  for (const name of new Set(config.trainerCommon.logger)) {
    sinkFactories.set(
      name,
      await loader.loadFactory<SinkFactory>({
        reference: name,
        kind: 'metrics_sink',
        keyPath: 'ajet.trainer_common.logger',
      }),
    );
  }
  const backboneContext: BackboneContext = {
    modelPath: config.model.path,
    seed: config.seed,
    trainThreads: config.debug.trainThreads,
    sampleThreads: config.debug.sampleThreads,
    configDir,
    cwd,
    env: process.env,
  };
  const createBackbone: () => Promise<CreatedBackbone> = options.createBackbone
    ? () => (options.createBackbone as NonNullable<JobOptions['createBackbone']>)(config, backboneContext)
    : await loader
        .loadFactory<BackboneFactory>({ reference: config.backbone, kind: 'backbone', keyPath: 'ajet.backbone' })
        .then((factory) => () => factory(backboneSettings(config), backboneContext));
  // A built-in reader's block is named after its type (`dataset_file:`); any other reader's is `settings:`.
  const readerBlocks = (loaded.resolved.ajet as { task_reader?: Record<string, unknown> } | undefined)?.task_reader;
  const readerBlock =
    config.taskReader.type in (readerBlocks ?? {}) && !['type', 'on_bad_row'].includes(config.taskReader.type)
      ? config.taskReader.type
      : 'settings';
  const readerSettings = {
    on_bad_row: config.taskReader.onBadRow,
    ...config.taskReader.settings,
  };
  const reader = await loader.load<TaskReader>({
    reference: config.taskReader.type,
    kind: 'task_reader',
    settings: readerSettings,
    settingsOrigin: loaded.settingsOrigin(`task_reader.${readerBlock}`),
    keyPath: 'ajet.task_reader.type',
  });
  const extraValidation: { name: string; reader: TaskReader }[] = [];
  const rawSets = (readerBlocks?.extra_validation ?? []) as Record<string, unknown>[];
  for (const [index, set] of config.taskReader.extraValidation.entries()) {
    const setBlock = set.type in (rawSets[index] ?? {}) && !['type', 'name'].includes(set.type) ? set.type : 'settings';
    const setReader = await loader.load<TaskReader>({
      reference: set.type,
      kind: 'task_reader',
      settings: { on_bad_row: config.taskReader.onBadRow, ...set.settings },
      settingsOrigin: loaded.settingsOrigin(`task_reader.extra_validation.${index}.${setBlock}`),
      keyPath: `ajet.task_reader.extra_validation.${index}.type`,
    });
    extraValidation.push({ name: set.name, reader: setReader });
  }
  // With the episode service, external clients are the workflow: rollout.user_workflow is not loaded.
  const serveEpisodes = config.episodeService.enabled;
  const workflow = serveEpisodes
    ? undefined
    : await loader.resolve<Workflow>({
        reference: config.rollout.userWorkflow,
        kind: 'workflow',
        settings: config.rollout.workflowSettings,
        settingsOrigin: loaded.settingsOrigin('rollout.workflow_settings'),
        keyPath: 'ajet.rollout.user_workflow',
      });
  const judge = await loader.load<Judge>({
    reference: config.taskJudge.judgeProtocol,
    kind: 'judge',
    settings: config.taskJudge.judgeSettings,
    settingsOrigin: loaded.settingsOrigin('task_judge.judge_settings'),
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
  // An endpoint is the debug path too (DESIGN §5): the workflows run here, a few at a time.
  let inProcess = true;
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
    const created = await createBackbone();
    backbone = created.backbone;
    inProcess = created.inProcess === true;
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
  for (const [name, factory] of sinkFactories) {
    sinks.push(new GuardedSink({ name, create: () => factory(sinkContext(name)), warn }));
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
  let service: RunningEpisodeService | undefined;
  if (serveEpisodes) {
    service = await startEpisodeService({
      config,
      experimentDir,
      model,
      toolCallParser: options.toolCallParser,
      env: process.env,
      warn,
    }).catch(async (error: unknown) => {
      await backbone?.close();
      throw error;
    });
    options.observer?.onEpisodeService?.({ url: service.url, infoFile: service.infoFile });
  }
  const concurrency = service
    ? config.episodeService.maxOpenEpisodes
    : inProcess
      ? config.debug.debugMaxParallel
      : config.rollout.maxEnvWorker;
  const trainer = new Trainer({
    config,
    policy,
    backbone,
    reader,
    extraValidation,
    createWorkflow: service ? service.createWorkflow : () => (workflow as NonNullable<typeof workflow>).create(),
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
    await service?.close();
    await Promise.allSettled(sinks.map((sink) => sink.close()));
    await endpointServer?.close();
    await backbone?.close();
  }
}
