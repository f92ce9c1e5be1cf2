#!/usr/bin/env node
/*
 * mddb's command line. This is the only layer that touches process, files and
 * stdout. Opening a dump goes interactive only when stdin and stdout are both
 * terminals; everything else is batch mode, which never loads ink.
 *
 * The simulator and the scenario loader (yaml) are imported only by the
 * commands that use them: opening a dump must not pay ~45 ms for them.
 */
import { Command, CommanderError, Option } from 'commander';
import { openDump } from './open.js';

export const VERSION = '0.1.0';

/** A bad --seed, reported like a ScenarioError without loading the scenario code to parse an option. */
class SeedError extends Error {}

/** A repeatable option: no default value, so --help shows none ("(default: [])"). */
function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

/**
 * commander's own errors ("error: unknown option '--x'", "error: option
 * '--syntax <grammar>' argument 'foo' is invalid. Allowed choices are mdb,
 * ddb.", a "(Did you mean ...?)" on a second line) in mddb's one-line form,
 * "mddb: ...", as every other failure of the command line is reported.
 */
function commanderErrorLine(msg: string): string {
  const one = msg.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').replace('(Did you mean', '(did you mean').trim();
  return `mddb: ${one}\n`;
}

/** The subcommands a user types (hidden ones excluded), for `mddb help` and "did you mean". */
const SUBCOMMANDS = ['simulate', 'scenarios', 'help'];

/** Levenshtein distance, for "did you mean" on a mistyped subcommand. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** A first argument that is no file but looks like a subcommand: the subcommand meant. */
async function meantSubcommand(word: string): Promise<string | undefined> {
  if (word.includes('/') || word.includes('.')) return undefined;
  const fs = await import('node:fs');
  if (fs.existsSync(word)) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of SUBCOMMANDS) {
    const dd = distance(word.toLowerCase(), c);
    if (dd < bestD) [best, bestD] = [c, dd];
  }
  return bestD <= (word.length >= 4 ? 2 : 1) || (best !== undefined && best.startsWith(word) && word.length >= 3) ? best : undefined;
}

export async function main(argv: string[]): Promise<number> {
  // `mddb help simulate | head -1`: a reader that has gone ends the output quietly, whatever is
  // printing (commander's help, the scenario list, simulate's report), with the status so far
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  // `mddb help [command]`: commander's help, as `mddb [command] --help` gives it
  if (argv[0] === 'help' && argv.length <= 2) argv = argv.length === 2 ? [argv[1]!, '--help'] : ['--help'];
  // `mddb simulat x`: a mistyped subcommand, not a dump path
  if (argv[0] !== undefined && !argv[0].startsWith('-') && !SUBCOMMANDS.includes(argv[0]) && argv[0] !== 'dumps-regenerate') {
    const meant = await meantSubcommand(argv[0]);
    if (meant !== undefined) {
      process.stderr.write(`mddb: ${argv[0]}: no such file, and not a command (did you mean 'mddb ${meant}'?)\n`);
      return 2;
    }
  }
  const program = new Command();
  let status = 0;
  program
    .name('mddb')
    // set before the subcommands are added, which inherit it
    .configureOutput({ outputError: (msg, write) => write(commanderErrorLine(msg)) })
    // the top-level options (--json) are the debugger's; `simulate --json` is simulate's own
    .enablePositionalOptions()
    .addHelpText('after', '\nRun `mddb help COMMAND` (or `mddb COMMAND --help`) for a command\'s options.')
    .description('a postmortem kernel debugger in the style of illumos mdb, with an allocator simulator that writes its crash dumps')
    .version(VERSION)
    .argument('[dump]', 'crash dump to open (interactive on a terminal, batch otherwise)')
    .option('-e, --eval <commands>', 'run these dcmds (repeatable; in order) and exit', collect)
    .option('-f, --file <script>', 'run the dcmds in this file and exit', collect)
    .option('--json', 'print the results as one JSON document (batch mode; schema: src/mdb/render/json-schema.json)')
    .option('--jsonl', 'print one JSON record per command, per line, as each command ends (batch mode)')
    .addOption(new Option('--syntax <grammar>', "command grammar: mdb (illumos mdb's) or ddb (FreeBSD ddb's); default from the dump's OS").choices(['mdb', 'ddb']))
    .option('--no-color', 'no colour in the interactive debugger (NO_COLOR is honoured too)')
    .exitOverride()
    .action(async (dump: string | undefined, opts: { eval?: string[]; file?: string[]; json?: boolean; jsonl?: boolean; color: boolean; syntax?: 'mdb' | 'ddb' }) => {
      if (!dump) {
        program.outputHelp();
        status = 2;
        return;
      }
      status = await openDump({
        dumpPath: dump,
        commands: opts.eval ?? [],
        files: opts.file ?? [],
        json: !!opts.json,
        ...(opts.jsonl ? { jsonl: true } : {}),
        color: opts.color,
        ...(opts.syntax ? { syntax: opts.syntax } : {}),
      });
    });

  program
    .command('simulate')
    .description('run a scenario in the simulated kernel and write a crash dump')
    .argument('<scenario>', 'a built-in scenario name (see `mddb scenarios`) or a YAML file')
    .option('-o, --output <file>', 'write the dump here (a live dump if the run does not panic)')
    .addOption(new Option('--seed <n>', 'PRNG seed (default: the scenario\'s)').argParser((v) => {
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new SeedError(`--seed ${v}: expected an integer from 0 to 4294967295`);
      return Number(v);
    }))
    .option('--set <key=value>', 'override a scenario value, e.g. kernel.debug=false (repeatable)', collect)
    .option('--fix <name>', 'switch on a fix the scenario knows, e.g. 679ac15 (repeatable)', collect)
    .option('--force', 'replace an existing dump file')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--json', 'print the report as JSON (outcome, exit code, console line, counters, dump)')
    .addHelpText(
      'after',
      '\nExit status: 0 the run completed, 3 the kernel panicked, 4 it hung (no progress),\n2 bad usage (scenario, option or output file), 70 internal error.',
    )
    .exitOverride()
    .action(async (scenario: string, o: { output?: string; seed?: number; set?: string[]; fix?: string[]; force?: boolean; quiet?: boolean; json?: boolean }) => {
      const { runSimulate, parseSet } = await import('./simulate.js');
      status = runSimulate(
        {
          scenario,
          ...(o.output ? { output: o.output } : {}),
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
          sets: (o.set ?? []).map(parseSet),
          fixes: o.fix ?? [],
          force: !!o.force,
          quiet: !!o.quiet,
          json: !!o.json,
        },
        process.stdout,
        process.stderr,
      );
    });

  program
    .command('scenarios')
    .description('list the built-in scenarios: title, OS, parameters and fixes')
    .option('-v, --verbose', 'describe every parameter')
    .exitOverride()
    .action(async (o: { verbose?: boolean }) => {
      const { listScenarios } = await import('./scenarios.js');
      process.stdout.write(listScenarios(!!o.verbose));
    });

  program
    .command('score-leaks')
    .description("score ::findleaks against the leak truth the simulator wrote in an illumos dump: precision, recall, and why each miss")
    .argument('<dump>', 'an illumos dump written by mddb simulate')
    .option('--json', 'the figures and every false positive and missed leak as JSON')
    .exitOverride()
    .action(async (dump: string, o: { json?: boolean }) => {
      const { runScoreLeaks } = await import('./score-leaks.js');
      status = runScoreLeaks(dump, !!o.json, process.stdout, process.stderr);
    });

  program
    .command('dumps-regenerate', { hidden: true })
    .description('regenerate dumps/ from the built-in scenarios (npm run dumps)')
    .argument('[dir]', 'output directory', 'dumps')
    .exitOverride()
    .action(async (dir: string) => {
      const { regenerateDumps } = await import('./dumps.js');
      status = regenerateDumps(dir, process.stdout);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    const { ScenarioError } = await import('../sim/scenario/load.js');
    if (e instanceof ScenarioError || e instanceof SeedError) {
      process.stderr.write(`mddb: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return status;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`mddb: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  },
);
