/*
 * A debugging session: one open dump, line in, results out (api.ts). Batch
 * mode and the REPL both drive this, so they print the same thing. execute()
 * never throws: every failure, including engine bugs, becomes one `mdb:` line
 * per failed command, and the next `;` command still runs.
 *
 * This file knows no kernel module: a session gets its modules from the
 * caller. The command line loads only the dump's OS's modules
 * (modules/load.ts), which keeps a batch run on a FreeBSD dump from
 * compiling illumos's; session.ts adds the all-modules default that the
 * library, the tools and the tests use.
 */
import type { DumpModel } from '../dump/format.js';
import type { DebugSession, ExecOptions, ExecResult, SessionInfo } from './api.js';
import type { Module } from './dcmd.js';
import { Engine, type EngineHooks, type RunOptions, type SessionState } from './engine.js';
import { InterruptError, MdbError, errorLine } from './errors.js';
import { parseLine } from './parse/parser.js';
import { ddbRepeatLine, ddbTable, lastDdbCommand, parseDdbLine, searchWord, type DdbState } from './parse/ddb.js';
import { ddbModule } from './modules/ddb/index.js';
import { Registry } from './registry.js';
import { U64_MASK } from './render/number.js';
import { Output } from './sink.js';
import { visibleLine, withoutSgr } from './render/visible.js';
import { Target } from './target.js';

/** The command grammar a session reads: illumos mdb's, or FreeBSD ddb's. */
export type Syntax = 'mdb' | 'ddb';

export interface SessionOptions extends Omit<EngineHooks, 'log'> {
  /** the grammar; default from the dump's OS (freebsd: ddb, illumos: mdb) */
  syntax?: Syntax;
  /** ::log / $>: open a transcript file for appending (the front end's I/O); throws if it cannot */
  openLog?(path: string): LogWriter;
}

/** A transcript file ::log writes to. */
export interface LogWriter {
  write(text: string): void;
  close(): void;
}

/** The grammar a dump is debugged in by default: its kernel's debugger's. */
export function defaultSyntax(os: string): Syntax {
  return os === 'freebsd' ? 'ddb' : 'mdb';
}

/** One command's record in --json output. */
export interface CommandJson {
  command: string;
  ok: boolean;
  results: unknown[];
  errors: string[];
}

export class MdbSession implements DebugSession {
  readonly info: SessionInfo;
  readonly target: Target;
  readonly registry: Registry;
  readonly state: SessionState;
  readonly syntax: Syntax;
  private readonly engine: Engine;
  /** ddb: the last command typed, which an empty line repeats at 'next' */
  private lastCommand: string | undefined;
  /** ddb: what its commands keep between lines (x's format) */
  private readonly ddbState: DdbState = { examineFormat: 'x' };
  /** ::log's transcript, when one is kept */
  private transcript: { file: string; echo: boolean; w: LogWriter } | null = null;

  constructor(model: DumpModel, path: string, modules: readonly Module[], options: SessionOptions = {}) {
    this.target = new Target(model);
    this.syntax = options.syntax ?? defaultSyntax(model.header.os);
    const mods = this.syntax === 'ddb' && !modules.some((m) => m.name === ddbModule.name) ? [...modules, ddbModule] : modules;
    this.registry = Registry.from(mods, this.target);
    this.state = { dot: 0n, incr: 0n, lastDot: 0n, radix: 16, vars: new Map(), cache: new Map() };
    // ::status names the dump it is debugging
    this.state.cache.set('mdb.dumpPath', path);
    const openLog = options.openLog;
    this.engine = new Engine(this.target, this.registry, this.state, {
      ...options,
      syntax: this.syntax,
      ...(openLog ? { log: (f: string | null | undefined, echo: boolean) => this.setLog(openLog, f, echo) } : {}),
    });
    const h = model.header;
    this.info = { path, hostname: h.hostname, os: h.os, kernelVersion: h.kernelVersion, panic: h.panic ? h.panic.message : null, ...(h.entry ? { entry: h.entry.reason } : {}) };
  }

