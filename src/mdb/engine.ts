/*
 * Runs parsed commands (parse/ast.ts) against a target and a registry. The
 * engine owns mdb's execution rules: dot and the increment, `,count` loops,
 * pipes (the next stage runs once per address, DCMD_PIPE), dcmds that walk
 * when given no address (mdb_walk_dcmd), Ctrl-C between elements, and the
 * translation of every failure into one `mdb:` line: runPipeline throws an
 * MdbError and session.ts turns it into that line.
 */
import type { AnyDcmd, DcmdArg, DcmdContext, Result, WalkContext } from './dcmd.js';
import { InterruptError, MdbError, UsageError } from './errors.js';
import { evaluate } from './eval.js';
import type { Expr, Invocation, Pipeline, Verb } from './parse/ast.js';
import { parseLine } from './parse/parser.js';
import { getopts } from './options.js';
import { ddbUsageLines, usageLines, type Registry } from './registry.js';
import { U64_MASK } from './render/number.js';
import { type Element, Output, StageSink } from './sink.js';
import { errorLine } from './errors.js';
import { parseExpression } from './parse/parser.js';
import type { Target } from './target.js';
import { resolveVerb, verbLabel } from './verbs.js';
import { runFormatVerb } from './verbs-format.js';

/** The session's mutable state: dot, the increment, variables. */
export interface SessionState {
  dot: bigint;
  incr: bigint;
  lastDot: bigint;
  radix: number;
  vars: Map<string, bigint>;
  /** per-session module state (WalkContext.cache) */
  cache: Map<string, unknown>;
}

export interface EngineHooks {
  /** file access for $< (the engine itself does no I/O) */
  readFile?(path: string): string;
  /** ::log: see DcmdContext.log (the session keeps the transcript) */
  log?(file: string | null | undefined, echo: boolean): string | null;
  /**
   * `cmd ! shell`: run a shell command with the output as its stdin; returns
   * what it printed (the REPL's hook runs it asynchronously and kills it when
   * `signal` fires, so Ctrl-C reaches it).
   */
  shell?(command: string, input: string, signal?: AbortSignal): string | Promise<string>;
  /** the grammar lines are typed in: a usage error in ddb's is ddb's one usage line (registry.ddbUsageLines) */
  syntax?: 'mdb' | 'ddb';
}

export interface RunOptions {
  signal?: AbortSignal;
  /** flow control between elements: see ExecOptions.hold */
  hold?: () => Promise<void> | undefined;
  /** keep the last stage's addresses instead of printing (a piped ::eval) */
  capture?: boolean;
  depth?: number;
}

/** One call of a verb: mdb's dcmd flags. */
export interface Call {
  dot: bigint;
  addrSpec: boolean;
  loop: boolean;
  first: boolean;
  piped: boolean;
  /** every address piped into this stage (mdb_get_pipe()), when piped */
  pipeInput?: readonly bigint[];
  inputType: string | undefined;
}

type Invoker = (call: Call) => Promise<void>;

/** Where a stage's results go and how it runs. */
interface StageEnv {
  sink: StageSink;
  out: Output;
  opts: RunOptions;
  /** hands the addresses the sink holds to the next stage (streaming pipes) */
  drain: () => Promise<void>;
}

/** An address flowing down a pipe. */
type PipeElement = Element;

/** A later stage of a pipeline: takes addresses one at a time; `end` when its input is complete. */
interface PipedStage {
  take(el: PipeElement, type: string | undefined): Promise<void>;
  end(): Promise<void>;
}

/** Above this many addresses a dcmd that takes its whole pipe (::whatis, ::stacks) refuses. */
const MAX_PIPE = 1 << 24;

/** Above this a `,count` is refused rather than printing for hours. */
export const MAX_COUNT = 1n << 20n;
const MAX_DEPTH = 16;

/**
 * The most output a loop writes without letting the event loop deliver an
 * abort (pause): work counted in what it prints, as no clock may be read.
 */
const YIELD_CHARS = 1 << 18;

export class Engine {
  /** How much output had been written when a loop last let the event loop run (pause). */
  private yieldedAt = 0;
  constructor(
    readonly target: Target,
    readonly registry: Registry,
    readonly state: SessionState,
    private readonly hooks: EngineHooks = {},
  ) {}

