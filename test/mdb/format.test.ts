import { describe, expect, it } from 'vitest';
import { LETTERS, formatG } from '../../src/mdb/format.js';
import { Iob } from '../../src/mdb/render/iob.js';
import { BUF32, CACHE0, FOO0, FREED_FOO, PANIC_TEXT } from '../support/dump-builder.js';
import { fakeSession, out, run } from '../support/mdb-session.js';

const M = ' '.repeat(16); // mdb's output margin
const h = (v: bigint) => v.toString(16);

/** n copies of `cell`, `perLine` per line, each line indented to the margin. */
function grid(cell: string, n: number, perLine: number, trimFullLines = false): string {
  let s = '';
  for (let i = 0; i < n; i += perLine) {
    let line = M + cell.repeat(Math.min(perLine, n - i));
    if (trimFullLines && n - i >= perLine) line = line.trimEnd();
    s += line + '\n';
  }
  return s;
}

describe('format letters: sizes', () => {
  it('read the documented number of bytes', () => {
    const sizes: Record<string, number | 'ptr'> = { X: 4, x: 2, B: 1, J: 8, K: 'ptr', D: 4, d: 2, e: 8, v: 1, U: 4, u: 2, E: 8, V: 1, O: 4, o: 2, b: 1, G: 8, R: 8, p: 'ptr', P: 'ptr', c: 1 };
    for (const [k, n] of Object.entries(sizes)) expect(LETTERS[k]!.size, k).toBe(n);
    for (const k of ['n', 'N', 't', 'T', 'r', '+', '-', '^', 'a']) expect(LETTERS[k]!.size, k).toBe(-1);
  });
});

describe('::formats', () => {
  it("lists mdb_fmt.c's fmttab in ASCII order: dot movers of size 0, the match and write letters", async () => {
    const lines = (await out('::formats')).split('\n');
    expect(lines).toContain('+ - increment dot by the count (variable size)');
    expect(lines).toContain('^ - decrement dot by increment * count (variable size)');
    expect(lines).toContain('a - dot as symbol+offset');
    expect(lines).toContain('N - newline');
    expect(lines).toContain('L - match int (4 bytes)');
    expect(lines).toContain('M - match long long (8 bytes)');
    expect(lines).toContain('l - match short (2 bytes)');
    expect(lines).toContain('v - write decimal signed int (1 byte)');
    expect(lines).toContain('w - write default radix unsigned short (2 bytes)');
    expect(lines).toContain('W - write default radix unsigned int (4 bytes)');
    expect(lines).toContain('Z - write hexadecimal long long (8 bytes)');
    const letters = lines.filter((l) => l.length > 0).map((l) => l.charCodeAt(0));
    expect(letters).toEqual([...letters].sort((a, b) => a - b));
  });
});

describe('= prints the value of dot (illumos mdb numbers/ and format/ tests)', () => {
  it('indents to the margin and pads each field', async () => {
    expect(await out('0x123456789abcdef=K')).toBe(`${M}123456789abcdef \n`);
    expect(await out('0x123____456_789___abcd__ef=K')).toBe(`${M}123456789abcdef \n`);
    expect(await out('badcafe=K')).toBe(`${M}badcafe         \n`);
    expect(await out('0t123456=K')).toBe(`${M}1e240           \n`);
    expect(await out('0t23_24_25_26=E')).toBe(`${M}23242526             \n`);
    expect(await out('0i1__1__0______=X')).toBe(`${M}6               \n`);
    expect(await out('0i100_0111=K')).toBe(`${M}47              \n`);
  });
  it('wraps 64-bit values at 80 columns: 17 wide when the top nibble is set', async () => {
    expect(await out('0-1=K')).toBe(`${M}ffffffffffffffff \n`);
    expect(await out('-1,10=J')).toBe(grid('ffffffffffffffff ', 16, 3));
    expect(await out('1<<0t63,10=J')).toBe(grid('8000000000000000 ', 16, 3));
    // 15 digits: four fit exactly, and the padding at the edge becomes the line break
    expect(await out('1<<0t59,10=J')).toBe(grid('800000000000000 ', 16, 4, true));
  });
  it('prints decimal, octal and symbols in mdb widths', async () => {
    expect(await out('-1,10=e')).toBe(grid('-1'.padEnd(21), 16, 3));
    expect(await out('1<<0t63,10=e')).toBe(grid('-9223372036854775808 ', 16, 3));
    expect(await out('-1,10=G')).toBe(grid('1777777777777777777777 ', 16, 2));
    expect(await out('1<<0t63,10=p')).toBe(grid('0x8000000000000000 ', 16, 3));
    expect(await out('kmem_cache_alloc+9c=p')).toBe(`${M}kmem_cache_alloc+0x9c \n`);
    expect(await out('0t10=D')).toBe(`${M}10              \n`);
    expect(await out('-1=D')).toBe(`${M}-1              \n`);
    expect(await out('-1=U')).toBe(`${M}4294967295      \n`);
    expect(await out('0t10=O')).toBe(`${M}012             \n`);
    // the padding would reach column 80, so it becomes the line break
    expect(await out('5=R')).toBe(`${M}101\n`);
  });
  it('sets variable 0 and needs a format', async () => {
    const s = fakeSession();
    await out('42=X', s);
    expect(await out('<0=K', s)).toBe(`${M}42              \n`);
    const r = await run('1=');
    expect(r.errors).toEqual(["mdb: expected one or more format characters following '='"]);
  });
});

