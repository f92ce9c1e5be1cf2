import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/mdb/errors.js';
import { parseNumber, splitCommands } from '../../src/mdb/parse/lexer.js';
import { parseExpression, parseLine, parsePipeline } from '../../src/mdb/parse/parser.js';

describe('splitCommands', () => {
  it('splits on ; and newlines but not inside quotes or $[ ]', () => {
    expect(splitCommands('a; b\nc')).toEqual(['a', 'b', 'c']);
    expect(splitCommands(`::eval "x;y"; ::eval 'p;q'`)).toEqual([`::eval "x;y"`, `::eval 'p;q'`]);
    expect(splitCommands('::foo $[1;2]')).toEqual(['::foo $[1;2]']);
    expect(splitCommands(' ; ;\n')).toEqual([]);
  });
});

describe('parseNumber', () => {
  it('uses the default radix and the 0x 0t 0o 0i prefixes', () => {
    expect(parseNumber('10', 16)).toBe(0x10n);
    expect(parseNumber('10', 10)).toBe(10n);
    expect(parseNumber('0x1f', 10)).toBe(31n);
    expect(parseNumber('0t99', 16)).toBe(99n);
    expect(parseNumber('0o17', 16)).toBe(15n);
    expect(parseNumber('0i101', 16)).toBe(5n);
    expect(parseNumber('0T12', 16)).toBe(12n);
  });
  it('accepts _ between and after digits (mdb numbers tests)', () => {
    expect(parseNumber('0x123____456_789___abcd__ef', 16)).toBe(0x123456789abcdefn);
    expect(parseNumber('0x1_2_3_4_5_6_7_8_9_a_b_c_d_e_f____', 16)).toBe(0x123456789abcdefn);
    expect(parseNumber('0t23_24_25_26', 16)).toBe(23242526n);
    expect(parseNumber('0i100_0111', 16)).toBe(0b1000111n);
  });
  it('rejects what mdb rejects (tst.badnums)', () => {
    for (const bad of ['0x_123', '0xzasdf', '0x1__p', '0i_', '0i__011', '0i12345', '0i0____3', '0t34___asdf', '0t_4', '0tp', '0t4______p', '0o89', '0o7____89', '0o__324', '0x123456789abcdef123456789abcdef']) {
      expect(parseNumber(bad, 16), bad).toBeUndefined();
    }
  });
  it('accepts the largest 64-bit value and rejects one more', () => {
    expect(parseNumber('0xffffffffffffffff', 16)).toBe(0xffffffffffffffffn);
    expect(parseNumber('0x10000000000000000', 16)).toBeUndefined();
  });
});

describe('parsePipeline', () => {
  it('parses [addr][,count]::dcmd args', () => {
    const p = parsePipeline('ffffff01d6e2a008,4::kmem_cache -n foo "a b" \'c\'');
    expect(p.stages).toHaveLength(1);
    const s = p.stages[0]!;
    expect(s.addr).toEqual({ kind: 'sym', name: 'ffffff01d6e2a008', number: 0xffffff01d6e2a008n });
    expect(s.count).toEqual({ kind: 'num', value: 4n });
    expect(s.verb).toEqual({
      kind: 'dcmd',
      name: 'kmem_cache',
      args: [
        { kind: 'str', value: '-n' },
        { kind: 'str', value: 'foo' },
        { kind: 'str', value: 'a b' },
        { kind: 'str', value: 'c' },
      ],
    });
  });

  it('parses pipelines; | inside an address expression is bitwise or', () => {
    const p = parsePipeline('::walk thread | ::findstack -v | ::grep .');
    expect(p.stages.map((s) => (s.verb.kind === 'dcmd' ? s.verb.name : s.verb.kind))).toEqual(['walk', 'findstack', 'grep']);
    const q = parsePipeline('1|2=K');
    expect(q.stages).toHaveLength(1);
    expect(q.stages[0]!.addr).toEqual({ kind: 'binary', op: '|', left: { kind: 'num', value: 1n }, right: { kind: 'num', value: 2n } });
  });

  it('parses format verbs with counts and literal text', () => {
    const v = parsePipeline('addr/4Xn"x"2J').stages[0]!.verb;
    expect(v).toEqual({
      kind: 'format',
      space: '/',
      values: [],
      items: [
        { kind: 'fmt', letter: 'X', count: 4 },
        { kind: 'fmt', letter: 'n', count: 1 },
        { kind: 'text', text: 'x' },
        { kind: 'fmt', letter: 'J', count: 2 },
      ],
    });
    expect(parsePipeline('1=K').stages[0]!.verb).toMatchObject({ kind: 'format', space: '=' });
    expect(parsePipeline('x/W 0t5').stages[0]!.verb).toMatchObject({ kind: 'format', values: [{ kind: 'str', value: '0t5' }] });
  });

  it('parses $ verbs, $<file, >var, $[expr] arguments and bare expressions', () => {
    expect(parsePipeline('$c').stages[0]!.verb).toEqual({ kind: 'dcmd', name: '$c', args: [] });
    expect(parsePipeline('*panic_thread$C').stages[0]).toMatchObject({ addr: { kind: 'unary', op: '*' }, verb: { name: '$C' } });
    expect(parsePipeline('$<macro.mdb').stages[0]!.verb).toEqual({ kind: 'dcmd', name: '$<', args: [{ kind: 'str', value: 'macro.mdb' }] });
    expect(parsePipeline('. >foo').stages[0]!.verb).toEqual({ kind: 'assign', name: 'foo' });
    expect(parsePipeline('::print $[8+8] x').stages[0]!.verb).toMatchObject({ args: [{ kind: 'expr', text: '$[8+8]' }, { kind: 'str', value: 'x' }] });
    expect(parsePipeline('kmem_flags').stages[0]).toEqual({ addr: { kind: 'sym', name: 'kmem_flags' }, verb: { kind: 'none' } });
    expect(parsePipeline('genunix`kmem_flags/X').stages[0]!.addr).toEqual({ kind: 'sym', name: 'genunix`kmem_flags' });
  });

  it('reports syntax errors as ParseError; ! takes the rest as a shell command', () => {
    for (const bad of ['1 +', '::', '(1', '0xzz=K', '::walk x | 3', '$', '::walk foo !']) {
      expect(() => parsePipeline(bad), bad).toThrow(ParseError);
    }
    expect(parsePipeline('::walk foo ! grep x').shell).toBe('grep x');
  });

  it('parseLine keeps going after a command that does not parse', () => {
    const r = parseLine('1=K; 1 +; ::help');
    expect(r.map((c) => c.ok)).toEqual([true, false, true]);
    const bad = r[1]!;
    expect(bad.ok === false && bad.error.line()).toBe('mdb: syntax error near "1 +"');
  });
});

