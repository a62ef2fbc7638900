import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from './load-config.ts';
import { renderDefaultsYaml } from './render-defaults.ts';
import { ajetSchema } from './schema.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('merges defaults < extends < file < --set < overrides', () => {
    const loaded = loadConfig({
      file: fixture('child.yaml'),
      sets: ['rollout.max_tokens=64', 'ajet.model.path=123'],
      overrides: { seed: 7 },
    });
    expect(loaded.config.rollout.numRepeat).toBe(6);
    expect(loaded.config.rollout.temperature).toBe(0.5);
    expect(loaded.config.rollout.maxTokens).toBe(64);
    // --set is typed by the schema: model.path is a string, so "123" stays text.
    expect(loaded.config.model.path).toBe('123');
    expect(loaded.config.seed).toBe(7);
    expect(loaded.config.trainerCommon.logger).toEqual(['jsonl']);
    expect(loaded.config.trainerCommon.optim.lr).toBe(1e-6);
    expect(loaded.sourceOf('rollout.num_repeat')).toContain('base.yaml');
    expect(loaded.sourceOf('rollout.max_tokens')).toBe('--set rollout.max_tokens=64');
    expect((loaded.resolved.ajet as Record<string, Record<string, unknown>>).rollout?.num_repeat).toBe(6);
  });

  it('documents every key of the defaults file with a comment', () => {
    const lines = renderDefaultsYaml(ajetSchema).split('\n');
    const keyLines = lines.filter((line) => /^\s+[a-z_0-9]+:\s*\S/.test(line));
    expect(keyLines.length).toBeGreaterThan(50);
    for (const line of keyLines) expect(line, line).toMatch(/ # \S/);
    expect(parse(renderDefaultsYaml(ajetSchema))).toHaveProperty('ajet');
  });

  it('names the file, line and key of an unknown key and suggests the nearest', () => {
    const error = configError(() => loadConfig({ file: fixture('child.yaml'), sets: ['rollout.num_repeats=3'] }));
    expect(error.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(error.message).toBe(
      '--set rollout.num_repeats=3: ajet.rollout.num_repeats: unknown key `num_repeats` Did you mean `num_repeat`?',
    );
  });

  it('suggests snake_case for a camelCase key', () => {
    const error = configError(() => loadConfig({ file: fixture('child.yaml'), sets: ['data.trainBatchSize=3'] }));
    expect(error.message).toContain('Did you mean `train_batch_size`?');
  });

  it('names the expected enum values', () => {
    const error = configError(() => loadConfig({ file: fixture('child.yaml'), sets: ['algorithm.adv_estimator=ppo'] }));
    expect(error.message).toContain('ajet.algorithm.adv_estimator: expected one of "grpo", "dr_grpo", got "ppo"');
  });

  it('points at the line in the file that set a bad value', () => {
    const error = configError(() =>
      loadConfig({
        file: fixture('child.yaml'),
        sets: [],
        overrides: { 'rollout.temperature': -1 },
      }),
    );
    expect(error.message).toMatch(/--temperature: ajet\.rollout\.temperature: .*>=0/);
  });

  it('refuses an extends cycle', () => {
    const error = configError(() => loadConfig({ file: fixture('cycle-a.yaml') }));
    expect(error.code).toBe('CONFIG_EXTENDS_CYCLE');
    expect(error.message).toContain('cycle-a.yaml -> ');
  });

  it('refuses a --set without =', () => {
    expect(() => loadConfig({ file: fixture('child.yaml'), sets: ['rollout.num_repeat'] })).toThrow(
      /expected key\.path=value/,
    );
  });

  describe('keys that would reach Object.prototype', () => {
    const polluted = () =>
      (Object.prototype as Record<string, unknown>).polluted ?? (Object.prototype as Record<string, unknown>).x;

    it('refuses __proto__ in a YAML file, naming file, line and key', () => {
      const error = configError(() => loadConfig({ file: fixture('proto-key.yaml') }));
      expect(error.code).toBe('CONFIG_FORBIDDEN_KEY');
      expect(error.message).toMatch(
        /^.*proto-key\.yaml:4: ajet\.rollout\.__proto__: the key `__proto__` is not allowed/,
      );
      expect(polluted()).toBeUndefined();
    });

    it('refuses constructor and prototype keys in a YAML file', () => {
      const error = configError(() => loadConfig({ file: fixture('prototype-key.yaml') }));
      expect(error.code).toBe('CONFIG_FORBIDDEN_KEY');
      expect(error.message).toMatch(/prototype-key\.yaml:3: ajet\.model\.constructor: the key `constructor`/);
    });

    it.each(['__proto__.x=1', 'ajet.__proto__.x=1', 'rollout.__proto__.x=1', 'rollout.constructor.prototype.x=1'])(
      'refuses --set %s',
      (flag) => {
        const error = configError(() => loadConfig({ file: fixture('child.yaml'), sets: [flag] }));
        expect(error.code).toBe('CONFIG_FORBIDDEN_KEY');
        expect(error.message).toMatch(
          new RegExp(`^--set ${flag.replace(/[.]/g, '\\.')}: .*the key \`(__proto__|constructor)\` is not allowed`),
        );
        expect(polluted()).toBeUndefined();
      },
    );

    it('merges into objects without a prototype', () => {
      const loaded = loadConfig({ file: fixture('child.yaml') });
      expect(Object.getPrototypeOf(loaded.resolved)).toBeNull();
      expect(Object.getPrototypeOf(loaded.resolved.ajet)).toBeNull();
    });
  });

  it('reports a YAML alias bomb as a config error naming file and line', () => {
    const started = performance.now();
    const error = configError(() => loadConfig({ file: fixture('alias-bomb.yaml') }));
    expect(error.code).toBe('CONFIG_MALFORMED');
    expect(error.message).toMatch(/alias-bomb\.yaml:5: YAML aliases expand to too many nodes/);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('loadConfig: the schema is the source', () => {
  it('without a file, gives the schema defaults and the flags', () => {
    const loaded = loadConfig({ sets: ['rollout.num_repeat=2'] });
    expect(loaded.config).toEqual({
      ...ajetSchema.parse({}),
      rollout: { ...ajetSchema.parse({}).rollout, numRepeat: 2 },
    });
    expect(loaded.configFile).toBeUndefined();
  });

  it('types --set values by the schema: numbers, booleans, lists, null', () => {
    const { config } = loadConfig({
      file: fixture('child.yaml'),
      sets: [
        'data.shuffle=false',
        'trainer_common.logger=console,tensorboard',
        'algorithm.dual_clip=1.5',
        'trainer_common.total_training_steps=3',
        'trainer_common.total_training_steps=null',
        'model.endpoint.model=1.5',
      ],
    });
    expect(config.data.shuffle).toBe(false);
    expect(config.trainerCommon.logger).toEqual(['console', 'tensorboard']);
    expect(config.algorithm.dualClip).toBe(1.5);
    expect(config.trainerCommon.totalTrainingSteps).toBeNull();
    expect(config.model.endpoint.model).toBe('1.5');
  });

  it.each([
    [
      'data.shuffle=yes',
      /^--set data\.shuffle=yes: ajet\.data\.shuffle: expected boolean, got "yes" The default is true/,
    ],
    ['rollout.num_repeat=2.5', /^--set rollout\.num_repeat=2\.5: ajet\.rollout\.num_repeat: .*int/],
    [
      'trainer_common.logger=[[a]]',
      /^--set trainer_common\.logger=\[\[a\]\]: ajet\.trainer_common\.logger\.0: expected string, got a list/,
    ],
  ])('names the flag, the key and the expected type of a bad --set %s', (flag, message) => {
    const error = configError(() => loadConfig({ file: fixture('child.yaml'), sets: [flag] }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(message);
  });

  it('types --seed and --backbone text by the schema', () => {
    expect(
      loadConfig({ file: fixture('child.yaml'), overrides: { seed: '7', backbone: 'grpc' } }).config,
    ).toMatchObject({
      seed: 7,
      backbone: 'grpc',
    });
    expect(configError(() => loadConfig({ file: fixture('child.yaml'), overrides: { seed: 'abc' } })).message).toMatch(
      /^--seed: ajet\.seed: expected number, got "abc"/,
    );
    expect(configError(() => loadConfig({ file: fixture('child.yaml'), overrides: { seed: '1.5' } })).message).toMatch(
      /^--seed: ajet\.seed: .*int/,
    );
    // Core names no backbones: any name passes here; runJob checks it against the plugin registry (did-you-mean
    // included, test/bad-inputs.test.ts). An empty one is still a type error.
    expect(loadConfig({ file: fixture('child.yaml'), overrides: { backbone: 'gprc' } }).config.backbone).toBe('gprc');
    expect(configError(() => loadConfig({ file: fixture('child.yaml'), overrides: { backbone: '' } })).message).toMatch(
      /^--backbone: ajet\.backbone: /,
    );
  });

  it('suggests a task_reader key from the schema for a stray scalar beside the settings blocks', () => {
    const error = configError(() =>
      loadConfig({ file: fixture('child.yaml'), sets: ['task_reader.on_bad_rows=fail'] }),
    );
    expect(error.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(error.message).toContain(
      'ajet.task_reader.on_bad_rows: unknown key `on_bad_rows` Did you mean `on_bad_row`?',
    );
  });
});

describe('loadConfig: paths', () => {
  const base = dirname(fixture('paths/base/base.yaml'));
  const childFolder = dirname(fixture('paths/child.yaml'));
  const loaded = loadConfig({ file: fixture('paths/child.yaml') });
  const readerBlock = (loaded.resolved.ajet as { task_reader: { dataset_file: Record<string, { file_path: string }> } })
    .task_reader.dataset_file;

  it('resolves the path fields a file sets against that file, also when a file in another folder extends it', () => {
    expect(loaded.config.model.path).toBe(join(base, 'saved-model'));
    expect(loaded.config.taskReader.type).toBe(`${join(base, 'reader.ts')}->Reader`);
    expect(loaded.config.rollout.userWorkflow).toBe(`${join(base, 'agent.ts')}->Agent`);
  });

  it('leaves every other value as written', () => {
    // experiment_dir is relative to the working directory (docs/config.md); it used to become relative to the file.
    expect(loaded.config.experimentDir).toBe('./runs');
    expect(loaded.config.taskJudge.judgeProtocol).toBe('math_answer');
    const named = loadConfig({ file: fixture('child.yaml'), sets: ['model.path=Qwen/Qwen2.5-0.5B'] });
    expect(named.config.model.path).toBe('Qwen/Qwen2.5-0.5B');
  });

  it("keeps a plugin's settings as written: only the plugin's own schema knows which strings are paths", () => {
    expect(loaded.config.rollout.workflowSettings).toEqual({ rubric_file: '../rubric.md', greeting: './hello' });
    expect(readerBlock.training?.file_path).toBe('./data/train.jsonl');
    expect(readerBlock.validation?.file_path).toBe('./data/validation.jsonl');
  });

  it('says which file wrote each key of a settings block: its folder and line, for the plugin loader', () => {
    const workflow = loaded.settingsOrigin('rollout.workflow_settings');
    expect(workflow.keyPath).toBe('ajet.rollout.workflow_settings');
    expect(workflow.folderOf([])).toBe(base);
    expect(workflow.folderOf(['rubric_file'])).toBe(base);
    expect(workflow.locationOf(['rubric_file'])).toMatch(/paths\/base\/base\.yaml:16$/);
    // A reader's block merges key by key: each key resolves against the file that wrote it.
    const reader = loaded.settingsOrigin('task_reader.dataset_file');
    expect(reader.folderOf(['training', 'file_path'])).toBe(base);
    expect(reader.folderOf(['validation', 'file_path'])).toBe(childFolder);
    expect(reader.locationOf(['validation', 'file_path'])).toMatch(/paths\/child\.yaml:6$/);
    // A block the child replaced is the child's; a key a flag set, or a block only the defaults wrote, resolves
    // against the experiment file's folder.
    expect(loaded.settingsOrigin('task_judge.judge_settings').folderOf(['tolerance_relative'])).toBe(childFolder);
    const flagged = loadConfig({
      file: fixture('paths/child.yaml'),
      sets: ['task_reader.dataset_file.training.file_path=x.jsonl'],
    });
    const flaggedReader = flagged.settingsOrigin('task_reader.dataset_file');
    expect(flaggedReader.folderOf(['training', 'file_path'])).toBe(childFolder);
    expect(flaggedReader.locationOf(['training', 'file_path'])).toBe(
      '--set task_reader.dataset_file.training.file_path=x.jsonl',
    );
    expect(loadConfig({}).settingsOrigin('rollout.workflow_settings').folderOf([])).toBe(process.cwd());
  });

  it("replaces a plugin's settings block whole, and merges a reader's block key by key", () => {
    expect(loaded.config.taskJudge.judgeSettings).toEqual({ tolerance_relative: 0.1 });
    expect(Object.keys(readerBlock).sort()).toEqual(['training', 'validation']);
  });
});

describe('task_reader.extra_validation', () => {
  it("gives each set its name, the main reader's type unless it names one, and its settings as written (the reader's schema resolves its path fields)", () => {
    const { config } = loadConfig({ file: fixture('extra-validation.yaml') });
    const folder = dirname(fixture('extra-validation.yaml'));
    expect(config.taskReader.extraValidation).toEqual([
      {
        name: 'heldout_csv',
        type: 'dataset_file',
        settings: { validation: { file_path: './data/heldout.jsonl' } },
      },
      {
        name: 'other',
        type: `${join(folder, 'my_reader.ts')}->MyReader`,
        settings: { file: './other.jsonl' },
      },
    ]);
    expect(loadConfig({ file: fixture('base.yaml') }).config.taskReader.extraValidation).toEqual([]);
  });

  it('refuses a name that is a metric name part or used twice, naming the key', () => {
    const reserved = configError(() =>
      loadConfig({ file: fixture('base.yaml'), sets: ['task_reader.extra_validation=[{name: greedy}]'] }),
    );
    expect(reserved.message).toContain('task_reader.extra_validation.0.name');
    const twice = configError(() =>
      loadConfig({ file: fixture('base.yaml'), sets: ['task_reader.extra_validation=[{name: a}, {name: a}]'] }),
    );
    expect(twice.message).toContain('task_reader.extra_validation.1.name');
  });
});
