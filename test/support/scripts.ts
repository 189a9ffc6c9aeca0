// Reading shell scripts in tests: their command lines, without comments and here-document bodies
// (YAML, text, the stand-in images' Dockerfiles), so checks look only at what runs.
export function commandLines(text: string): string[] {
  const out: string[] = [];
  let heredoc: string | undefined;
  for (const line of text.split('\n')) {
    if (heredoc !== undefined) {
      if (line.trim() === heredoc) heredoc = undefined;
      continue;
    }
    if (/^\s*#/.test(line)) continue;
    out.push(line);
    heredoc = /<<-?\s*['"]?(\w+)['"]?/.exec(line)?.[1];
  }
  return out;
}