  eval(e: Expr): bigint {
    const s = this.state;
    return evaluate(e, { target: this.target, dot: s.dot, incr: s.incr, lastDot: s.lastDot, vars: s.vars });
  }

  /**
   * Runs a pipeline and, for `pipeline ! shellcmd`, hands its text output to
   * the shell hook and prints what the shell command printed instead.
   */
  async runWithShell(p: Pipeline, out: Output, opts: RunOptions): Promise<void> {
    if (p.shell === undefined) {
      await this.runPipeline(p, out, opts);
      return;
    }
    if (!this.hooks.shell) throw new MdbError('shell escapes (!) are not available here');
    // the shell reads text; --json results are data, so the two do not mix
    if (out.json) throw new MdbError(`'! ${p.shell.trim()}' cannot be used with --json: a shell command filters text (run without --json, or filter the JSON with jq)`);
    const sub = new Output();
    sub.json = out.json;
    try {
      await this.runPipeline(p, sub, opts);
    } finally {
      out.errors.push(...sub.errors);
      if (sub.quit) out.quit = true;
      if (sub.usage) out.usage = true;
    }
    const shown = await this.hooks.shell(p.shell, sub.text(), opts.signal);
    if (opts.signal?.aborted) throw new InterruptError();
    out.writeRaw(shown);
  }

  /**
   * Runs one pipeline; returns the last stage's addresses when capturing.
   * Throws MdbError on failure.
   *
   * Stages stream: each address a stage passes on runs the next stage at
   * once (depth first), so the first row of `::walk bufctl | ::bufctl`
   * prints before the walk has gone further, `| head -1` can stop it early,
   * and memory holds one result per stage, not the whole walk. A dcmd that
   * takes its whole input at once (mdb_get_pipe: ::whatis sorts it, ::stacks
   * groups it; Dcmd.pipeAll) collects its stage's input and runs when the
   * stages before it are done.
   */
  async runPipeline(p: Pipeline, out: Output, opts: RunOptions): Promise<bigint[]> {
    const n = p.stages.length;
    if (n === 1 && opts.capture !== true) {
      // one stage printing its results: nothing flows on, so no other sink,
      // consumer or capture is made (a script of 10,000 `ADDR::whatis` lines
      // runs this once a line); its sink never holds an address to drain
      const sink = new StageSink(out, this.target, false, this.state.vars);
      const stage = p.stages[0]!;
      const env: StageEnv = { sink, out, opts, drain: noDrain };
      try {
        if (stage.addr !== undefined && stage.count === undefined && stage.verb.kind === 'dcmd' && stage.verb.name !== '$<') {
          const pending = this.runOneCall(stage.addr, stage.verb, env);
          if (pending) await pending;
        } else await this.runFirst(stage, env);
      } finally {
        sink.finish();
      }
      return [];
    }
    const sinks: StageSink[] = [];
    for (let i = 0; i < n; i++) sinks.push(new StageSink(out, this.target, i < n - 1 || opts.capture === true, this.state.vars));
    const captured: bigint[] = [];
    const consumers: Array<PipedStage | undefined> = [];
    const consumer = (i: number): PipedStage => (consumers[i] ??= this.pipedStage(p.stages[i]!, envOf(i)));
    /** passes what stage i's sink holds on: to the next stage, or to the capture */
    const drainer = (i: number) => async (): Promise<void> => {
      const sink = sinks[i]!;
      if (sink.emitted.length === 0) return;
      const els = sink.emitted.splice(0);
      if (i === n - 1) {
        for (const e of els) captured.push(e.addr);
        return;
      }
      const next = consumer(i + 1);
      for (const e of els) await next.take(e, sink.emittedType);
    };
    const envOf = (i: number): StageEnv => ({ sink: sinks[i]!, out, opts, drain: drainer(i) });
    try {
      await this.runFirst(p.stages[0]!, envOf(0));
      // stages that take their whole input run now, in order
      for (let i = 1; i < n; i++) await consumers[i]?.end();
    } finally {
      for (const s of sinks) s.finish();
    }
    return opts.capture ? captured : [];
  }

