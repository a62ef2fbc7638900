// Hostile model output, two ways (issue 21):
// 1. Fault cases: each attack a model can write (sandbox escapes and floods, evaluator bombs, calculator overflow)
//    runs in its own child process; "contained" means the child answered in time with the attack refused and the
//    same sandbox/judge still answering honestly. Prints contained/total.
// 2. A run: the calculator tutorial's data, reader and math_answer judge, with a react_agent holding both tools,
//    against a loopback endpoint whose "model" writes those attacks. The run must end with exit 0, every episode
//    recorded, and the attacks counted as failed or zero-reward episodes, not as a crashed run.
// `pnpm bench hostile` (about 2 minutes on 2 cores).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES } from './internal/hostile-cases.ts';
import { OPENERS, runAgainstHostileEndpoint } from './internal/hostile-endpoint.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CASE_SCRIPT = fileURLToPath(new URL('./internal/hostile-cases.ts', import.meta.url));
const CASE_TIMEOUT_MS = 60_000;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runChild(args: string[], timeoutMs: number): Promise<ChildResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 1 << 16) stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** The last non-empty line, cut to `width` characters (Infinity: whole, for JSON). */
function lastLine(text: string, width = 140): string {
  return (
    text
      .trim()
      .split('\n')
      .findLast((line) => line.trim() !== '') ?? ''
  ).slice(0, width);
}

console.log('1. fault cases (each in its own process, 1 GB heap, 60 s)');
let contained = 0;
// HOSTILE_CASES=substring runs only the cases whose names contain it.
const names = Object.keys(CASES).filter((name) => name.includes(process.env.HOSTILE_CASES ?? ''));
for (const name of names) {
  const result = await runChild(['--max-old-space-size=1024', '--import', 'tsx', CASE_SCRIPT, name], CASE_TIMEOUT_MS);
  let verdict = 'NOT CONTAINED';
  let detail: string;
  if (result.code === 0) {
    const outcome = JSON.parse(lastLine(result.stdout, Number.POSITIVE_INFINITY) || '{}') as {
      contained?: boolean;
      detail?: string;
    };
    if (outcome.contained) {
      verdict = 'contained';
      contained += 1;
    }
    detail = outcome.detail ?? '';
  } else {
    const how = result.signal ? `killed by ${result.signal}` : `exit ${result.code}`;
    detail = `${how}${result.ms >= CASE_TIMEOUT_MS ? ' (timed out)' : ''}: ${lastLine(result.stderr)}`;
  }
  console.log(`  ${verdict.padEnd(13)} ${(result.ms / 1000).toFixed(1).padStart(5)} s  ${name}: ${detail}`);
}
console.log(`fault cases contained: ${contained}/${names.length}`);

console.log('\n2. the calculator tutorial against a hostile endpoint model');
const folder = mkdtempSync(join(tmpdir(), 'ajet-hostile-'));
const endpointRun = await runAgainstHostileEndpoint({ folder, steps: 2, tasksPerStep: 4, repeats: 4 });
console.log(
  `  exit ${endpointRun.code}${endpointRun.signal ? ` (${endpointRun.signal})` : ''} after ${(endpointRun.ms / 1000).toFixed(1)} s`,
);
if (endpointRun.code !== 0) console.log(`  stderr: ${lastLine(endpointRun.stderr)}`);
console.log(
  `  episodes recorded: ${endpointRun.episodes}/${endpointRun.expectedEpisodes} (${OPENERS.length} attack kinds cycled)`,
);
console.log(`  failed episodes: ${endpointRun.failed}, zero-reward episodes: ${endpointRun.zeroReward}`);
const expectedDollars = endpointRun.expectedEpisodes / OPENERS.length;
console.log(`  tool replies with "$& $' $\` $$" verbatim: ${endpointRun.dollarsVerbatim}/${expectedDollars}`);
const survived =
  endpointRun.code === 0 &&
  endpointRun.episodes === endpointRun.expectedEpisodes &&
  endpointRun.dollarsVerbatim === expectedDollars;
console.log(`hostile run survived with every episode recorded: ${survived ? 'yes' : 'NO'}`);

console.log('\n3. training on tinylm with every third model turn replaced by a hostile one, then --resume');
const trainingDir = join(folder, 'training');
const training = await runChild(
  ['--import', 'tsx', fileURLToPath(new URL('./internal/hostile-training.ts', import.meta.url)), trainingDir],
  600_000,
);
console.log(
  `  exit ${training.code}${training.signal ? ` (${training.signal})` : ''} after ${(training.ms / 1000).toFixed(1)} s`,
);
let trained = false;
if (training.code === 0) {
  const outcome = JSON.parse(lastLine(training.stdout, Number.POSITIVE_INFINITY)) as {
    summary: { steps: number; lastMetrics?: { metrics: Record<string, number> } };
    resumed: { steps: number; resumedFromStep: number };
    checkpoints: string[];
    newest?: string;
    finite: boolean;
  };
  let verbatim = 0;
  let injected = 0;
  for (const step of [1, 2, 3]) {
    const lines = readFileSync(join(trainingDir, 'trajectories', `step-${step}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    for (const line of lines) {
      const episode = JSON.parse(line) as { messages?: { role: string; content: string | null }[] };
      if (episode.messages?.some((message) => message.role === 'assistant' && message.content?.includes('$&'))) {
        injected += 1;
        if (episode.messages.some((message) => message.content?.includes('<output>Error: unexpected "$" in $& $\''))) {
          verbatim += 1;
        }
      }
    }
  }
  const metrics = outcome.summary.lastMetrics?.metrics ?? {};
  console.log(
    `  steps ${outcome.summary.steps}, last step: ${metrics['episodes/total']} episodes, ${metrics['episodes/failed']} failed, reward mean ${metrics['reward/mean']?.toFixed(3)}`,
  );
  console.log(`  checkpoints: ${outcome.checkpoints.join(', ')}; newest loads with finite weights: ${outcome.finite}`);
  console.log(
    `  --resume from the newest: continued after step ${outcome.resumed.resumedFromStep} to step ${outcome.resumed.steps}`,
  );
  console.log(`  episodes with a "$&" calculator call: ${injected}, tool output verbatim in ${verbatim}`);
  trained =
    outcome.summary.steps === 3 &&
    outcome.resumed.resumedFromStep === 3 &&
    outcome.resumed.steps === 4 &&
    outcome.finite &&
    verbatim === injected;
} else {
  console.log(`  stderr: ${lastLine(training.stderr)}`);
}
console.log(`hostile training run kept its checkpoints: ${trained ? 'yes' : 'NO'}`);
process.exit(contained === names.length && survived && trained ? 0 : 1);
