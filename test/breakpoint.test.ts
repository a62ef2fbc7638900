import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generatedPositionFor, LEAST_UPPER_BOUND, TraceMap } from '@jridgewell/trace-mapping';
import { describe, expect, it } from 'vitest';
import { InspectorClient } from './helpers/inspector-client.ts';
import { REPO_ROOT } from './helpers/run-ajet.ts';

/** Where the tests stop: a line in a judge's .ts file, found by its text so edits elsewhere don't move it. */
const CONF = 'test/fixtures/basic/basic.yaml';

function sourceLine(file: string, marker: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(marker));
  if (index < 0) throw new Error(`marker not found in ${file}`);
  return index;
}

function decodeInlineSourceMap(url: string): TraceMap {
  const base64 = url.slice(url.indexOf(',') + 1);
  return new TraceMap(Buffer.from(base64, 'base64').toString('utf8'));
}

interface BreakpointRun {
  /** The folder ajet runs in, and its config (relative to it), with any extra flags. */
  cwd: string;
  args: string[];
  /** The judge's .ts file and the text of the line to stop at. */
  judgeFile: string;
  marker: string;
  /** Locals the paused frame must have. */
  locals: string[];
  /** Printed by a run that finished. */
  finished: string;
}

/**
 * As VS Code does: starts ajet under --inspect-brk, stops before each script with a source map runs, maps the judge's
 * .ts line to the generated position with the script's inline source map, sets the breakpoint; then checks the pause
 * (in computeReward, with its locals) and that the run finishes.
 */
async function pauseInJudge(run: BreakpointRun): Promise<void> {
  const JUDGE_FILE = run.judgeFile;
  const MARKER = run.marker;
  const dir = join(mkdtempSync(join(tmpdir(), 'ajet-bp-')), 'run');
  const child = spawn(
    process.execPath,
    ['--inspect-brk=127.0.0.1:0', join(REPO_ROOT, 'packages/cli/bin/ajet.js'), ...run.args, '--experiment-dir', dir],
    { cwd: run.cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const wsUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no inspector URL: ${stderr}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const client = await InspectorClient.connect(wsUrl);
  try {
    const fileUrl = pathToFileURL(JUDGE_FILE).href;
    const wantedLine = sourceLine(JUDGE_FILE, MARKER);
    const scripts = new Map<string, { url: string; sourceMapURL: string }>();
    client.on('Debugger.scriptParsed', (params) => {
      scripts.set(String(params.scriptId), {
        url: String(params.url),
        sourceMapURL: String(params.sourceMapURL ?? ''),
      });
    });
    let judgeScriptId = '';
    let breakpointSet = false;
    type PausedEvent = {
      reason: string;
      data?: { scriptId?: string };
      callFrames: {
        functionName: string;
        location: { scriptId: string; lineNumber: number; columnNumber: number };
        scopeChain: { type: string; object: { objectId: string } }[];
      }[];
    };
    /** Maps the marker's .ts line through the script's inline source map and sets the breakpoint there. */
    const setJudgeBreakpoint = (scriptId: string, script: { sourceMapURL: string }): Promise<unknown> => {
      breakpointSet = true;
      judgeScriptId = scriptId;
      const map = decodeInlineSourceMap(script.sourceMapURL);
      const source = map.sources.find((name) => name?.endsWith(basename(JUDGE_FILE))) ?? '';
      const generated = generatedPositionFor(map, { source, line: wantedLine + 1, column: 0, bias: LEAST_UPPER_BOUND });
      if (generated.line === null) return Promise.reject(new Error('source map has no position for the marker line'));
      return client.send('Debugger.setBreakpoint', {
        location: { scriptId, lineNumber: generated.line - 1, columnNumber: generated.column },
      });
    };
    const isJudge = (script: { url: string; sourceMapURL: string } | undefined) =>
      script !== undefined && script.url === fileUrl && script.sourceMapURL.startsWith('data:') && !breakpointSet;
    // As VS Code does: stop before each script with a source map runs (an ES module), map the .ts line to the
    // generated position with the script's inline source map, set the breakpoint, go on. A CommonJS .ts (a project
    // without "type": "module") compiles as a function, which that stop skips: its breakpoint is set when it is
    // parsed, long before computeReward runs.
    const hit = new Promise<PausedEvent>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      client.on('Debugger.scriptParsed', (params) => {
        const scriptId = String(params.scriptId);
        const script = scripts.get(scriptId);
        if (isJudge(script) && script) setJudgeBreakpoint(scriptId, script).catch(onError);
      });
      client.on('Debugger.paused', (params) => {
        const event = params as unknown as PausedEvent;
        if (event.reason === 'instrumentation') {
          const scriptId = String(event.data?.scriptId ?? '');
          const script = scripts.get(scriptId);
          const set = isJudge(script) && script ? setJudgeBreakpoint(scriptId, script) : Promise.resolve();
          set.then(() => client.send('Debugger.resume')).catch(onError);
          return;
        }
        if (event.reason === 'Break on start') {
          client.send('Debugger.resume').catch(onError);
          return;
        }
        resolve(event);
      });
    });
    await client.send('Runtime.enable');
    await client.send('Debugger.enable');
    await client.send('Debugger.setInstrumentationBreakpoint', {
      instrumentation: 'beforeScriptWithSourceMapExecution',
    });
    await client.send('Runtime.runIfWaitingForDebugger');
    const event = await hit;
    await client
      .send('Debugger.removeInstrumentationBreakpoint', {
        breakpointId: 'instrumentation:beforeScriptWithSourceMapExecution',
      })
      .catch(() => {});
    const [frame] = event.callFrames;
    expect(frame?.location.scriptId).toBe(judgeScriptId);
    expect(frame?.functionName).toBe('computeReward');
    const local = frame?.scopeChain.find((scope) => scope.type === 'local');
    const properties = await client.send<{ result: { name: string; value?: { value?: unknown } }[] }>(
      'Runtime.getProperties',
      {
        objectId: local?.object.objectId,
        ownProperties: true,
      },
    );
    const locals = Object.fromEntries(properties.result.map((property) => [property.name, property.value?.value]));
    expect(Object.keys(locals)).toEqual(expect.arrayContaining(run.locals));
    await client.send('Debugger.setBreakpointsActive', { active: false });
    await client.send('Debugger.resume');
    // Node waits for the debugger to detach before it exits.
    client.close();
    expect(await exited).toBe(0);
    expect(stderr).toContain(run.finished);
  } finally {
    client.close();
    child.kill('SIGKILL');
  }
}

