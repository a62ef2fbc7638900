import type { PluginManifest } from '@ajet/spec';

/** The tools a workflow's `tools:` list and `ajet tool NAME` name by a bare name. */
export const manifest: PluginManifest = [
  {
    kind: 'tool',
    name: 'calculator',
    summary: 'exact rational arithmetic on a YAML call or an expression',
    load: async () => (await import('./calculator-tool.ts')).CalculatorTool,
  },
  {
    kind: 'tool',
    name: 'execute_python_code',
    summary: 'runs Python in a sandboxed worker process and returns its output',
    load: async () => (await import('./execute-python-code.ts')).ExecutePythonCode,
  },
];
