/** How a `"module->Export"` string names its module. */
export type PluginReference =
  | { form: 'file'; path: string; exportName: string }
  | { form: 'dotted'; dotted: string; exportName: string }
  | { form: 'package'; specifier: string; exportName: string }
  | { form: 'builtin'; name: string };

/** Splits a reference string into its form. Throws nothing: unknown shapes become packages or built-ins. */
export function parsePluginReference(reference: string): PluginReference {
  const arrow = reference.lastIndexOf('->');
  if (arrow < 0) return { form: 'builtin', name: reference.trim() };
  const modulePart = reference.slice(0, arrow).trim();
  const exportName = reference.slice(arrow + 2).trim();
  if (modulePart.startsWith('./') || modulePart.startsWith('../') || modulePart.startsWith('/')) {
    return { form: 'file', path: modulePart, exportName };
  }
  if (!modulePart.startsWith('@') && !modulePart.includes('/') && modulePart.includes('.')) {
    return { form: 'dotted', dotted: modulePart, exportName };
  }
  return { form: 'package', specifier: modulePart, exportName };
}
