/*
 * The kernel's text into the dump (format.ts, TABLE_TEXT): written code for
 * the functions kern/text.ts writes out, generated code around the return
 * addresses the dump records for every other function (machine/text.ts).
 *
 * What the dump records is read back from the tables already built, the
 * way a debugger would see it: in a thread's frames each outer frame's pc
 * returns from a call to the next inner frame's function, the innermost
 * frame's pc is where the thread stopped (in swtch(), after its call to
 * resume()); in an interned stack each pc returns from a call to the
 * function of the pc before it, and the first from getpcstack().
 */
import type { Kernel } from '../../machine/kernel.js';
import type { FuncSym } from '../../machine/symbols.js';
import { hashName, lookupFunc } from '../../machine/symbols.js';
import { assembleText } from '../../machine/text.js';
import { toAddr } from '../../machine/platform.js';
import { formatTable } from '../../../dump/builder.js';
import { TABLE_FRAMES, TABLE_STACKS, TABLE_TEXT, type Table } from '../../../dump/format.js';

type Uses = Map<FuncSym, Map<number, Set<FuncSym | null>>>;

export function collectText(k: Kernel, tables: readonly Table[]): Table {
  const funcs = [...k.sym.funcs].sort((a, b) => a.addr - b.addr);
  const A = (f: FuncSym): bigint => toAddr(k.p, f.addr);
  const starts = funcs.map(A);
  const fnAt = (pc: bigint): FuncSym | undefined => {
    let lo = 0;
    let hi = funcs.length - 1;
    let r = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= pc) {
        r = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const f = funcs[r];
    return f && pc < starts[r]! + BigInt(f.size) ? f : undefined;
  };
  const uses: Uses = new Map();
  const use = (pc: bigint, callee: FuncSym | null | undefined): void => {
    const f = fnAt(pc);
    if (!f || callee === undefined) return;
    let m = uses.get(f);
    if (!m) uses.set(f, (m = new Map()));
    const off = Number(pc - A(f));
    let s = m.get(off);
    if (!s) m.set(off, (s = new Set()));
    s.add(callee);
  };
  const swtch = lookupFunc('swtch', 'unix');
  const resume = lookupFunc('resume', 'unix');
  const getpcstack = lookupFunc('getpcstack', 'unix');
  const fr = tables.find((t) => t.name === TABLE_FRAMES);
  const th = fr?.columns['thread_row'];
  const pcs = fr?.columns['pc'];
  if (fr && th?.kind === 'u32' && pcs?.kind === 'u64') {
    for (let i = 0; i < fr.rowCount; i++) {
      const pc = pcs.values[i] as bigint;
      const inner = i > 0 && th.values[i - 1] === th.values[i] ? fnAt(pcs.values[i - 1] as bigint) : null;
      // the innermost frame: a stop inside swtch() is the return from resume()
      use(pc, inner ?? (fnAt(pc) === swtch ? resume ?? null : null));
    }
  }
  const st = tables.find((t) => t.name === TABLE_STACKS)?.columns['pcs'];
  if (st?.kind === 'list') {
    for (let r = 0; r + 1 < st.offsets.length; r++) {
      for (let j = st.offsets[r]!; j < st.offsets[r + 1]!; j++) {
        const pc = st.values[j] as bigint;
        use(pc, j === st.offsets[r] ? getpcstack ?? null : fnAt(st.values[j - 1] as bigint));
      }
    }
  }
  const t = formatTable(TABLE_TEXT);
  const rows = assembleText(funcs, k.textVariant, uses, A, hashName, (s) => {
    const a = k.kstrings.get(s);
    return a === undefined ? 0n : toAddr(k.p, a);
  });
  for (const { fn, bytes } of rows) t.add({ addr: A(fn), bytes });
  return t.build();
}
