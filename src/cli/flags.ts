/**
 * The flags of every `sightline` command, declared once. A command is a `CommandSpec`: its
 * positionals and a table of flags (name, type, repeatable, environment variable, default,
 * required, help). From that one table come the node:util parseArgs options, the
 * environment-variable fallbacks, the check for missing flags and the `--help` text, so a
 * flag cannot be parsed under one name, read from the environment under another and
 * documented under a third.
 *
 * Every mistake on the command line is a `UsageError`: one line on stderr and exit status 2.
 */
import { parseArgs } from 'node:util';
import { LogError } from '../errors.js';

/**
 * A mistake in how a command was called (an unknown or missing flag, a value of the wrong
 * shape): the CLI prints its message on one line and exits 2. It is a MALFORMED_REQUEST
 * LogError naming the flag (`field`), so code that validates configuration can say which
 * flag is at fault the same way the HTTP API names a field.
 */
export class UsageError extends LogError {
  constructor(message: string, options: { field?: string; hint?: string } = {}) {
    super('MALFORMED_REQUEST', message, options);
    this.name = 'UsageError';
  }
}

export interface Flag {
  /** The long name, without `--`. */
  readonly name: string;
  /** Default 'string'. */
  readonly type?: 'string' | 'boolean';
  /** What the value is called in the help (`DIR`, `N`); default `VALUE`. */
  readonly value?: string;
  readonly short?: string;
  /** May be given more than once. */
  readonly multiple?: boolean;
  /** The environment variable read when the flag is not given. */
  readonly env?: string;
  /** With `multiple`: the separator of several values in the environment variable. */
  readonly envSeparator?: string;
  /** The value when neither the flag nor its environment variable is given (also shown in the help). */
  readonly default?: string;
  /** A default that depends on other flags, shown in the help only. */
  readonly defaultHelp?: string;
  /** The command cannot run without it (from the flag or its environment variable). */
  readonly required?: boolean;
  readonly help: string;
}

export interface Positional {
  /** As written in the usage line: `ID`, `URL`, `RECEIPT`. */
  readonly name: string;
  readonly help?: string;
  readonly optional?: boolean;
}

export interface CommandSpec {
  /** The words after `sightline`: `serve`, `partner add`. */
  readonly name: string;
  /** One line, for `sightline --help`. */
  readonly summary: string;
  /** What the command does, for its own `--help`. */
  readonly about?: string;
  readonly positionals?: readonly Positional[];
  readonly flags: readonly Flag[];
  /** Said after the flags in its `--help` (exit statuses, environment-only settings). */
  readonly footer?: string;
  /** Other usage lines, after the generated one (for a command with two forms). */
  readonly moreUsage?: readonly string[];
}

/** A command line, parsed against its table, with every environment fallback and default applied. */
export interface ParsedFlags {
  readonly positionals: readonly string[];
  /** The flag's value, its environment variable's, or its default. */
  string(name: string): string | undefined;
  /** A repeatable flag's values (or its environment variable's, split). */
  strings(name: string): string[];
  boolean(name: string): boolean;
  /** Whether the flag itself was on the command line (not the environment or a default). */
  given(name: string): boolean;
}

const HELP_FLAG: Flag = { name: 'help', type: 'boolean', short: 'h', help: 'show this help' };

function flagOf(spec: CommandSpec, name: string): Flag {
  const flag = spec.flags.find((f) => f.name === name);
  if (flag === undefined) throw new Error(`${spec.name} has no flag --${name}`); // a programming error, caught by the tests
  return flag;
}

function isParseArgsError(e: unknown): e is Error {
  return e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
}

/** `1`, `true`: on; unset, empty, `0`, `false`: off; anything else is refused. */
function boolEnv(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new UsageError(`${name} must be 1, true, 0 or false, got ${JSON.stringify(value)}`, { field: name });
}

/**
 * `args` parsed strictly against `spec`, or 'help' for -h/--help. A flag on the command line
 * wins over its environment variable, which wins over its default; an empty environment
 * variable counts as unset. Throws UsageError for an unknown flag, a missing value, a
 * missing required flag or positional, or too many positionals.
 */
