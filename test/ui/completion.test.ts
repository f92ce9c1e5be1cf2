import { describe, expect, it } from 'vitest';
import { applyCompletion, commonPrefix, formatColumns } from '../../src/ui/completion.js';

const at = (text: string, cursor = text.length) => ({ text, cursor, killed: '' });

describe('completion', () => {
  it('completes a unique bare name after ::, adding a space', () => {
    const r = applyCompletion(at('::kmas'), ['kmastat']);
    expect(r.state).toMatchObject({ text: '::kmastat ', cursor: 10 });
    expect(r.listed).toEqual([]);
  });

  it('completes a unique candidate that carries its own ::', () => {
    expect(applyCompletion(at('::kmas'), ['::kmastat']).state.text).toBe('::kmastat ');
  });

  it('extends to the common prefix and lists several candidates', () => {
    const r = applyCompletion(at('::k'), ['kmausers', 'kmastat']);
    expect(r.state.text).toBe('::kma');
    expect(r.listed).toEqual(['kmastat', 'kmausers']);
  });

  it('completes in the middle of a line, keeping what follows', () => {
    const r = applyCompletion(at('::walk kmem_c | ::kmastat', 13), ['kmem_cache']);
    expect(r.state).toMatchObject({ text: '::walk kmem_cache | ::kmastat', cursor: 17 });
  });

  it('lists candidates for an empty word', () => {
    const r = applyCompletion(at('::walk '), ['a', 'b']);
    expect(r.state.text).toBe('::walk ');
    expect(r.listed).toEqual(['a', 'b']);
  });

  it('never splices an unrelated candidate into a typed word', () => {
    expect(applyCompletion(at('::zzz'), ['kmastat']).state.text).toBe('::zzz');
  });

  it('ignores junk candidates', () => {
    expect(applyCompletion(at('::x'), [42, null, ''] as unknown[]).state.text).toBe('::x');
  });

  it('computes common prefixes', () => {
    expect(commonPrefix(['kmastat', 'kmausers', 'kmem'])).toBe('km');
    expect(commonPrefix([])).toBe('');
  });

  it('lays candidates out in columns, column-major', () => {
    expect(formatColumns(['a', 'b', 'c', 'd', 'e'], 9)).toBe('a  c  e\nb  d');
    expect(formatColumns(['longname'], 3)).toBe('longname');
  });
});