describe('breakpoints in plugin .ts files', () => {
  it('pauses ajet over an in-process backbone at a judge line through source maps, with its locals, then finishes', async () => {
    await pauseInJudge({
      cwd: REPO_ROOT,
      args: ['--conf', CONF],
      judgeFile: join(REPO_ROOT, 'test/fixtures/basic/fixture-plugins.ts'),
      marker: 'const reward = index % 2 === 0',
      locals: ['task', 'trajectory', 'index'],
      finished: 'step 2/2',
    });
  });

  it("pauses in a judge of a user's project outside the repo (CommonJS: npm's default package.json)", async () => {
    const project = mkdtempSync(join(tmpdir(), 'ajet-bp-project-'));
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'my-agent', version: '1.0.0' })}\n`);
    writeFileSync(
      join(project, 'judge.ts'),
      `import type { Judge, JudgeResult, Trajectory, WorkflowOutput, WorkflowTask } from 'ajet';

export class OutsideJudge implements Judge {
  async computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const answer = String(output.metadata.finalAnswer ?? trajectory.messages.at(-1)?.content ?? '');
    const reward = answer.includes(String(task.task.metadata.answer)) ? 1 : 0;
    return { rawReward: reward, isSuccess: reward === 1 };
  }
}
`,
    );
    writeFileSync(join(project, 'tasks.jsonl'), '{"question":"What is 2 plus 3?","answer":"5"}\n');
    writeFileSync(
      join(project, 'config.yaml'),
      `ajet:
  experiment_name: outside
  model: { path: builtin:tinylm-calculator }
  task_reader:
    type: dataset_file
    dataset_file: { training: { file_path: ./tasks.jsonl }, validation: { file_path: ./tasks.jsonl } }
  rollout: { user_workflow: react_agent, num_repeat: 2, max_tokens: 32 }
  task_judge: { judge_protocol: ./judge.ts->OutsideJudge }
  data: { train_batch_size: 1 }
  trainer_common: { total_training_steps: 1, val_before_train: false, test_freq: 0, save_freq: 0, fail_if_nothing_trained: false }
`,
    );
    await pauseInJudge({
      cwd: project,
      args: ['--conf', 'config.yaml', '--backbone', 'debug'],
      judgeFile: join(project, 'judge.ts'),
      marker: 'const reward = answer.includes',
      locals: ['task', 'output', 'trajectory', 'answer'],
      finished: 'step 1/1',
    });
  });
});
