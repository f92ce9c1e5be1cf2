/*
 * --json is typed data (issue #10): ::print gives each object's members as
 * numbers, strings, booleans and hex-string pointers, not only its text.
 */
import { describe, expect, it } from 'vitest';
import { openScriptSession } from '../../src/cli/script.js';
import { readDump } from '../../src/dump/read.js';

describe('::print --json', () => {
  it('gives the members as typed values', async () => {
    const s = openScriptSession(readDump('dumps/illumos-2911.dump'), 'dumps/illumos-2911.dump');
    const first = (await s.execute('::walk kmem_cache')).output.split('\n')[0]!;
    const p = await s.execute(`${first}::print kmem_cache_t cache_name cache_bufsize cache_private`, { json: true });
    expect(p.errors).toEqual([]);
    const rec = (p.json as Array<{ results: unknown[] }>)[0]!;
    const data = JSON.parse(JSON.stringify(rec.results[0])) as { type: string; data: { objects: Array<{ member: string; value: unknown; address: string }> } };
    expect(data.type).toBe('text');
    const [name, bufsize, next] = data.data.objects;
    expect(name!.member).toBe('cache_name');
    expect(typeof name!.value).toBe('string');
    expect(typeof bufsize!.value).toBe('number');
    expect(next!.value).toMatch(/^0x[0-9a-f]+$/);
    expect(name!.address).toMatch(/^0x[0-9a-f]+$/);
  });
});
