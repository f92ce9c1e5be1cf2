/*
 * Option parsing in the manner of mdb_getopts(): options come first, `-vt`
 * combines flags, `-n name` and `-nname` both give a value, and parsing stops
 * at the first argument that is not an option (or after `--`). What is left
 * is the dcmd's positional arguments.
 */
import type { DcmdArg, OptionSpecs } from './dcmd.js';
import { UsageError } from './errors.js';
import { parseNumber } from './parse/lexer.js';

export interface ParsedArgs {
  opts: Record<string, unknown>;
  rest: DcmdArg[];
}

/** A number argument in mdb's syntax (0x/0t/0o/0i prefixes, default radix 16). */
export function parseUint(v: DcmdArg, radix = 16): bigint | undefined {
  if (typeof v === 'bigint') return v;
  return parseNumber(v.trim(), radix);
}

/** Each dcmd's option letters and kinds, listed once (a script calls one dcmd thousands of times). */
const specLists = new WeakMap<OptionSpecs, Array<[string, string]>>();

export function getopts(args: readonly DcmdArg[], specs: OptionSpecs, radix = 16): ParsedArgs {
  let list = specLists.get(specs);
  if (!list) specLists.set(specs, (list = Object.entries(specs).map(([k, s]) => [k, s.kind])));
  const opts: Record<string, unknown> = {};
  for (const [k, kind] of list) opts[k] = kind === 'flag' ? false : kind === 'strings' ? [] : undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (typeof a !== 'string' || !a.startsWith('-') || a === '-') break;
    if (a === '--') {
      i++;
      break;
    }
    for (let j = 1; j < a.length; j++) {
      const letter = a[j]!;
      const spec = Object.prototype.hasOwnProperty.call(specs, letter) ? specs[letter] : undefined;
      if (!spec) throw new UsageError(`illegal option -- ${letter}`);
      if (spec.kind === 'flag') {
        opts[letter] = true;
        continue;
      }
      // The value is the rest of this word, or the next argument.
      let value: DcmdArg | undefined = a.slice(j + 1);
      if (value === '') {
        value = args[++i];
        if (value === undefined) throw new UsageError(`option requires an argument -- ${letter}`);
      }
      if (spec.kind === 'uint') {
        const n = parseUint(value, radix);
        if (n === undefined) throw new UsageError(`invalid number for -${letter}: ${String(value)}`);
        opts[letter] = n;
      } else {
        const sv = typeof value === 'bigint' ? value.toString(16) : value;
        if (spec.kind === 'strings') (opts[letter] as string[]).push(sv);
        else opts[letter] = sv;
      }
      break;
    }
  }
  return { opts, rest: args.slice(i) };
}
