/**
 * The contents of every `<tag>…</tag>` in order (not nested), in one pass. The lazy regex
 * `<tag>([\s\S]*?)</tag>` scans to the end from every unclosed `<tag>`: quadratic on text a model wrote.
 */
export function tagContents(options: { text: string; tag: string; ignoreCase?: boolean }): string[] {
  const { text } = options;
  const escaped = options.tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const flags = options.ignoreCase ? 'gi' : 'g';
  const opener = new RegExp(`<${escaped}>`, flags);
  const closer = new RegExp(`</${escaped}>`, flags);
  const contents: string[] = [];
  for (let open = opener.exec(text); open !== null; open = opener.exec(text)) {
    closer.lastIndex = opener.lastIndex;
    const close = closer.exec(text);
    if (close === null) break;
    contents.push(text.slice(opener.lastIndex, close.index));
    opener.lastIndex = closer.lastIndex;
  }
  return contents;
}
