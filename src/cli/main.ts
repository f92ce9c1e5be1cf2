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

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  let status = 0;
  program
    .name('mddb')
    .description('a postmortem kernel debugger in the style of illumos mdb, with an allocator simulator that writes its crash dumps')
    .version(VERSION)
    .argument('[dump]', 'crash dump to open (interactive on a terminal, batch otherwise)')
    .option('-e, --eval <commands>', 'run these dcmds (repeatable; in order) and exit', collect, [])
    .option('-f, --file <script>', 'run the dcmds in this file and exit', collect, [])
    .option('--json', 'print machine-readable results (batch mode)')
    .addOption(new Option('--syntax <grammar>', "command grammar: mdb (illumos mdb's) or ddb (FreeBSD ddb's); default from the dump's OS").choices(['mdb', 'ddb']))
    .option('--no-color', 'no colour in the interactive debugger (NO_COLOR is honoured too)')
    .exitOverride()
    .action(async (dump: string | undefined, opts: { eval: string[]; file: string[]; json?: boolean; color: boolean; syntax?: 'mdb' | 'ddb' }) => {
      if (!dump) {
        program.outputHelp();
        status = 2;
        return;
      }
      status = await openDump({ dumpPath: dump, commands: opts.eval, files: opts.file, json: !!opts.json, color: opts.color, ...(opts.syntax ? { syntax: opts.syntax } : {}) });
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
    .option('--set <key=value>', 'override a scenario value, e.g. kernel.debug=false (repeatable)', collect, [])
    .option('--fix <name>', 'switch on a fix the scenario knows, e.g. 679ac15 (repeatable)', collect, [])
    .option('--force', 'replace an existing dump file')
    .option('-q, --quiet', 'print nothing but errors')
    .exitOverride()
    .action(async (scenario: string, o: { output?: string; seed?: number; set: string[]; fix: string[]; force?: boolean; quiet?: boolean }) => {
      const { runSimulate, parseSet } = await import('./simulate.js');
      status = runSimulate(
        {
          scenario,
          ...(o.output ? { output: o.output } : {}),
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
          sets: o.set.map(parseSet),
          fixes: o.fix,
          force: !!o.force,
          quiet: !!o.quiet,
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