describe('/ prints memory at dot', () => {
  it('labels with the symbol, first on a line of its own when dot is exactly a symbol', async () => {
    expect(await out('kmem_flags/X')).toBe('kmem_flags:\nkmem_flags:     f               \n');
    expect(await out('kmem_flags+1/B')).toBe('kmem_flags+1:   0       \n');
    expect(await out('panicstr/K')).toBe(`panicstr:\npanicstr:       ${h(PANIC_TEXT)} \n`);
  });
  it('labels other addresses as 0x…: and continues at column 32', async () => {
    const label = `0x${h(FOO0)}:`.padEnd(32);
    expect(await out(`${h(FOO0)}/J`)).toBe(`${label}${h(FOO0 + 0x40n)} \n`);
    expect(await out(`${h(FOO0)}+8/X`)).toBe(`0x${h(FOO0 + 8n)}:`.padEnd(32) + '100             \n');
  });
  it('repeats with ,count and with an inline count, on one wrapped line', async () => {
    const a = await out(`${h(BUF32)},4/X`);
    const b = await out(`${h(BUF32)}/4X`);
    expect(a).toBe(b);
    expect(a).toBe(`0x${h(BUF32)}:`.padEnd(32) + 'baddcafe        baddcafe        d6e2a008\n' + `${M}ffffff01        \n`);
    expect(await out(`${h(FREED_FOO)},2/J`)).toBe(`0x${h(FREED_FOO)}:`.padEnd(32) + 'deadbeefdeadbeef deadbeefdeadbeef \n');
  });
  it('prints strings, characters and small integers', async () => {
    expect(await out('*panicstr/s')).toBe(`0x${h(PANIC_TEXT)}:`.padEnd(32) + 'assertion failed: foo\n');
    expect(await out(`${h(CACHE0)}+8/c`)).toBe(`0x${h(CACHE0 + 8n)}:`.padEnd(32) + 'k\n');
    expect(await out(`${h(CACHE0)}+8/4C`)).toBe(`0x${h(CACHE0 + 8n)}:`.padEnd(32) + 'kmem\n');
    expect(await out(`${h(FOO0)}+0xc/d`)).toBe(`0x${h(FOO0 + 0xcn)}:`.padEnd(32) + '0       \n');
    expect(await out(`${h(FOO0)}+0x4c/d`)).toBe(`0x${h(FOO0 + 0x4cn)}:`.padEnd(32) + '-1      \n');
    expect(await out(`${h(FOO0)}+0x4c/u`)).toBe(`0x${h(FOO0 + 0x4cn)}:`.padEnd(32) + '65535   \n');
    expect(await out(`${h(FOO0)}+8/2x`)).toBe(`0x${h(FOO0 + 8n)}:`.padEnd(32) + '100     0       \n');
  });
  it('sets the increment: + is dot plus the bytes consumed', async () => {
    const s = fakeSession();
    await out(`${h(FOO0)}/J`, s);
    expect(await out('+=K', s)).toBe(`${M}${h(FOO0 + 8n)} \n`);
    expect(await out('.=K', s)).toBe(`${M}${h(FOO0 + 8n)} \n`); // an address expression sets dot
    expect(await out('+=K', s)).toBe(`${M}${h(FOO0 + 8n)} \n`); // = resets the increment
    await out(`${h(FOO0)}/X`, s);
    expect(await out('^=K', s)).toBe(`${M}${h(FOO0 - 4n)} \n`);
  });
  it('moves dot with + - and prints it with a', async () => {
    expect(await out(`${h(FOO0)}/8+X`)).toBe(`0x${h(FOO0)}:`.padEnd(32) + '100             \n');
    expect(await out('kmem_flags/a')).toBe('kmem_flags:\nkmem_flags:     kmem_flags:     \n');
  });
  it('fails like mdb on unmapped memory and refuses to write', async () => {
    const r = await run('0/K');
    expect(r.errors).toEqual(['mdb: failed to read data from target: no mapping for address']);
    expect(r.output).toBe('0:'.padEnd(16) + '\n');
    const w = await run('kmem_flags/W 5');
    expect(w.errors[0]).toMatch(/^mdb: failed to write to 0xfffffffffbc4a010: target is not open for writing$/);
    expect((await run('kmem_flags/W')).errors).toEqual(['mdb: expected value to write following W']);
    // data is not code: /i reads instructions only from the dump's text
    expect((await run('kmem_flags/i')).errors[0]).toBe('mdb: failed to read instruction at 0xfffffffffbc4a010');
    expect((await run('kmem_flags/!')).ok).toBe(false);
  });
});

describe('helpers', () => {
  it('formatG behaves like printf %g', () => {
    expect(formatG(1)).toBe('1');
    expect(formatG(0.5)).toBe('0.5');
    expect(formatG(1234567)).toBe('1.23457e+06');
    expect(formatG(0.0001)).toBe('0.0001');
    expect(formatG(0.00001)).toBe('1e-05');
  });
  it('Iob wraps fields and turns edge padding into a line break', () => {
    const io = new Iob();
    io.indent = true;
    for (let i = 0; i < 5; i++) io.field('x'.repeat(15), 16);
    expect(io.text()).toBe(`${M}${'x'.repeat(15)} ${'x'.repeat(15)} ${'x'.repeat(15)} ${'x'.repeat(15)}\n${M}${'x'.repeat(15)} \n`);
  });
  it('::formats lists the letters with their sizes', async () => {
    const t = await out('::formats');
    expect(t).toContain('K - hexadecimal uintptr_t (8 bytes)\n');
    expect(t).toContain('B - hexadecimal int (1 byte)\n');
    expect(t).toContain('s - raw string (variable size)\n');
  });
});
