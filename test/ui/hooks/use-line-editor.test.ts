import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emptyEditor, lineEditorReducer, type EditorAction, type LineEditorState } from '../../../src/ui/hooks/use-line-editor.js';

const run = (actions: EditorAction[], from: LineEditorState = emptyEditor): LineEditorState =>
  actions.reduce(lineEditorReducer, from);
const at = (text: string, cursor: number): LineEditorState => ({ text, cursor, killed: '' });

describe('lineEditorReducer', () => {
  it('inserts at the cursor and moves it', () => {
    const s = run([{ type: 'insert', text: '::kmast' }, { type: 'left' }, { type: 'left' }, { type: 'insert', text: 'X' }]);
    expect(s).toMatchObject({ text: '::kmaXst', cursor: 6 });
  });

  it('moves home/end and stops at the edges', () => {
    const s = at('abc', 1);
    expect(lineEditorReducer(s, { type: 'home' }).cursor).toBe(0);
    expect(lineEditorReducer(s, { type: 'end' }).cursor).toBe(3);
    expect(lineEditorReducer(at('abc', 0), { type: 'left' }).cursor).toBe(0);
    expect(lineEditorReducer(at('abc', 3), { type: 'right' }).cursor).toBe(3);
  });

  it('backspace removes before the cursor, delete under it', () => {
    expect(lineEditorReducer(at('abc', 2), { type: 'backspace' })).toMatchObject({ text: 'ac', cursor: 1 });
    expect(lineEditorReducer(at('abc', 1), { type: 'delete' })).toMatchObject({ text: 'ac', cursor: 1 });
    expect(lineEditorReducer(at('abc', 0), { type: 'backspace' })).toMatchObject({ text: 'abc', cursor: 0 });
    expect(lineEditorReducer(at('abc', 3), { type: 'delete' })).toMatchObject({ text: 'abc', cursor: 3 });
  });

  it('^U kills everything before the cursor, ^K everything after, ^Y yanks it back', () => {
    const killed = lineEditorReducer(at('::walk kmem', 7), { type: 'killLine' });
    expect(killed).toMatchObject({ text: 'kmem', cursor: 0, killed: '::walk ' });
    expect(lineEditorReducer(killed, { type: 'yank' })).toMatchObject({ text: '::walk kmem', cursor: 7 });
    expect(lineEditorReducer(at('::walk kmem', 7), { type: 'killToEnd' })).toMatchObject({ text: '::walk ', cursor: 7 });
  });

  it('^W kills the whitespace-delimited word before the cursor', () => {
    const s = at('::walk kmem_cache | ::kmastat', 29);
    expect(lineEditorReducer(s, { type: 'killWord' })).toMatchObject({ text: '::walk kmem_cache | ', cursor: 20 });
    expect(lineEditorReducer(at('::walk   ', 9), { type: 'killWord' })).toMatchObject({ text: '', cursor: 0 });
  });

  it('word motions skip whitespace then a word', () => {
    expect(lineEditorReducer(at('a bb  ccc', 9), { type: 'wordLeft' }).cursor).toBe(6);
    expect(lineEditorReducer(at('a bb  ccc', 0), { type: 'wordRight' }).cursor).toBe(1);
    expect(lineEditorReducer(at('a bb  ccc', 1), { type: 'wordRight' }).cursor).toBe(4);
  });

  it('never splits a surrogate pair', () => {
    const s = run([{ type: 'insert', text: 'a😀' }]);
    expect(lineEditorReducer(s, { type: 'backspace' })).toMatchObject({ text: 'a', cursor: 1 });
    expect(lineEditorReducer(s, { type: 'left' }).cursor).toBe(1);
  });

  it('keeps newlines out of the line', () => {
    expect(run([{ type: 'insert', text: 'a\r\nb' }]).text).toBe('ab');
  });

  const action: fc.Arbitrary<EditorAction> = fc.oneof(
    fc.string({ maxLength: 5 }).map((text) => ({ type: 'insert' as const, text })),
    fc.constantFrom(
      ...(['left', 'right', 'wordLeft', 'wordRight', 'home', 'end', 'backspace', 'delete', 'killLine', 'killToEnd', 'killWord', 'yank', 'clear'] as const),
    ).map((type) => ({ type }) as EditorAction),
  );

  it('keeps the cursor inside the text for any key sequence', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        let s = emptyEditor;
        for (const a of actions) {
          s = lineEditorReducer(s, a);
          expect(s.cursor).toBeGreaterThanOrEqual(0);
          expect(s.cursor).toBeLessThanOrEqual(s.text.length);
        }
      }),
    );
  });

  it('insert then as many backspaces restores the line', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.nat(10), fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), (text, pos, ins) => {
        const start = at(text, Math.min(pos, text.length));
        let s = lineEditorReducer(start, { type: 'insert', text: ins });
        for (let i = 0; i < ins.length; i++) s = lineEditorReducer(s, { type: 'backspace' });
        expect(s).toMatchObject({ text: start.text, cursor: start.cursor });
      }),
    );
  });
});
