/*
 * Where one pipeline stage's results go. A stage whose output is piped keeps
 * only addresses (mdb: a piped dcmd prints nothing but the addresses it
 * passes on); the last stage renders text — tables with their header printed
 * once for the whole loop or walk (DCMD_LOOPFIRST), text as is, bare
 * addresses one per line — and, for --json, keeps the Results themselves.
 */
import type { AnyDcmd, Result } from './dcmd.js';
import { DdbConsole } from './render/ddb-console.js';
import { Iob } from './render/iob.js';
import { resultJson, toJson } from './render/json.js';
import type { FormatValue } from './format.js';
import { hexBase } from './render/number.js';
import { visible } from './render/visible.js';
import { renderHeader, renderRows } from './render/table.js';
import type { Target } from './target.js';

/**
 * Text, errors and JSON of the commands run so far. Text is shown with
 * control characters made visible (render/visible.ts). With `stream` set,
 * text goes there as soon as it is written (batch mode and the REPL print
 * rows as they are produced) instead of being kept.
 */
export class Output {
  private readonly chunks: string[] = [];
  readonly errors: string[] = [];
  quit = false;
  usage = false;
  /** JSON results of the command being run, when --json is on */
  json: unknown[] | undefined;
  /** the front end shows colour (a terminal without NO_COLOR): results may highlight */
  color = false;

  /** characters written so far (the engine's loops yield to the event loop by it) */
  written = 0;

  /** ddb syntax: text goes out as ddb's console sends it (no trailing blanks, tabs as spaces) */
  private readonly console: DdbConsole | undefined;

  constructor(
    private readonly stream?: (text: string) => void,
    ddb = false,
  ) {
    this.console = ddb ? new DdbConsole() : undefined;
  }

  write(s: string): void {
    if (s === '') return;
    this.written += s.length;
    let v = visible(s);
    if (this.console) v = this.console.put(v);
    if (v === '') return;
    if (this.stream) this.stream(v);
    else this.chunks.push(v);
  }
  /** Text that is already terminal-safe (a shell command's output) */
  writeRaw(s: string): void {
    if (s === '') return;
    this.written += s.length;
    if (this.stream) this.stream(s);
    else this.chunks.push(s);
  }
  text(): string {
    return this.chunks.join('');
  }
}

/** An address flowing down a pipe, with the variable it binds (::walk name var). */
export interface Element {
  addr: bigint;
  bind?: string;
}

function ensureNl(s: string): string {
  return s === '' || s.endsWith('\n') ? s : s + '\n';
}

export class StageSink {
  readonly emitted: Element[] = [];
  emittedType: string | undefined;
  private readonly headers = new Set<string>();
  /** the JSON entry of the last table, which later rows of the same table join */
  private jsonTable: { sig: string; rows: unknown[] } | undefined;
  private first = true;
  private iobuf: Iob | undefined;
  /** --json: the values the stage's format verbs printed */
  private values: FormatValue[] | undefined;

  constructor(
    private readonly out: Output,
    private readonly target: Target,
    /** true when a later stage (or a capturing ::eval) takes this stage's addresses */
    readonly pipedInto: boolean,
    private readonly vars: Map<string, bigint>,
  ) {}

  /** The stage's format-output buffer (one per stage, so a loop's values share lines); `cols` when it is made (ddb's x wraps its own lines). */
  iob(cols?: number): Iob {
    this.iobuf ??= new Iob(cols);
    return this.iobuf;
  }

  /** Where a format verb records its values for --json: `{ values }` when --json is on, else nothing. */
  formatValues(): { values?: FormatValue[] } {
    if (!this.out.json) return {};
    this.values ??= [];
    return { values: this.values };
  }

  accept(r: Result, dcmd?: AnyDcmd): void {
    const bind = r.kind === 'addresses' ? r.bindVar : undefined;
    if (this.pipedInto) {
      for (const addr of r.addresses ?? []) this.emitted.push(bind === undefined ? { addr } : { addr, bind });
      if (r.addressType !== undefined) this.emittedType = r.addressType;
      return;
    }
    if (bind !== undefined && r.addresses && r.addresses.length > 0) this.vars.set(bind, r.addresses[r.addresses.length - 1]!);
    this.addJson(r);
    const ps = this.target.pointerSize;
    if (this.out.color && r.colorText !== undefined) {
      this.out.writeRaw(ensureNl(r.colorText));
    } else if (dcmd?.render) {
      this.out.write(ensureNl(dcmd.render(r, { target: this.target, first: this.first, pointerSize: ps })));
    } else if (r.kind === 'table') {
      const sig = r.headerLines ? r.headerLines.join('\n') : r.columns.map((c) => c.header).join('\u0000');
      const header = !this.headers.has(sig);
      this.headers.add(sig);
      if (this.out.color && r.columns.some((c) => c.alert || c.bar)) this.out.writeRaw(visible(header ? renderHeader(r, ps) : '') + renderRows(r, ps, true));
      else this.out.write((header ? renderHeader(r, ps) : '') + renderRows(r, ps));
    } else if (r.kind === 'text') {
      this.out.write(ensureNl(r.text));
    } else {
      this.out.write(r.addresses.map((a) => hexBase(a) + '\n').join(''));
    }
    this.first = false;
  }

  /** A walk's per-element tables become one JSON table. */
  private addJson(r: Result): void {
    if (!this.out.json) return;
    // a text result without data is presentation only (a header printed before any row)
    if (r.kind === 'text' && r.data === undefined) return;
    const j = resultJson(r) as { type: string; rows?: unknown[] };
    if (r.kind === 'table') {
      const sig = r.columns.map((c) => c.key).join('\u0000');
      if (this.jsonTable?.sig === sig) {
        this.jsonTable.rows.push(...(j.rows ?? []));
        return;
      }
      this.jsonTable = { sig, rows: j.rows ?? [] };
    } else if (r.kind === 'addresses') {
      // a walk yields its addresses in chunks: one JSON list
      const sig = '\u0001' + (r.addressType ?? '');
      const a = j as unknown as { addresses: unknown[] };
      if (this.jsonTable?.sig === sig) {
        this.jsonTable.rows.push(...a.addresses);
        return;
      }
      this.jsonTable = { sig, rows: a.addresses };
    } else this.jsonTable = undefined;
    this.out.json.push(j);
  }

  /** Flushes format output at the end of the stage. */
  finish(): void {
    const values = this.values;
    this.values = undefined;
    if (values && values.length > 0) this.out.json?.push(toJson({ type: 'values', values }));
    if (!this.iobuf) return;
    const t = this.iobuf.text();
    this.iobuf = undefined;
    if (t === '') return;
    this.out.write(t);
  }
}