describe('expressions', () => {
  it('follows mdb precedence: * % # above + - above << >> above == != above & ^ |', () => {
    const shape = (s: string) => parseExpression(s);
    expect(shape('1+2*3')).toEqual(shape('1+(2*3)'));
    expect(shape('1<<2+3')).toEqual(shape('1<<(2+3)'));
    expect(shape('1==2<<3')).toEqual(shape('1==(2<<3)'));
    expect(shape('1&2==3')).toEqual(shape('1&(2==3)'));
    expect(shape('1|2^3&4')).toEqual(shape('1|(2^(3&4))'));
    expect(shape('8-4-2')).toEqual(shape('(8-4)-2'));
    expect(shape('*a+8')).toEqual(shape('(*a)+8'));
  });
  it('reads + ^ & . as dot forms in operand position', () => {
    expect(parseExpression('+')).toEqual({ kind: 'incr' });
    expect(parseExpression('^')).toEqual({ kind: 'decr' });
    expect(parseExpression('&')).toEqual({ kind: 'lastdot' });
    expect(parseExpression('.+8')).toEqual({ kind: 'binary', op: '+', left: { kind: 'dot' }, right: { kind: 'num', value: 8n } });
    expect(parseExpression('<foo')).toEqual({ kind: 'var', name: 'foo' });
    expect(parseExpression('<.')).toEqual({ kind: 'var', name: '.' });
    expect(parseExpression('#0')).toEqual({ kind: 'unary', op: '#', arg: { kind: 'num', value: 0n } });
  });
  it('marks hex-looking names so a symbol of that name can win', () => {
    expect(parseExpression('badcafe')).toEqual({ kind: 'sym', name: 'badcafe', number: 0xbadcafen });
    expect(parseExpression('_007')).toEqual({ kind: 'sym', name: '_007' });
    expect(parseExpression('bad___cafe')).toEqual({ kind: 'sym', name: 'bad___cafe', number: 0xbadcafen });
  });
});

describe('parseLine on `ADDR::dcmd` lines', () => {
  // such a line is built without the scanner (the shape a script of lookups repeats); it must be the tree the scanner builds
  const general = (line: string, radix: number) =>
    splitCommands(line).map((text) => {
      try {
        return { ok: true, pipeline: parsePipeline(text, radix) };
      } catch (e) {
        if (e instanceof ParseError) return { ok: false, text, error: e };
        throw e;
      }
    });
  it('gives the tree the scanner gives, errors included', () => {
    const words = ['ffffff01e909e018', '0', '10', '0x1f', '0t99', '0i2', '0xzz', '9z', '1_0', '_foo', 'kmem_flags', 'abc', 'ABC', 'deadbeef', 'g12', '0x', '0t', '00', '0xffffffffffffffffff'];
    const dcmds = ['whatis', 'bufctl', 'nosuchdcmd', '1x', 'a_b'];
    for (const radix of [16, 10, 8])
      for (const w of words)
        for (const d of dcmds)
          for (const line of [`${w}::${d}`, `  ${w}::${d}\t`]) {
            expect(JSON.stringify(parseLine(line, radix), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)), line).toBe(
              JSON.stringify(general(line, radix), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
            );
          }
  });
});
