import { describe, expect, it } from 'vitest';
import { flag, str, strs, uint } from '../../src/mdb/dcmd.js';
import { UsageError } from '../../src/mdb/errors.js';
import { getopts } from '../../src/mdb/options.js';

const specs = { v: flag('verbose'), t: flag('types'), n: str('name', 'a name'), c: strs('func', 'callers'), m: uint('size', 'a size') };

describe('getopts (mdb_getopts)', () => {
  it('parses flags, combined flags and option values in both spellings', () => {
    expect(getopts(['-vt', '-n', 'foo', '-mff'], specs)).toEqual({ opts: { v: true, t: true, n: 'foo', c: [], m: 0xffn }, rest: [] });
    expect(getopts(['-nfoo', '-m', '0t10'], specs).opts).toMatchObject({ n: 'foo', m: 10n });
    expect(getopts(['-vnfoo'], specs).opts).toMatchObject({ v: true, n: 'foo' });
    expect(getopts(['-c', 'a', '-c', 'b'], specs).opts['c']).toEqual(['a', 'b']);
    expect(getopts(['-m', 0x20n], specs).opts['m']).toBe(0x20n);
  });
  it('stops at the first argument that is not an option, or after --', () => {
    expect(getopts(['-v', 'kmem_cache_t', '-t'], specs)).toEqual({ opts: { v: true, t: false, n: undefined, c: [], m: undefined }, rest: ['kmem_cache_t', '-t'] });
    expect(getopts(['--', '-v'], specs).rest).toEqual(['-v']);
    expect(getopts(['-'], specs).rest).toEqual(['-']);
    expect(getopts([5n, '-v'], specs).rest).toEqual([5n, '-v']);
  });
  it('reports bad options as usage errors', () => {
    expect(() => getopts(['-z'], specs)).toThrow(new UsageError('illegal option -- z'));
    expect(() => getopts(['-n'], specs)).toThrow('option requires an argument -- n');
    expect(() => getopts(['-m', 'zz'], specs)).toThrow(UsageError);
  });
  it('reads numbers in the session radix', () => {
    expect(getopts(['-m', '10'], specs, 10).opts['m']).toBe(10n);
    expect(getopts(['-m', '10'], specs, 16).opts['m']).toBe(16n);
  });
});
