/*
 * The kernel text's invariant over every illumos dump in dumps/: each return
 * address a stack records is the byte right after a call instruction, and a
 * direct call's target is the function the next frame runs (or getpcstack()
 * for the first pc of an audit stack). Read as a debugger reads it: the
 * dump's frames and stacks tables and its text, through the debugger's own
 * decoder, from each function's first byte (so every pc must also fall on
 * an instruction boundary).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDump } from '../../src/dump/read.js';
import { TABLE_FRAMES, TABLE_STACKS } from '../../src/dump/format.js';
import { Target } from '../../src/mdb/target.js';
import { codeSource, insnAt, type Decoded } from '../../src/mdb/target/x86dis.js';

const DUMPS = fs
  .readdirSync('dumps')
  .filter((f) => f.startsWith('illumos-') && f.endsWith('.dump'))
  .sort();

/** Every function's instruction boundaries and the instruction ending at each, decoded once. */
function ender(t: Target): (pc: bigint) => { fn: bigint; insn: Decoded | undefined; boundary: boolean } {
  const src = codeSource(t);
  const memo = new Map<bigint, Map<bigint, Decoded>>();
  return (pc) => {
    const hit = t.symbolAt(pc);
    if (!hit) expect.fail(`pc ${pc.toString(16)} is in no function`);
    const start = pc - hit.offset;
    let ends = memo.get(start);
    if (!ends) {
      ends = new Map();
      for (let a = start; a < start + hit.sym.size; ) {
        const d = insnAt(src, a);
        if (!d) expect.fail(`no code at ${t.formatAddr(a)}`);
        ends.set(a + BigInt(d.len), d);
        a += BigInt(d.len);
      }
      memo.set(start, ends);
    }
    return { fn: start, insn: ends.get(pc), boundary: pc === start || ends.has(pc) };
  };
}

describe.each(DUMPS)('%s: return addresses sit after calls', (file) => {
  const t = new Target(readDump(`dumps/${file}`));
  const at = ender(t);
  const getpcstack = t.lookupSymbol('getpcstack')!.addr;

  it("every thread frame's pc returns from a call to the next inner frame's function", () => {
    const fr = t.table(TABLE_FRAMES)!;
    const th = fr.columns['thread_row']!.values as Uint32Array;
    const pcs = fr.columns['pc']!.values as BigUint64Array;
    let checked = 0;
    for (let i = 0; i < fr.rowCount; i++) {
      const pc = pcs[i]!;
      const x = at(pc);
      if (!x.boundary) expect.fail(`${t.formatAddr(pc)} is not an instruction boundary`);
      if (i === 0 || th[i - 1] !== th[i]) continue; // the innermost frame stopped there; it did not call
      const inner = at(pcs[i - 1]!).fn;
      if (!x.insn?.call) expect.fail(`${t.formatAddr(pc)} does not follow a call`);
      if (x.insn.target !== undefined && x.insn.target !== inner) expect.fail(`the call before ${t.formatAddr(pc)} is to ${t.formatAddr(x.insn.target)}, not ${t.formatAddr(inner)}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("every audit stack's pcs return from calls down the stack, the first from getpcstack", () => {
    const st = t.table(TABLE_STACKS)!.columns['pcs']!;
    if (st.kind !== 'list') throw new Error('stacks.pcs is not a list');
    for (let r = 0; r < t.table(TABLE_STACKS)!.rowCount; r++) {
      for (let j = st.offsets[r]!; j < st.offsets[r + 1]!; j++) {
        const pc = st.values[j] as bigint;
        const x = at(pc);
        if (!x.insn?.call) expect.fail(`${t.formatAddr(pc)} does not follow a call`);
        const callee = j === st.offsets[r] ? getpcstack : at(st.values[j - 1] as bigint).fn;
        if (x.insn.target !== undefined && x.insn.target !== callee) expect.fail(`the call before ${t.formatAddr(pc)} is to ${t.formatAddr(x.insn.target)}, not ${t.formatAddr(callee)}`);
      }
    }
  });
});