  /** A stage fed one address at a time from the stage before it (DCMD_PIPE). */
  private pipedStage(stage: Invocation, env: StageEnv): PipedStage {
    let invoke: Invoker | undefined;
    let k = 0;
    const run = async (el: PipeElement, type: string | undefined, all?: readonly bigint[]): Promise<void> => {
      invoke ??= this.prepare(stage.verb, env);
      await this.pause(k, env);
      this.state.dot = el.addr;
      if (el.bind !== undefined) this.state.vars.set(el.bind, el.addr);
      await invoke({ dot: el.addr, addrSpec: true, loop: true, first: k === 0, piped: true, ...(all ? { pipeInput: all } : {}), inputType: type });
      this.state.lastDot = el.addr;
      k++;
    };
    if (!this.takesWholePipe(stage.verb)) return { take: (el, type) => run(el, type), end: async () => {} };
    // mdb_get_pipe: collect, then run once the input is complete. Kept compact
    // (a million piped addresses): the addresses, the first element's type,
    // and each bound variable's last address (what the later calls leave)
    const addrs: bigint[] = [];
    let first: { el: PipeElement; type: string | undefined } | undefined;
    const lastBound = new Map<string, bigint>();
    return {
      take: async (el, type) => {
        if (addrs.length >= MAX_PIPE) throw new MdbError(`more than ${MAX_PIPE} addresses piped into one command`);
        first ??= { el, type };
        if (first !== undefined && addrs.length > 0 && el.bind !== undefined) lastBound.set(el.bind, el.addr);
        addrs.push(el.addr);
      },
      end: async () => {
        if (!first) return;
        // the dcmd takes the whole pipe on its first call (mdb_get_pipe); the
        // later calls would find the pipe empty and return, so only their
        // effect on dot and the bound variable is kept (no million calls)
        await run(first.el, first.type, addrs);
        if (addrs.length > 1) {
          const last = addrs[addrs.length - 1]!;
          this.state.dot = last;
          for (const [name, a] of lastBound) this.state.vars.set(name, a);
          this.state.lastDot = last;
        }
      },
    };
  }

  private takesWholePipe(verb: Verb): boolean {
    if (verb.kind !== 'dcmd') return false;
    const alias = resolveVerb(verb.name);
    return alias !== undefined && this.registry.dcmd(alias.name)?.pipeAll === true;
  }

  private async runFirst(stage: Invocation, env: StageEnv): Promise<void> {
    const addrSpec = stage.addr !== undefined;
    let dot = addrSpec ? this.eval(stage.addr!) : this.state.dot;
    // ddb's db_expr_t is the kernel's long: on a 32-bit kernel an address wraps at 32 bits (x -1 is 0xffffffff)
    if (addrSpec && this.hooks.syntax === 'ddb') dot = BigInt.asUintN(this.target.pointerSize * 8, dot);
    this.state.dot = dot;
    const count = stage.count ? this.eval(stage.count) : 1n;
    if (stage.count) this.state.vars.set('9', count);
    if (count > MAX_COUNT) throw new MdbError(`repeat count ${count} is too large`);
    const invoke = this.prepare(stage.verb, env);
    for (let k = 0n; k < count; k++) {
      if (k > 0n) {
        await this.pause(Number(k), env);
        dot = (this.state.dot + this.state.incr) & U64_MASK;
        this.state.dot = dot;
      }
      await invoke({ dot, addrSpec, loop: count > 1n, first: k === 0n, piped: false, inputType: undefined });
      this.state.lastDot = dot;
    }
  }

  /**
   * Between loop elements: wait while the front end holds the output (the
   * REPL's pager), honour Ctrl-C, and let the event loop deliver it, every
   * 256 elements or every YIELD_CHARS of output, whichever comes first: a
   * loop of a hundred heavy elements (`,0t100::kmem_log -b`, 2 MB each) must
   * not run for half a minute without a signal (a timeout's is a timer)
   * reaching it.
   */
  private async pause(i: number, env: StageEnv): Promise<void> {
    const { opts, out } = env;
    const held = opts.hold?.();
    if (held) {
      await held;
      if (opts.signal?.aborted) throw new InterruptError();
    }
    if (!opts.signal) return;
    if (i > 0 && (i % 256 === 0 || out.written - this.yieldedAt >= YIELD_CHARS || out.written < this.yieldedAt)) {
      await new Promise<void>((r) => setImmediate(r));
      this.yieldedAt = out.written;
    }
    if (opts.signal.aborted) throw new InterruptError();
  }

  private prepare(verb: Verb, env: StageEnv): Invoker {
    const inv = this.prepareVerb(verb, env);
    return async (c) => {
      await inv(c);
      await env.drain();
    };
  }

