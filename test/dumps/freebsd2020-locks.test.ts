/*
 * The 2020 sample dumps' mutexes as `show lock` reads them: Giant exists in
 * every kernel (mutex_init(): MTX_DEF | MTX_RECURSE) and nothing in the
 * 2020 model takes it; vmem_bt_lock ("btag lock", MTX_DEF) exists on i386
 * only, where vmem_bt_alloc() needs it, and the hang dump catches a compiler
 * holding it.
 */
import { describe, expect, it } from 'vitest';
import { openScriptSession } from '../../src/cli/script-session.js';
import { readDump } from '../../src/dump/read.js';

const run = async (dump: string, line: string): Promise<{ output: string; errors: string[] }> => {
  const s = openScriptSession(readDump(dump), dump, undefined, 'ddb');
  const r = await s.execute(line);
  return { output: r.output, errors: r.errors };
};

describe.each(['dumps/freebsd-248008-btalloc.dump', 'dumps/freebsd-248008-btalloc-r368236.dump', 'dumps/freebsd-248008-btalloc-amd64.dump'])('%s', (dump) => {
  it('has Giant, a recursable sleep mutex nobody holds', async () => {
    const r = await run(dump, 'show lock Giant');
    expect(r.errors).toEqual([]);
    expect(r.output).toBe(' class: sleep mutex\n name: Giant\n flags: {DEF, RECURSE}\n state: {UNOWNED}\n');
  });

  it('has vmem_bt_lock only where vmem_bt_alloc() exists (i386)', async () => {
    const r = await run(dump, 'show lock vmem_bt_lock');
    if (dump.includes('amd64')) expect(r.errors).toHaveLength(1);
    else if (dump.includes('r368236')) expect(r.output).toBe(' class: sleep mutex\n name: btag lock\n flags: {DEF}\n state: {UNOWNED}\n');
    // the hang dump: the break came while a compiler was in the nested vmem_xalloc() that
    // vmem_bt_alloc() runs under vmem_bt_lock
    else {
      const m = /^ class: sleep mutex\n name: btag lock\n flags: \{DEF\}\n state: \{OWNED\}\n owner: 0x[0-9a-f]+ \(tid (\d+), pid \d+, "cc"\)\n$/.exec(r.output);
      expect(m, r.output).not.toBeNull();
      // and the owner's stack is in vmem_bt_alloc()'s nested vmem_xalloc()
      const bt = (await run(dump, `bt ${m![1]}`)).output.split('\n');
      const at = bt.findIndex((l) => l.startsWith('vmem_bt_alloc('));
      expect(at, bt.join('\n')).toBeGreaterThan(0);
      expect(bt[at - 1]).toMatch(/^vmem_xalloc\(/);
    }
  });
});