export function parseCommand(spec: CommandSpec, args: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedFlags | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const f of [...spec.flags, HELP_FLAG]) {
    options[f.name] = { type: f.type ?? 'string', ...(f.multiple ? { multiple: true } : {}), ...(f.short === undefined ? {} : { short: f.short }) };
  }
  const see = `see sightline ${spec.name} --help`;
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: (spec.positionals ?? []).length > 0 });
  } catch (e) {
    if (!isParseArgsError(e)) throw e;
    throw new UsageError(`${spec.name}: ${e.message.split('\n')[0]}; ${see}`);
  }
  const values = parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>;
  if (values.help === true) return 'help';

  const positionals = parsed.positionals;
  const wanted = spec.positionals ?? [];
  if (positionals.length > wanted.length) throw new UsageError(`${spec.name}: unexpected argument ${JSON.stringify(positionals[wanted.length])}; ${see}`);
  const missingPositional = wanted.slice(positionals.length).find((p) => p.optional !== true);
  if (missingPositional !== undefined) throw new UsageError(`${spec.name} needs ${missingPositional.name}; ${see}`, { field: missingPositional.name });

  const fromEnv = (f: Flag): string | undefined => (f.env === undefined ? undefined : env[f.env] || undefined);
  const given = (name: string): boolean => values[flagOf(spec, name).name] !== undefined;
  const result: ParsedFlags = {
    positionals,
    given,
    string(name) {
      const f = flagOf(spec, name);
      if ((f.type ?? 'string') !== 'string' || f.multiple) throw new Error(`--${name} is not a single-valued string flag`);
      return (values[name] as string | undefined) ?? fromEnv(f) ?? f.default;
    },
    strings(name) {
      const f = flagOf(spec, name);
      if (!f.multiple) throw new Error(`--${name} is not a repeatable flag`);
      const v = values[name] as string[] | undefined;
      if (v !== undefined) return v;
      const e = fromEnv(f);
      if (e === undefined) return f.default === undefined ? [] : [f.default];
      return f.envSeparator === undefined ? [e] : e.split(f.envSeparator).map((s) => s.trim()).filter((s) => s !== '');
    },
    boolean(name) {
      const f = flagOf(spec, name);
      if (f.type !== 'boolean') throw new Error(`--${name} is not a boolean flag`);
      const v = values[name] as boolean | undefined;
      return v ?? (f.env === undefined ? false : boolEnv(f.env, env[f.env]));
    },
  };
  for (const f of spec.flags) {
    if (!f.required) continue;
    const present = f.multiple ? result.strings(f.name).length > 0 : f.type === 'boolean' ? true : result.string(f.name) !== undefined;
    if (!present) throw new UsageError(`${spec.name} needs --${f.name}${f.env === undefined ? '' : ` (or ${f.env})`}; ${see}`, { field: f.name });
  }
  // Environment booleans are checked even when unused, so a typing error is said at once.
  for (const f of spec.flags) if (f.type === 'boolean' && f.env !== undefined && !given(f.name)) boolEnv(f.env, env[f.env]);
  return result;
}

function flagWord(f: Flag): string {
  return f.type === 'boolean' ? `--${f.name}` : `--${f.name} ${f.value ?? 'VALUE'}`;
}

/** `sightline NAME POSITIONALS --required V … [--optional V] …`, or `[flags]` when there are many. */
export function synopsis(spec: CommandSpec): string {
  const words = [`sightline ${spec.name}`];
  for (const p of spec.positionals ?? []) words.push(p.optional ? `[${p.name}]` : p.name);
  const optional = spec.flags.filter((f) => !f.required);
  for (const f of spec.flags.filter((x) => x.required)) words.push(flagWord(f) + (f.multiple ? ` [${flagWord(f)} …]` : ''));
  if (optional.length > 3) words.push('[flags]');
  else for (const f of optional) words.push(`[${flagWord(f)}${f.multiple ? ' …' : ''}]`);
  return words.join(' ');
}

const WIDTH = 100;

/** `text` broken into lines of at most `width` columns, each after `indent`. */
function wrap(text: string, indent: number, first: number): string[] {
  const lines: string[] = [];
  let line = '';
  let room = WIDTH - first;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/** One flag's help: its text, its environment variable in brackets and its default. */
function flagHelpText(f: Flag): string {
  let text = f.help;
  if (f.env !== undefined) {
    const form = f.type === 'boolean' ? `${f.env}=1` : f.multiple && f.envSeparator !== undefined ? `${f.env}, values separated by "${f.envSeparator}"` : f.env;
    text += ` [${form}]`;
  }
  if (f.required) text += ' (required)';
  else if (f.default !== undefined) text += ` (default: ${f.default})`;
  else if (f.defaultHelp !== undefined) text += ` (default: ${f.defaultHelp})`;
  if (f.multiple) text += '; repeatable';
  return text;
}

/** The `--help` text of a command, from its table. */
export function commandHelp(spec: CommandSpec): string {
  let out = `Usage: ${synopsis(spec)}\n`;
  for (const more of spec.moreUsage ?? []) out += `       ${more}\n`;
  out += `\n${spec.about ?? spec.summary}\n`;
  const rows: [string, string][] = [];
  for (const p of spec.positionals ?? []) if (p.help !== undefined) rows.push([p.name, p.help]);
  for (const f of [...spec.flags, HELP_FLAG]) rows.push([(f.short === undefined ? '' : `-${f.short}, `) + flagWord(f), flagHelpText(f)]);
  const left = Math.min(24, Math.max(...rows.map(([l]) => l.length)) + 2);
  const env = spec.flags.some((f) => f.env !== undefined);
  out += `\n${env ? 'Flags (environment variables in brackets):' : 'Flags:'}\n`;
  for (const [name, text] of rows) {
    const head = `  ${name}`;
    const pad = head.length + 2 > left + 2 ? '\n' + ' '.repeat(left + 2) : ' '.repeat(left + 2 - head.length);
    const firstColumn = head.length + 2 > left + 2 ? left + 2 : left + 2;
    out += head + pad + wrap(text, left + 2, firstColumn).join('\n' + ' '.repeat(left + 2)) + '\n';
  }
  if (spec.footer !== undefined) out += `\n${spec.footer.trimEnd()}\n`;
  return out;
}
