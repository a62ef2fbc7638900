import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generatedPositionFor, LEAST_UPPER_BOUND, TraceMap } from '@jridgewell/trace-mapping';
import { describe, expect, it } from 'vitest';
import { InspectorClient } from './helpers/inspector-client.ts';
import { REPO_ROOT } from './helpers/run-ajet.ts';

/** Where the test stops: a line in a judge's .ts file, found by its text so edits elsewhere don't move it. */
const JUDGE_FILE = join(REPO_ROOT, 'test/fixtures/basic/fixture-plugins.ts');
const MARKER = 'const reward = index % 2 === 0';
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

describe('breakpoints in plugin .ts files', () => {
  it('pauses ajet over an in-process backbone at a judge line through source maps, with its locals, then finishes', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-bp-')), 'run');
    const child = spawn(
      process.execPath,
      [
        '--inspect-brk=127.0.0.1:0',
        join(REPO_ROOT, 'packages/cli/bin/ajet.js'),
        '--conf',
        CONF,
        '--experiment-dir',
        dir,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
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
      // As VS Code does: stop before each script with a source map runs, map the .ts line to the generated
      // position with the script's inline source map, set the breakpoint, go on.
      const hit = new Promise<PausedEvent>((resolve, reject) => {
        client.on('Debugger.paused', (params) => {
          const event = params as unknown as PausedEvent;
          const onError = (error: Error) => reject(error);
          if (event.reason === 'instrumentation') {
            const scriptId = String(event.data?.scriptId ?? '');
            const script = scripts.get(scriptId);
            if (script?.url === fileUrl && !breakpointSet) {
              breakpointSet = true;
              judgeScriptId = scriptId;
              const map = decodeInlineSourceMap(script.sourceMapURL);
              const source = map.sources.find((name) => name?.endsWith('fixture-plugins.ts')) ?? '';
              const generated = generatedPositionFor(map, {
                source,
                line: wantedLine + 1,
                column: 0,
                bias: LEAST_UPPER_BOUND,
              });
              if (generated.line === null) {
                reject(new Error('source map has no position for the marker line'));
                return;
              }
              client
                .send('Debugger.setBreakpoint', {
                  location: { scriptId, lineNumber: generated.line - 1, columnNumber: generated.column },
                })
                .then(() => client.send('Debugger.resume'))
                .catch(onError);
              return;
            }
            client.send('Debugger.resume').catch(onError);
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
      expect(Object.keys(locals)).toEqual(expect.arrayContaining(['task', 'trajectory', 'index']));
      expect(typeof locals.index).toBe('number');
      await client.send('Debugger.setBreakpointsActive', { active: false });
      await client.send('Debugger.resume');
      // Node waits for the debugger to detach before it exits.
      client.close();
      expect(await exited).toBe(0);
      expect(stderr).toContain('step 2/2');
    } finally {
      client.close();
      child.kill('SIGKILL');
    }
  });
});
