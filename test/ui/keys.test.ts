import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeKeys } from '../../src/ui/keys.js';

describe('decodeKeys', () => {
  it('keeps a printable run as one text event', () => {
    expect(decodeKeys('::kmastat -v')).toEqual([{ kind: 'text', text: '::kmastat -v' }]);
  });

  it('splits a pasted chunk at carriage returns', () => {
    expect(decodeKeys('::status\r::kmastat\r')).toEqual([
      { kind: 'text', text: '::status' },
      { kind: 'enter' },
      { kind: 'text', text: '::kmastat' },
      { kind: 'enter' },
    ]);
  });

  it('counts CRLF as one Enter and LF as Enter', () => {
    expect(decodeKeys('a\r\nb\n')).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'enter' },
      { kind: 'text', text: 'b' },
      { kind: 'enter' },
    ]);
  });

  it('tells Backspace (DEL, ^H) from the Delete key', () => {
    expect(decodeKeys('\x7f')).toEqual([{ kind: 'backspace' }]);
    expect(decodeKeys('\b')).toEqual([{ kind: 'backspace' }]);
    expect(decodeKeys('\x1b[3~')).toEqual([{ kind: 'delete' }]);
  });

  it('maps arrows, home/end in their CSI and SS3 forms', () => {
    expect(decodeKeys('\x1b[A\x1bOB\x1b[C\x1b[D')).toEqual([
      { kind: 'up' },
      { kind: 'down' },
      { kind: 'right' },
      { kind: 'left' },
    ]);
    expect(decodeKeys('\x1b[H\x1bOF\x1b[1~\x1b[4~').map((e) => e.kind)).toEqual(['home', 'end', 'home', 'end']);
  });

  it('maps the emacs control keys', () => {
    expect(decodeKeys('\x01\x05\x15\x17\x0b\x03\x04\t\x10\x0e\x19').map((e) => e.kind)).toEqual([
      'home',
      'end',
      'killLine',
      'killWord',
      'killToEnd',
      'interrupt',
      'eof',
      'tab',
      'up',
      'down',
      'yank',
    ]);
  });

  it('drops unknown escape sequences such as bracketed-paste markers', () => {
    expect(decodeKeys('\x1b[200~::status\x1b[201~')).toEqual([{ kind: 'text', text: '::status' }]);
    expect(decodeKeys('\x1b[15~')).toEqual([]);
  });

  it('reports a lone ESC and meta-word motions', () => {
    expect(decodeKeys('\x1b')).toEqual([{ kind: 'escape' }]);
    expect(decodeKeys('\x1bb\x1bf\x1b[1;5D').map((e) => e.kind)).toEqual(['wordLeft', 'wordRight', 'wordLeft']);
  });

  it('never yields control characters inside text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        for (const ev of decodeKeys(s)) {
          if (ev.kind === 'text') expect(ev.text).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
        }
      }),
    );
  });
});
