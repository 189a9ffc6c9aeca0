// Flags of the command-line tools (`import`, `tree`, `why`): `--name value`, `--name=value`, short
// aliases, bare booleans and positional arguments, with a usage error naming what was wrong.

/** A mistake in how a command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagSpec = Record<string, 'string' | 'bool'>;

export interface ParsedArgs {
  flags: Map<string, string>;
  positionals: string[];
}

/** `aliases` maps a short form (`-o`) to its flag name (`output-dir`). */
export function parseArgs(
  command: string,
  argv: string[],
  spec: FlagSpec,
  aliases: Record<string, string> = {},
): ParsedArgs {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const [raw, inline] = a.split(/=(.*)/s, 2) as [string, string | undefined];
    const name = aliases[raw] ?? raw.replace(/^--?/, '');
    const kind = spec[name];
    if (!kind) throw new UsageError(`${command}: unexpected argument '${raw}'`);
    if (kind === 'bool') flags.set(name, inline ?? 'true');
    else if (inline !== undefined) flags.set(name, inline);
    else if (i + 1 < argv.length) flags.set(name, argv[++i]!);
    else throw new UsageError(`${command}: ${raw} needs a value`);
  }
  return { flags, positionals };
}

/** A flag's value, one of `allowed`, or `fallback` when it is not given; `what` names it (`import --mode`). */
export function oneOf<T extends string>(
  what: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`${what} must be ${allowed.join(' or ')}, not '${value}'`);
  return found;
}