  private prepareVerb(verb: Verb, env: StageEnv): Invoker {
    switch (verb.kind) {
      case 'none':
        return async () => {};
      case 'assign':
        return async (c) => void this.state.vars.set(verb.name, c.dot);
      case 'format':
        return async (c) => runFormatVerb(this, verb, c, env.sink);
      case 'dcmd':
        if (verb.name === '$<') return (c) => this.source(verb.args.map((a) => (a.kind === 'str' ? a.value : a.text)), c, env.out, env.opts);
        return this.dcmdInvoker(verb.name, verb.args, env);
    }
  }

  /**
   * `ADDR::dcmd [args]` as a pipeline's only stage: what runFirst, prepare,
   * dcmdInvoker and runDcmd do for its one call (dot, the dcmd, its options,
   * its address rules, incr, the result printed, lastDot), in that order and
   * with the same errors, but run synchronously when the dcmd answers
   * synchronously (::whatis does): a script of 10,000 such lines runs no
   * chain of async functions and closures per line. A promise when the dcmd
   * returns one or streams its results, which are then awaited as runDcmd
   * awaits them; else undefined.
   */
  private runOneCall(addr: Expr, verb: Extract<Verb, { kind: 'dcmd' }>, env: StageEnv): Promise<void> | undefined {
    const dot = this.eval(addr);
    this.state.dot = dot;
    const name = verb.name;
    const alias = resolveVerb(name);
    const d = alias ? this.registry.dcmd(alias.name) : undefined;
    if (!d) throw new MdbError(`invalid command '${verbLabel(name)}': unknown dcmd name`);
    const call: Call = { dot, addrSpec: true, loop: false, first: true, piped: false, inputType: undefined };
    let r: ReturnType<AnyDcmd['run']>;
    try {
      const args: DcmdArg[] = [...(alias?.args ?? []), ...verb.args.map((a) => (a.kind === 'str' ? a.value : this.eval(a.expr)))];
      const { opts: o, rest } = getopts(args, d.options, this.state.radix);
      if (d.address === 'none') throw new UsageError('address not allowed', true);
      this.state.incr = 0n;
      r = d.run(this.dcmdContext(call, env), dot, o as never, rest);
      if (!isPromiseLike(r)) {
        if (r && !isResultStream(r)) env.sink.accept(r, d);
        else if (r) return this.finishOneCall(d, name, r, dot, env);
        this.state.lastDot = dot;
        return undefined;
      }
    } catch (e) {
      return withUsage(e, d, name, env.out, this.hooks.syntax);
    }
    return this.finishOneCall(d, name, r, dot, env);
  }

  /** The rest of runOneCall when the dcmd answered with a promise or a stream: as runDcmd, then lastDot. */
  private async finishOneCall(d: AnyDcmd, name: string, pending: ReturnType<AnyDcmd['run']>, dot: bigint, env: StageEnv): Promise<void> {
    try {
      const r = await pending;
      if (r) await this.deliver(d, r, env);
    } catch (e) {
      withUsage(e, d, name, env.out, this.hooks.syntax);
    }
    this.state.lastDot = dot;
  }

  private dcmdInvoker(name: string, rawArgs: Extract<Verb, { kind: 'dcmd' }>['args'], env: StageEnv): Invoker {
    const alias = resolveVerb(name);
    const d = alias ? this.registry.dcmd(alias.name) : undefined;
    if (!d) throw new MdbError(`invalid command '${verbLabel(name)}': unknown dcmd name`);
    return async (call) => {
      try {
        const args: DcmdArg[] = [...(alias?.args ?? []), ...rawArgs.map((a) => (a.kind === 'str' ? a.value : this.eval(a.expr)))];
        const { opts: o, rest } = getopts(args, d.options, this.state.radix);
        if (d.address === 'none' && call.addrSpec) throw new UsageError('address not allowed', true);
        if (!call.addrSpec && !call.piped && d.walker !== undefined) return await this.walkDcmd(d, d.walker, call, o, rest, env);
        if (d.address === 'required' && !call.addrSpec) throw new UsageError('address required', true);
        await this.runDcmd(d, call, o, rest, env);
      } catch (e) {
        withUsage(e, d, name, env.out, this.hooks.syntax);
      }
    };
  }

