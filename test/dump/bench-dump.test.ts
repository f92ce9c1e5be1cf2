import { describe, expect, it } from 'vitest';
import { benchDumpCodec, syntheticHeap } from '../../src/tools/bench-dump.js';
import { validateModel } from '../../src/dump/validate.js';

describe('benchDumpCodec', () => {
  it('builds a valid heap-shaped model', () => {
    const m = syntheticHeap(1000);
    expect(() => validateModel(m)).not.toThrow();
    expect(m.tables.map((t) => [t.name, t.rowCount])).toEqual([
      ['kmem_cache_t', 64],
      ['kmem_slab_t', 125],
      ['buffers', 1000],
      ['kmem_bufctl_audit_t', 1000],
    ]);
  });

  it('times every phase on a small heap', () => {
    const r = benchDumpCodec(20_000);
    for (const k of ['buildMs', 'encodeMs', 'writeMs', 'readMs', 'peakRssMb'] as const) expect(r[k]).toBeGreaterThan(0);
    expect(r.bytes).toBeGreaterThan(0);
    expect(r.bytes).toBeLessThan(r.rawBytes);
  });
});
