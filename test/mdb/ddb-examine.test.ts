/*
 * ddb's console and examine: what db_putchar() sends (blanks only before a
 * printing character, tabs as spaces to 8-column stops) and db_examine()'s
 * layout (a db_printsym() label on every line, size * 4 columns a value,
 * a new line before column 79) and db_print_cmd()'s kept modifier, on the
 * 2004 panic dump.
 */
import { describe, expect, it } from 'vitest';
import { openScriptSession } from '../../src/cli/script-session.js';
import { readDump } from '../../src/dump/read.js';
import { DdbConsole } from '../../src/mdb/render/ddb-console.js';

const DUMP = 'dumps/freebsd-2004-uma-looping.dump';
const model = readDump(DUMP);

/** each line's output, its errors after it, as one ddb session on `dump` prints them */
const runOn = async (dump: string, ...lines: string[]): Promise<string[]> => {
  const s = openScriptSession(dump === DUMP ? model : readDump(dump), dump, undefined, 'ddb');
  const out: string[] = [];
  for (const l of lines) {
    const r = await s.execute(l);
    out.push(r.output + r.errors.map((e) => `${e}\n`).join(''));
  }
  return out;
};

describe("ddb's console (db_putchar)", () => {
  it('sends blanks as spaces only before a printing character, tabs to the next multiple of 8', () => {
    const c = new DdbConsole();
    expect(c.put('\tquantum:\t4096\n')).toBe('        quantum:        4096\n');
    expect(c.put('a\tb  \t\n')).toBe('a       b\n');
    expect(c.put('x'.repeat(7) + '\ty\n')).toBe('xxxxxxx y\n');
    expect(c.put('x'.repeat(8) + '\ty\n')).toBe('xxxxxxxx        y\n');
  });

  it('keeps its column across writes: padding held back from one write comes out before the next word', () => {
    const c = new DdbConsole();
    expect(c.put('c1400100        ')).toBe('c1400100');
    expect(c.put('0')).toBe('        0');
    expect(c.put('   \n')).toBe('\n');
    expect(c.put('  z')).toBe('  z');
  });
});

describe("ddb's x (db_examine)", () => {
  const run = (...lines: string[]): Promise<string[]> => runOn(DUMP, ...lines);

  it('labels every line with its address and puts four longs on a line', async () => {
    const [o] = await run('x/x c1400100,9');
    expect(o).toBe(
      '0xc1400100:     c1400180        0               c0b1c640        0\n' +
        '0xc1400110:     0               0               4               0\n' +
        '0xc1400120:     0\n',
    );
  });

  it('gives each value size * 4 columns: sixteen bytes or eight shorts a line', async () => {
    const [b, h] = await run('x/bx c1400100,12', 'x/hx c1400100,9');
    expect(b).toBe('0xc1400100:     80  1   40  c1  0   0   0   0   40  c6  b1  c0  0   0   0   0\n0xc1400110:     0   0\n');
    expect(h).toBe('0xc1400100:     180     c140    0       0       c640    c0b1    0       0\n0xc1400110:     0\n');
  });

  it('keeps a long of the kernel word: on i386 x/gx shows the low 32 bits in 32 columns', async () => {
    const [g] = await run('x/gx c1400100,3');
    expect(g).toBe('0xc1400100:     c1400180                        c0b1c640\n0xc1400110:     0\n');
  });

  it('prints signed decimal, characters and strings as db_examine() does', async () => {
    const [d, c, s] = await run('x/d c1400100,2', 'x/c c0b1c640,8', 'x/s c0b1c640');
    expect(d).toBe('0xc1400100:     -1052769920     0\n');
    expect(c).toBe('0xc0b1c640:     UMA RCnt\n');
    expect(s).toBe('0xc0b1c640:     UMA RCntSlabs\n');
  });

  it('lets a long label push a line past column 79 rather than wrap it: db_end_line() checks after each value', async () => {
    const [o] = await runOn('dumps/freebsd-248008-btalloc.dump', 'x/x *kernel_arena,6');
    expect(o).toBe('kernel_arena_storage:   0               0               0               0\nkernel_arena_storage+0x10:      0               0\n');
  });

  it('names a symbol in the label, without a line of its own', async () => {
    const [o] = await run('x/x slabrefzone');
    expect(o).toBe('slabrefzone:    c1401078\n');
  });

  it('goes on at db_next on an empty line, in the format it kept', async () => {
    const [, again] = await run('x/x c1400100,2', '');
    expect(again).toBe('0xc1400108:     c0b1c640\n');
  });

  it('leaves dot at the last line it printed (db_ed_style): a bare x shows that line again', async () => {
    const [, bare, next] = await run('x/x c1400100,9', 'x', '');
    expect(bare).toBe('0xc1400120:     0\n');
    expect(next).toBe('0xc1400124:     0\n');
  });

  it('names a location as db_printsym() does: sym+0x8 even for a small offset', async () => {
    const [o] = await run('x/x Giant+4');
    expect(o).toBe('Giant+0x4:      0\n');
  });

  it('reads its format a letter at a time: a size alone prints nothing, each value letter prints one value, a round starts at l', async () => {
    const [size, four, mixed, round] = await run('x/b c1400100,3', 'x/bxxxx c1400100,2', 'x/xbx c1400100', 'x/bxx c1400100,2');
    expect(size).toBe('');
    expect(four).toBe('0xc1400100:     80  1   40  c1  0   0   0   0\n');
    expect(mixed).toBe('0xc1400100:     c1400180        0\n');
    // the size goes back to l (4 bytes) at each round, and the second round starts where the first stopped
    expect(round).toBe('0xc1400100:     80  1   40  c1\n');
  });

  it('prints the location alone for a, the symbol a pointer names for S, and only the label for a letter it does not know', async () => {
    const [a, sym, unknown] = await run('x/a slabrefzone,2', 'x/S slabrefzone', 'x/q c1400100');
    // a reads nothing, so each round names the same place, on a line of its own
    expect(a).toBe('slabrefzone:\nslabrefzone:\n');
    expect(sym).toBe('slabrefzone:    0xc1401078\n');
    expect(unknown).toBe('0xc1400100:\n');
  });

  it('stops at unreadable memory and at the first instruction with db_get_value()\'s error', async () => {
    const [x, i] = await run('x/x 0', 'x/i kdb_enter');
    expect(x).toBe('0:\n*** error reading from address 0 ***\n');
    expect(i).toBe('kdb_enter:\n*** error reading from address c0401a60 ***\n');
  });
});

describe("ddb's print (db_print_cmd)", () => {
  it('reads only its first modifier letter, keeps it for a p without one, and refuses one it does not know', async () => {
    const out = await runOn(DUMP, 'p/dq 10', 'p 10', 'p/q 10', 'p 10', 'p/a Giant+8');
    expect(out).toEqual([
      '         16\n',
      '         16\n',
      'Syntax error: unsupported print modifier\n',
      // the refused letter sent db_print_format back to x
      '      10\n',
      // a location as db_printsym() names it
      'Giant+0x8\n',
    ]);
  });
});
