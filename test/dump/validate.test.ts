import { describe, expect, it } from 'vitest';
import { encodeDump } from '../../src/dump/codec.js';
import { DumpError } from '../../src/dump/errors.js';
import { NO_ROW, type DumpModel, type ListColumn, type ScalarColumn, type Table } from '../../src/dump/format.js';
import { validateModel } from '../../src/dump/validate.js';
import { sampleModel } from './fixtures.js';

function table(m: DumpModel, name: string): Table {
  const t = m.tables.find((x) => x.name === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
}

/** The reason validateModel gives for the model `change` breaks; encodeDump refuses it with the same reason. */
function reason(change: (m: DumpModel) => void): string {
  const m = sampleModel();
  change(m);
  let err: unknown;
  try {
    validateModel(m);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DumpError);
  const r = (err as DumpError).reason;
  expect(() => encodeDump(m)).toThrow(`cannot encode dump: ${r}`);
  return r;
}

describe('validateModel', () => {
  it('accepts the sample model', () => {
    expect(() => validateModel(sampleModel())).not.toThrow();
  });

  it('checks header fields and their JS types', () => {
    expect(reason((m) => ((m.header as any).pointerSize = 16))).toBe("header field 'pointerSize' is 16, expected one of 4, 8");
    expect(reason((m) => delete (m.header as any).kernelVersion)).toBe(
      "header field 'kernelVersion' is missing, expected a string",
    );
    expect(reason((m) => ((m.header as any).debug = 'yes'))).toBe("header field 'debug' is \"yes\", expected a boolean");
    expect(reason((m) => ((m.header as any).ncpus = 0))).toBe("header field 'ncpus' is 0, expected an integer >= 1");
    expect(reason((m) => (m.header.dumpTime = '12ns'))).toBe("header field 'dumpTime' is \"12ns\", expected decimal digits");
    expect(reason((m) => ((m.header as any).os = 'linux'))).toBe(
      'header field \'os\' is "linux", expected one of "illumos", "freebsd"',
    );
    expect(reason((m) => (m.header.panic = null))).toBe(
      "header field 'panic' is null, expected the panic of a panic dump",
    );
    expect(reason((m) => (m.header.dumpKind = 'live'))).toBe("header field 'panic' must be null in a live dump");
    expect(reason((m) => (m.header.panic!.thread = '0xffff'))).toBe(
      "panic field 'thread' is \"0xffff\", expected hex digits",
    );
    expect(reason((m) => ((m.header.recipe as any).set = [['a']]))).toBe(
      "recipe field 'set' is not a list of [key, value] string pairs",
    );
    expect(reason((m) => ((m.header.recipe as any).seed = 1.5))).toBe("recipe field 'seed' is 1.5, expected an integer");
  });

  it('checks type layouts', () => {
    expect(reason((m) => m.types.push({ ...m.types[0]! }))).toBe("type 'kmem_maglist_t' is defined twice");
    expect(reason((m) => (m.types[1]!.members[2]!.offset = 90))).toBe(
      "type 'kmem_cache_t' member 'cache_bufsize' at offset 90 size 8 ends past the struct's 96 bytes",
    );
    expect(reason((m) => ((m.types[1] as any).kind = 'enum'))).toBe(
      "type 'kmem_cache_t' has kind \"enum\", expected \"struct\" or \"union\"",
    );
    expect(reason((m) => m.types[1]!.members.push({ ...m.types[1]!.members[0]! }))).toBe(
      "type 'kmem_cache_t' member 'cache_name' is defined twice",
    );
  });

  it('bounds type sizes by what a kernel structure can be (a hostile 2^40-byte kmem_cache_t)', () => {
    expect(reason((m) => (m.types[1]!.size = 2 ** 40))).toBe(
      "type 'kmem_cache_t' has size 1099511627776, larger than any kernel structure (1048576 bytes)",
    );
  });

  it('checks that every column has rowCount values', () => {
    expect(reason((m) => ((table(m, 'kthread_t').columns.t_pri as ScalarColumn).values = new Uint16Array(2)))).toBe(
      "table 'kthread_t' column 't_pri' has 2 values, the table has 3 rows",
    );
    expect(reason((m) => (table(m, 'msgbuf').columns.text!.values as string[]).pop())).toBe(
      "table 'msgbuf' column 'text' has 4 values, the table has 5 rows",
    );
    expect(reason((m) => ((table(m, 'msgbuf').columns.text!.values as unknown[])[1] = 5))).toBe(
      "table 'msgbuf' column 'text' row 1 is not a string",
    );
    expect(reason((m) => (table(m, 'kthread_t').rowCount = -1))).toBe("table 'kthread_t' has a bad row count -1");
  });

  it('checks that column arrays match their kind', () => {
    expect(reason((m) => ((table(m, 'kthread_t').columns.t_pri as ScalarColumn).values = new Uint32Array(3)))).toBe(
      "table 'kthread_t' column 't_pri' values are not an array of u16",
    );
    expect(reason((m) => ((table(m, 'kmem_cache_t').columns.addr as any).values = [1n, 2n, 3n, 4n, 5n]))).toBe(
      "table 'kmem_cache_t' column 'addr' values are not an array of u64",
    );
    expect(reason((m) => ((table(m, 'kmem_cache_t').columns.addr as any).kind = 'ptr'))).toBe(
      "table 'kmem_cache_t' column 'addr' has a bad kind \"ptr\"",
    );
  });

  it('checks list offsets', () => {
    const mags = (m: DumpModel) => table(m, 'kmem_magazine_t').columns.mag_round as ListColumn;
    expect(reason((m) => (mags(m).offsets = Uint32Array.of(1, 2, 2, 5)))).toBe(
      "table 'kmem_magazine_t' column 'mag_round' list offsets start at 1, not 0",
    );
    expect(reason((m) => (mags(m).offsets = Uint32Array.of(0, 3, 2, 5)))).toBe(
      "table 'kmem_magazine_t' column 'mag_round' list offsets decrease at row 1 (3 then 2)",
    );
    expect(reason((m) => (mags(m).offsets = Uint32Array.of(0, 2, 2, 6)))).toBe(
      "table 'kmem_magazine_t' column 'mag_round' list offsets end at 6, but there are 5 values",
    );
    expect(reason((m) => (mags(m).offsets = Uint32Array.of(0, 2, 5)))).toBe(
      "table 'kmem_magazine_t' column 'mag_round' has 3 list offsets, expected 4",
    );
  });

  it('checks struct tables against their types', () => {
    expect(reason((m) => m.types.splice(3, 1))).toBe("table 'kthread_t' is named after no type in the dump's types");
    expect(reason((m) => delete table(m, 'kthread_t').columns.addr)).toBe("table 'kthread_t' has no 'addr' column");
    expect(
      reason((m) => (table(m, 'kthread_t').columns.t_bogus = { kind: 'u8', values: new Uint8Array(3) })),
    ).toBe("table 'kthread_t' column 't_bogus' names no member of kthread_t");
    expect(
      reason((m) => (table(m, 'kmem_cache_t').columns['cache_full.ml_bogus'] = { kind: 'u8', values: new Uint8Array(5) })),
    ).toBe("table 'kmem_cache_t' column 'cache_full.ml_bogus' names no member of kmem_cache_t (in kmem_maglist_t)");
    expect(reason((m) => (table(m, 'kthread_t').columns.addr = { kind: 'u32', values: new Uint32Array(3) }))).toBe(
      "table 'kthread_t' column 'addr' is u32, expected u64",
    );
  });

  it('accepts nested, array and pointer member paths', () => {
    const m = sampleModel();
    const caches = table(m, 'kmem_cache_t');
    caches.columns['cache_full.ml_list'] = { kind: 'u64', values: new BigUint64Array(5) };
    caches.columns['cache_arena.vm_name'] = { kind: 'str', values: ['a', 'b', 'c', 'd', 'e'] }; // through a pointer: not checked
    expect(() => validateModel(m)).not.toThrow();
  });

  it('checks format.ts kinds of the non-struct tables', () => {
    expect(reason((m) => (table(m, 'buffers').columns.state = { kind: 'u32', values: new Uint32Array(40) }))).toBe(
      "table 'buffers' column 'state' is u32, format.ts says u8",
    );
    expect(
      reason((m) => (table(m, 'stacks').columns.pcs = { kind: 'list', of: 'u32', offsets: new Uint32Array(5), values: new Uint32Array(0) })),
    ).toBe("table 'stacks' column 'pcs' is list of u32, format.ts says list of u64");
    expect(reason((m) => (table(m, 'frames').columns.zone_row = { kind: 'u32', values: new Uint32Array(2) }))).toBe(
      "table 'frames' column 'zone_row' is a row reference to no known table (see ROW_REFERENCES)",
    );
  });

  it('checks row references, allowing NO_ROW', () => {
    expect(reason((m) => ((table(m, 'buffers').columns.cache_row as ScalarColumn).values[17] = 900))).toBe(
      "table 'buffers' column 'cache_row' row 17 refers to kmem_cache_t row 900 (only 5 rows)",
    );
    expect(reason((m) => ((table(m, 'txlog').columns.stack_row as ScalarColumn).values[3] = 4))).toBe(
      "table 'txlog' column 'stack_row' row 3 refers to stacks row 4 (only 4 rows)",
    );
    expect(reason((m) => (m.tables = m.tables.filter((t) => t.name !== 'kthread_t')))).toBe(
      "table 'frames' column 'thread_row' row 0 refers to kthread_t row 0 (the dump has no kthread_t table)",
    );
    const m = sampleModel();
    ((table(m, 'buffers').columns.cache_row as ScalarColumn).values as Uint32Array).fill(NO_ROW);
    expect(() => validateModel(m)).not.toThrow();
  });

  it('checks table and column names', () => {
    expect(reason((m) => m.tables.push(table(m, 'kthread_t')))).toBe("table 'kthread_t' appears twice");
    expect(reason((m) => (table(m, 'kthread_t').name = 'bad name'))).toBe('a table has a bad name "bad name"');
  });
});
