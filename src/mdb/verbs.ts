/*
 * adb-style `$x` verbs, mapped to registered dcmds. In mdb these are dcmds
 * named "$c", "$C"...; here they are aliases resolved by the engine, so the
 * module that implements ::stack also answers $c without knowing about it.
 *
 *   $c  ::stack          stack backtrace of the panic thread (or of dot)
 *   $C  ::stackregs      the same, each frame led by its frame pointer
 *   $q  ::quit           leave the debugger ($Q too)
 *   $v  ::vars -n        variables with non-zero values
 *   $d  ::radix          show or set the default radix
 *   $m  ::mappings       (not provided by this target)
 *   $r  ::regs           registers of the panic thread
 *   $<  (engine)         run a file of commands
 */

export interface VerbAlias {
  /** the registry name it runs */
  name: string;
  /** arguments put before the user's */
  args?: string[];
}

export const DOLLAR_VERBS: Readonly<Record<string, VerbAlias>> = {
  $c: { name: 'stack' },
  $C: { name: 'stackregs' },
  $q: { name: 'quit' },
  $Q: { name: 'quit' },
  $v: { name: 'vars', args: ['-n'] },
  $d: { name: 'radix' },
  $m: { name: 'mappings' },
  $r: { name: 'regs' },
  '$>': { name: 'log', args: ['-e'] },
};

/** The dcmd a verb name runs: `$c` → stack; `::name` is its own name. */
export function resolveVerb(name: string): VerbAlias | undefined {
  if (name.startsWith('$') || name.startsWith(':')) return DOLLAR_VERBS[name];
  return { name };
}

/** How a verb is shown in "invalid command" errors: `::foo`, `$x`. */
export function verbLabel(name: string): string {
  return name.startsWith('$') || name.startsWith(':') ? name : `::${name}`;
}