  /** ::log: start, stop or report the transcript; returns the file logged to afterwards. */
  private setLog(open: (p: string) => LogWriter, file: string | null | undefined, echo: boolean): string | null {
    if (file === undefined) return this.transcript?.file ?? null;
    this.transcript?.w.close();
    this.transcript = null;
    if (file === null) return null;
    let w: LogWriter;
    try {
      w = open(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new MdbError(`failed to open ${file}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : e instanceof Error ? e.message : String(e)}`);
    }
    this.transcript = { file, echo, w };
    return file;
  }

  async execute(line: string, opts: ExecOptions = {}): Promise<ExecResult> {
    // a transcript gets this line's output (the ::log line that starts one is not in it)
    const log = this.transcript;
    if (!log) return this.run(line, opts);
    if (log.echo) log.w.write(this.prompt() + line + '\n');
    const caller = opts.onOutput;
    let kept = '';
    const r = await this.run(line, {
      ...opts,
      onOutput: (t: string) => {
        if (this.transcript === log) log.w.write(opts.color ? withoutSgr(t) : t);
        if (caller) caller(t);
        else kept += t;
      },
    });
    if (!caller) r.output = kept;
    if (this.transcript === log) for (const e of r.errors) log.w.write(e + '\n');
    return r;
  }

  private async run(line: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const out = new Output(opts.onOutput, this.syntax === 'ddb');
    if (opts.color) out.color = true;
    const json: CommandJson[] = [];
    let ok = true;
    if (this.syntax === 'ddb') {
      // ddb: an empty line repeats the last command, at 'next'
      if (line.trim() === '') {
        const next = (this.state.dot + this.state.incr) & U64_MASK;
        const again = this.lastCommand === undefined ? undefined : ddbRepeatLine(this.lastCommand, this.registry, next);
        if (again === undefined) return { output: '', errors: [], json: [], ok: true, quit: false };
        line = again;
      }
      // db_command() sets db_last_command only for a command it found: a line that named none leaves the last one
      const last = lastDdbCommand(line);
      if (last !== undefined && ddbRepeatLine(last, this.registry, 0n) !== undefined) this.lastCommand = last;
    }
    // the engine's options, made once a line (not once a command)
    const runOpts: RunOptions = {};
    if (opts.signal) runOpts.signal = opts.signal;
    if (opts.hold) runOpts.hold = opts.hold;
    try {
      const parsed = this.syntax === 'ddb' ? parseDdbLine(line, this.registry, this.state.radix, this.ddbState) : parseLine(line, this.state.radix);
      for (const c of parsed) {
        if (out.quit) break;
        const before = out.errors.length;
        const rec: CommandJson = { command: c.ok ? c.pipeline.text : c.text, ok: true, results: [], errors: [] };
        out.json = opts.json ? rec.results : undefined;
        if (!c.ok) out.errors.push(c.error.line());
        else {
          try {
            await this.engine.runWithShell(c.pipeline, out, runOpts);
          } catch (e) {
            out.errors.push(this.errorLine(e));
            if (e instanceof InterruptError) {
              rec.errors = out.errors.slice(before);
              rec.ok = false;
              json.push(rec);
              ok = false;
              break;
            }
          }
        }
        rec.errors = out.errors.slice(before);
        rec.ok = rec.errors.length === 0;
        if (!rec.ok) ok = false;
        json.push(rec);
      }
    } catch (e) {
      out.errors.push(this.errorLine(e));
      ok = false;
    }
    // ddb reports failures in its own words, without mdb's `mdb:` prefix
    // and an error line quoting a dump string shows its control characters
    const ddb = this.syntax === 'ddb';
    for (const rec of json) if (rec.errors.length > 0) rec.errors = errorLines(rec.errors);
    if (ddb) for (const rec of json) rec.errors = rec.errors.map((e) => e.replace(/^mdb: /, ''));
    const errors = out.errors.length === 0 ? [] : errorLines(out.errors).map((e) => visibleLine(ddb ? e.replace(/^mdb: /, '') : e));
    const r: ExecResult = { output: out.text(), errors, json: opts.json ? json : [], ok, quit: out.quit };
    if (out.usage) r.usage = true;
    return r;
  }

  /** An error's line in this session's grammar: ddb words an unknown symbol (db_expr.c) and a bad read (db_access.c) its own way. */
  private errorLine(e: unknown): string {
    const ddb = this.syntax === 'ddb' && e instanceof MdbError ? e.ddbLine() : undefined;
    return ddb ?? errorLine(e);
  }

  /**
   * Completions for the word at the end of `line`: dcmd names after `::` (and
   * on an empty line), walker names after `::walk`, dcmd names after
   * `::help`, type names after `::print`/`::sizeof`/`::offsetof`, a struct's
   * members after its type (`::print kmem_cache_t cache_n`), cache names
   * after `-n` (`::kmem_cache -n blk`), a dcmd's options after `-`, and
   * symbols where an address is typed (`*pan`, `kmem_f`).
   */
  complete(line: string): string[] {
    if (this.syntax === 'ddb') return this.completeDdb(line);
    const m = /(?:^|[\s|;!*(])(\S*)$/.exec(line);
    let word = m ? m[1]! : '';
    if (word.startsWith('*')) word = word.slice(1);
    const before = line.slice(0, line.length - word.length);
    const stage = (before.split(/[|;]/).pop() ?? '').replace(/^\s+/, '');
    const cmd = /::(\w+)((?:\s+\S+)*)\s+$/.exec(stage);
    const sorted = (xs: Iterable<string>) => [...new Set(xs)].filter((n) => n.startsWith(word)).sort();
    const dcmds = () => this.registry.dcmdNames().map(([n]) => n);
    if (word.startsWith('::') || (word === '' && stage.trim() === '')) return sorted(dcmds().map((n) => `::${n}`)).map((n) => n);
    if (cmd) {
      const name = cmd[1]!;
      const args = cmd[2]!.trim().split(/\s+/).filter(Boolean);
      const prev = args[args.length - 1];
      const d = this.registry.dcmd(name);
      if (word.startsWith('-') && d) return sorted(Object.keys(d.options).map((o) => `-${o}`));
      if (name === 'walk' || name === 'walkers') return args.length === 0 ? sorted(this.registry.walkers().map((w) => w.name)) : [];
      if (name === 'help') return sorted(dcmds());
      if (prev === '-n' && /cache/.test(name)) return sorted(this.cacheNames());
      if (name === 'print' || name === 'sizeof' || name === 'offsetof') {
        const typed = args.filter((a) => !a.startsWith('-'));
        if (typed.length === 0) return sorted(this.typeNames());
        const def = this.target.types.get(typed[0]!);
        if (def && name !== 'sizeof') {
          // a member path: complete its last component against the struct it reaches
          const path = word.split(/\.|->/);
          const last = path.pop()!;
          const head = word.slice(0, word.length - last.length);
          let cur = def;
          for (const p of path) {
            const mem = this.target.types.member(cur, p.replace(/\[.*$/, ''));
            const next = mem && this.target.types.get(mem.type.replace(/\s*\*$/, '').replace(/\s*\[.*$/, ''));
            if (!next) return [];
            cur = next;
          }
          return [...new Set(cur.members.map((mm) => head + mm.name))].filter((n) => n.startsWith(word)).sort();
        }
        return [];
      }
      return [];
    }
    // an address: symbols (after `*`, or a bare word at the start of a command)
    if (/^[A-Za-z_]\w*$/.test(word) && word.length >= 2) return sorted(this.symbolNames(word));
    return [];
  }

  private typeNames(): string[] {
    return this.target.types.defs.map((d) => d.name);
  }

  private cacheNames(): string[] {
    return this.registry
      .walkers()
      .filter((w) => w.description === `walk the ${w.name} cache`)
      .map((w) => w.name);
  }

  private symbolNames(prefix: string): string[] {
    const out: string[] = [];
    for (const s of this.target.symbols.byAddr) {
      if (s.name.startsWith(prefix)) out.push(s.name);
      if (out.length >= 500) break;
    }
    return out;
  }

  /** ddb: the command words that continue the line's last word. */
  private completeDdb(line: string): string[] {
    const words = line.replace(/^\s+/, '').split(/\s+/);
    const last = words.pop() ?? '';
    let node = ddbTable(this.registry);
    for (const w of words) {
      const r = searchWord(node, w);
      if ('error' in r) return [];
      node = r.node;
    }
    return [...node.children.keys()].filter((w) => w.startsWith(last)).sort();
  }

  prompt(): string {
    return this.syntax === 'ddb' ? 'db> ' : '> ';
  }
}

/** Error lines one a line: a usage error is several (the warning, then mdb_dcmd_usage()'s two). */
function errorLines(es: readonly string[]): string[] {
  return es.flatMap((e) => e.split('\n'));
}

/** Opens a session over a dump with these modules (modules/load.ts gives the dump's OS's). */
export function createSessionWith(model: DumpModel, path: string, modules: readonly Module[], options?: SessionOptions): MdbSession {
  return new MdbSession(model, path, modules, options ?? {});
}