  /** mdb_walk_dcmd: call the dcmd once per element of its walker, header once. */
  private async walkDcmd(d: AnyDcmd, walker: string, call: Call, o: Record<string, unknown>, rest: DcmdArg[], env: StageEnv): Promise<void> {
    let i = 0;
    for (const addr of this.walkContext(env.opts).walk(walker)) {
      await this.pause(i, env);
      this.state.dot = addr;
      await this.runDcmd(d, { ...call, dot: addr, addrSpec: true, loop: true, first: call.first && i === 0 }, o, rest, env);
      i++;
    }
  }

  private async runDcmd(d: AnyDcmd, call: Call, o: Record<string, unknown>, rest: DcmdArg[], env: StageEnv): Promise<void> {
    this.state.incr = 0n;
    const ctx = this.dcmdContext(call, env);
    const r = await d.run(ctx, call.addrSpec ? call.dot : undefined, o as never, rest);
    if (r) await this.deliver(d, r, env);
  }

  /** A dcmd's answer printed or piped on: a result at once, a stream element by element. */
  private async deliver(d: AnyDcmd, r: Result | Iterable<Result> | AsyncIterable<Result>, env: StageEnv): Promise<void> {
    if (!isResultStream(r)) {
      env.sink.accept(r, d);
      await env.drain();
      return;
    }
    // a dcmd that yields its results as it goes (::walk): each is printed or piped on at once
    let i = 0;
    for await (const x of r) {
      await this.pause(++i, env);
      env.sink.accept(x, d);
      await env.drain();
    }
  }

  walkContext(opts: RunOptions): WalkContext {
    const check = (): void => {
      if (opts.signal?.aborted) throw new InterruptError();
    };
    const self: WalkContext = {
      target: this.target,
      registry: this.registry,
      cache: this.state.cache,
      checkInterrupt: check,
      walk: (name, addr) => {
        const w = this.registry.walker(name);
        if (!w) throw new MdbError(`can't walk ${name}: unknown walk name`);
        return interruptible(w.walk(self, addr), check);
      },
    };
    return self;
  }

  private dcmdContext(call: Call, env: StageEnv): DcmdContext {
    return new CallContext(this, call, env, this.hooks);
  }

  /** Runs command text inside a command (::eval); the first failure fails the caller. */
  async evaluate(line: string, out: Output, opts: RunOptions): Promise<bigint[]> {
    const depth = (opts.depth ?? 0) + 1;
    if (depth > MAX_DEPTH) throw new MdbError('commands nested too deeply');
    let addrs: bigint[] = [];
    for (const c of parseLine(line, this.state.radix)) {
      if (out.quit) break;
      if (!c.ok) throw c.error;
      addrs = await this.runPipeline(c.pipeline, out, { ...opts, depth });
    }
    return addrs;
  }

  /** $<file: run each line of a command file; its failures are reported and do not stop it. */
  private async source(args: string[], call: Call, out: Output, opts: RunOptions): Promise<void> {
    const file = args[0];
    if (file === undefined) throw new MdbError('input stack is empty');
    const depth = (opts.depth ?? 0) + 1;
    if (depth > MAX_DEPTH) throw new MdbError('commands nested too deeply');
    let text: string;
    try {
      if (!this.hooks.readFile) throw new Error('files cannot be read here');
      text = this.hooks.readFile(file);
    } catch (e) {
      // mdb: "failed to open FILE: REASON"
      throw new MdbError(`failed to open ${file}: ${fileReason(e)}`);
    }
    this.state.dot = call.dot;
    for (const c of parseLine(text, this.state.radix)) {
      if (out.quit) return;
      if (!c.ok) {
        out.errors.push(c.error.line());
        continue;
      }
      try {
        await this.runPipeline(c.pipeline, out, { ...opts, depth, capture: false });
      } catch (e) {
        if (e instanceof InterruptError) throw e;
        out.errors.push(errorLine(e));
      }
    }
  }
}

/** A usage error gets the dcmd's usage lines (mdb_dcmd_usage()) and marks the output; every error is thrown on. */
function withUsage(e: unknown, d: AnyDcmd, name: string, out: Output, syntax?: 'mdb' | 'ddb'): never {
  if (e instanceof UsageError && e.usage === undefined) {
    e.usage = (syntax === 'ddb' ? ddbUsageLines(d) : undefined) ?? usageLines(d, name);
    out.usage = true;
  }
  throw e;
}

