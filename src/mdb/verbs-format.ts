/*
 * The format verbs: `addr/fmt` prints memory at dot, `expr=fmt` prints the
 * value of dot itself. As in mdb, `/` labels its output with dot (a line
 * "sym:" first when dot is exactly a symbol, then "sym:" or "0x…:" padded to
 * 16 columns) only on the first call of a loop, and sets the increment to the
 * bytes consumed, so `addr,4/X` prints four consecutive words on one line.
 */
import type { Call, Engine } from './engine.js';
import { MdbError, MemoryError, TargetReadError } from './errors.js';
import { printFormat, WRITE_LETTERS, type FormatContext } from './format.js';
import type { Verb } from './parse/ast.js';
import { hexBase, U64_MASK } from './render/number.js';
import type { StageSink } from './sink.js';
import { runDdbExamine } from './verbs-examine.js';

type FormatVerb = Extract<Verb, { kind: 'format' }>;

/** Reads from the value of dot (mdb's value target): the low bytes of the number. */
function valueReader(v: bigint): (addr: bigint, n: number) => Uint8Array {
  // the 8 bytes once: `=0t65536F` reads them 65536 times
  const b = new Uint8Array(8);
  for (let i = 0; i < 8; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return (_addr, n) => {
    if (n <= 8) return b.slice(0, n);
    const out = new Uint8Array(n);
    out.set(b);
    return out;
  };
}

export function runFormatVerb(engine: Engine, verb: FormatVerb, call: Call, sink: StageSink): void {
  const { target, state } = engine;
  const first = verb.items[0];
  if (first?.kind === 'fmt' && WRITE_LETTERS.has(first.letter)) {
    if (verb.values.length === 0) throw new MdbError(`expected value to write following ${first.letter}`);
    throw new MdbError(`failed to write to ${hexBase(call.dot)}: target is not open for writing`);
  }
  if (verb.space === '\\') throw new MdbError('physical memory is not available in this dump');
  if (sink.pipedInto) {
    sink.accept({ kind: 'addresses', addresses: [call.dot] });
    return;
  }
  if (verb.examine) {
    runDdbExamine(engine, verb.examine, call, sink);
    return;
  }
  const iob = sink.iob();
  if (verb.space === '=') {
    if (verb.items.length === 0) throw new MdbError("expected one or more format characters following '='");
    const fc: FormatContext = { target, iob, read: valueReader(call.dot), incr: state.incr, ...sink.formatValues() };
    iob.indent = true;
    let dot = call.dot;
    for (const it of verb.items) {
      const next = printFormat(fc, dot, [it]);
      if (it.kind === 'fmt' && (it.letter === '+' || it.letter === '-')) dot = next;
    }
    iob.indent = false;
    if (fc.last !== undefined) state.vars.set('0', fc.last);
    state.dot = dot;
    state.incr = 0n;
    return;
  }
  const items = verb.items.length > 0 ? verb.items : [{ kind: 'fmt' as const, letter: 'X', count: 1 }];
  if (call.first) {
    const hit = target.symbolAt(call.dot);
    if (hit && hit.offset === 0n) {
      iob.puts(`${hit.sym.name}:`);
      iob.nl();
    }
    iob.field(`${target.formatAddr(call.dot)}:`, iob.margin);
    iob.tabTo(16);
  }
  const fc: FormatContext = { target, iob, read: target.reader(), incr: state.incr, addressed: true, ...sink.formatValues() };
  iob.indent = true;
  try {
    const end = printFormat(fc, call.dot, items);
    state.incr = (end - call.dot) & U64_MASK;
  } catch (e) {
    if (e instanceof MemoryError) throw new TargetReadError(e.addr);
    throw e;
  } finally {
    iob.indent = false;
    if (fc.last !== undefined) state.vars.set('0', fc.last);
  }
}
