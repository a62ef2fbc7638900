// Sandbox throughput and latency: pooled sandboxed workers against a bare `python3 -c` spawn, in one run.
// Usage: node --import tsx bench/sandbox.ts [--calls N]
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { PythonSandbox } from '../packages/sandbox/src/index.ts';

const callsArgument = process.argv.indexOf('--calls');
const calls = callsArgument > 0 ? Number(process.argv[callsArgument + 1]) : 400;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

interface Measurement {
  label: string;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function measure(options: { label: string; count: number; concurrency: number; call: () => Promise<void> }) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.count) {
        next += 1;
        const callStarted = performance.now();
        await options.call();
        latencies.push(performance.now() - callStarted);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((left, right) => left - right);
  return {
    label: options.label,
    callsPerSecond: options.count / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  } satisfies Measurement;
}

async function main(): Promise<void> {
  const results: Measurement[] = [];
  const bareCount = Math.max(20, Math.floor(calls / 10));
  results.push(
    await measure({
      label: 'bare spawn /usr/bin/python3 -c pass (unsandboxed)',
      count: bareCount,
      concurrency: 1,
      call: async () => {
        spawnSync('/usr/bin/python3', ['-c', 'pass']);
      },
    }),
  );

  const calibration = new PythonSandbox({ workers: 1 });
  // Size the compute snippet to take about 20 ms inside the sandbox on this machine.
  const probe = await calibration.run(
    'import time\nn = 200000\nwhile True:\n    t = time.perf_counter(); sum(i * i for i in range(n)); d = time.perf_counter() - t\n' +
      '    if d > 0.02: break\n    n *= 2\nprint(int(n * 0.02 / d))',
  );
  await calibration.close();
  const loops = Number(probe.stdout.trim());
  const compute = `sum(i * i for i in range(${loops}))`;

  for (const workers of [1, 2]) {
    const sandbox = new PythonSandbox({ workers });
    await sandbox.start();
    for (let warm = 0; warm < 20; warm++) await sandbox.run('pass');
    results.push(
      await measure({
        label: `sandbox trivial, ${workers} worker(s)`,
        count: calls,
        concurrency: workers,
        call: async () => {
          const result = await sandbox.run('pass');
          if (result.returncode !== 0) throw new Error(result.stderr);
        },
      }),
    );
    results.push(
      await measure({
        label: `sandbox 20 ms compute, ${workers} worker(s)`,
        count: Math.max(20, Math.floor(calls / 8)),
        concurrency: workers,
        call: async () => {
          await sandbox.run(compute);
        },
      }),
    );
    await sandbox.close();
  }

  const bare = results[0];
  console.log(`sandbox benchmark (${calls} trivial calls per pool; compute snippet = ${loops} loop iterations)`);
  for (const result of results) {
    const speedup = bare ? result.callsPerSecond / bare.callsPerSecond : Number.NaN;
    console.log(
      `${result.label.padEnd(52)} ${result.callsPerSecond.toFixed(1).padStart(8)} calls/s  p50 ${result.p50Ms
        .toFixed(2)
        .padStart(7)} ms  p99 ${result.p99Ms.toFixed(2).padStart(7)} ms  x${speedup.toFixed(1)} vs bare spawn`,
    );
  }
}

await main();