function isPromiseLike(r: unknown): r is PromiseLike<unknown> {
  return typeof (r as Partial<PromiseLike<unknown>> | undefined)?.then === 'function';
}

/** The drain of a stage whose results nobody takes (a pipeline's only stage). */
const noDrain = async (): Promise<void> => {};

/**
 * What a dcmd call sees (DcmdContext): the call's flags as fields and the
 * session's services as methods on the prototype, so each call costs one
 * object of one shape rather than an object literal with a getter and a
 * dozen closures (a script of 10,000 lookups makes 10,000 of them). The
 * optional services are undefined where the front end has none, as dcmds
 * test for them (`if (!ctx.log)`).
 */
class CallContext implements DcmdContext {
  readonly target: Target;
  readonly registry: Registry;
  readonly cache: Map<string, unknown>;
  readonly dot: bigint;
  readonly addrSpec: boolean;
  readonly loop: boolean;
  readonly first: boolean;
  readonly piped: boolean;
  readonly pipedInto: boolean;
  readonly inputType: string | undefined;
  readonly pointerSize: 4 | 8;
  readonly vars: Map<string, bigint>;
  readonly pipeInput?: readonly bigint[];
  readonly readFile?: (path: string) => string;
  readonly log?: (file: string | null | undefined, echo: boolean) => string | null;
  private polls = 0;
  private walks: WalkContext | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly call: Call,
    private readonly env: StageEnv,
    hooks: EngineHooks,
  ) {
    this.target = engine.target;
    this.registry = engine.registry;
    this.cache = engine.state.cache;
    this.dot = call.dot;
    this.addrSpec = call.addrSpec;
    this.loop = call.loop;
    this.first = call.first;
    this.piped = call.piped;
    this.pipedInto = env.sink.pipedInto;
    this.inputType = call.inputType;
    this.pointerSize = engine.target.pointerSize;
    this.vars = engine.state.vars;
    if (call.pipeInput) this.pipeInput = call.pipeInput;
    if (hooks.readFile) {
      const readFile = hooks.readFile;
      this.readFile = (p: string) => readFile(p);
    }
    if (hooks.log) {
      const log = hooks.log;
      this.log = (f: string | null | undefined, echo: boolean) => log(f, echo);
    }
  }

  get radix(): number {
    return this.engine.state.radix;
  }
  setRadix(r: number): void {
    this.engine.state.radix = r;
  }
  setDot(v: bigint): void {
    this.engine.state.dot = v & U64_MASK;
  }
  checkInterrupt(): void {
    if (this.env.opts.signal?.aborted) throw new InterruptError();
  }
  walk(name: string, addr?: bigint): Iterable<bigint> {
    // the walk context is what walkers see (mdb_pwalk), made on the first walk
    this.walks ??= this.engine.walkContext(this.env.opts);
    return this.walks.walk(name, addr);
  }
  evaluate(line: string): Promise<bigint[]> {
    return this.engine.evaluate(line, this.env.out, { ...this.env.opts, capture: this.env.sink.pipedInto });
  }
  evalExpr(text: string): bigint {
    const state = this.engine.state;
    state.dot = this.call.dot;
    return this.engine.eval(parseExpression(text, state.radix));
  }
  quit(): void {
    this.env.out.quit = true;
  }
  async poll(): Promise<void> {
    const signal = this.env.opts.signal;
    if (!signal) return;
    if (++this.polls % 512 === 0) await new Promise<void>((r) => setImmediate(r));
    if (signal.aborted) throw new InterruptError();
  }
}

/** Why a file could not be read, in the words of strerror (lower case, as mdb prints it). */
function fileReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : 'cannot read';
  }
}

function isResultStream(r: Result | Iterable<Result> | AsyncIterable<Result>): r is Iterable<Result> | AsyncIterable<Result> {
  return typeof (r as Partial<Iterable<Result>>)[Symbol.iterator] === 'function' || typeof (r as Partial<AsyncIterable<Result>>)[Symbol.asyncIterator] === 'function';
}

/** Wraps a walk so Ctrl-C stops it between elements. */
function* interruptible(it: Iterable<bigint>, check: () => void): Generator<bigint> {
  for (const a of it) {
    check();
    yield a;
  }
}
