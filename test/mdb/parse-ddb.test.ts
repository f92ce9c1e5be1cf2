// The ddb grammar (parse/ddb.ts): words looked up in the registry with
// unique-prefix abbreviation, modifiers and counts turned into the same AST
// the mdb grammar produces, and errors that are always the debugger's own.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError, DdbError } from '../../src/mdb/errors.js';
import { ddbTable, parseDdbCommand, parseDdbLine } from '../../src/mdb/parse/ddb.js';
import { freebsdSession } from './modules/freebsd/fixture.js';

const session = freebsdSession(true);
const reg = session.registry;

describe('ddb command lookup', () => {
  it('maps ddb words to the registry dcmds that declare them', () => {
    const name = (t: string) => {
      const v = parseDdbCommand(t, reg).verb;
      return v.kind === 'dcmd' ? v.name : v.kind;
    };
    expect(name('show uma')).toBe('uma');
    expect(name('bt')).toBe('trace');
    expect(name('trace')).toBe('trace');
    expect(name('where')).toBe('trace');
    expect(name('ps')).toBe('ps');
    expect(name('show all procs')).toBe('ps');
    expect(name('show all trace')).toBe('alltrace');
    expect(name('alltrace')).toBe('alltrace');
    expect(name('show thread')).toBe('thread');
    expect(name('show threads')).toBe('threads');
    expect(name('show pcpu')).toBe('pcpu');
    expect(name('show allpcpu')).toBe('allpcpu');
    expect(name('show panic')).toBe('panicinfo');
    expect(name('show msgbuf')).toBe('msgbuf');
    expect(name('help')).toBe('ddbhelp');
    expect(name('x/gx 0,4')).toBe('format');
  });

  it('takes a unique prefix of each word, and an exact word over longer ones', () => {
    const v = parseDdbCommand('sh pa', reg).verb;
    expect(v).toEqual({ kind: 'dcmd', name: 'panicinfo', args: [] });
    // an exact word beats the longer one it prefixes: uma over umacache
    expect(parseDdbCommand('sh uma', reg).verb).toMatchObject({ name: 'uma' });
    expect(parseDdbCommand('show thread', reg).verb).toMatchObject({ name: 'thread' });
    expect(parseDdbCommand('sh all pr', reg).verb).toMatchObject({ name: 'ps' });
    expect(parseDdbCommand('show allp', reg).verb).toMatchObject({ name: 'allpcpu' });
  });

  it('says No such command and Ambiguous in ddb words', () => {
    expect(() => parseDdbCommand('frobnicate', reg)).toThrow(new DdbError('No such command; use "help" to list available commands'));
    expect(() => parseDdbCommand('show thr', reg)).toThrow(new DdbError('Ambiguous'));
    expect(() => parseDdbCommand('sh u', reg)).toThrow(new DdbError('Ambiguous'));
    expect(() => parseDdbCommand('show al', reg)).toThrow(new DdbError('Ambiguous'));
    expect(new DdbError('Ambiguous').line()).toBe('Ambiguous');
  });

  it('lists a command table for a table without its subcommand, for "help" as the subcommand, and ignores what follows help', () => {
    const list = (args: string[]) => ({ kind: 'dcmd', name: 'ddbhelp', args: args.map((value) => ({ kind: 'str', value })) });
    expect(parseDdbCommand('show', reg).verb).toEqual(list(['-r', '-t', 'show']));
    expect(parseDdbCommand('sh all', reg).verb).toEqual(list(['-r', '-t', 'show all']));
    expect(parseDdbCommand('show help', reg).verb).toEqual(list(['-t', 'show']));
    expect(parseDdbCommand('show all helpme', reg).verb).toEqual(list(['-t', 'show all']));
    expect(parseDdbCommand('help show', reg).verb).toEqual(list([]));
    expect(() => parseDdbCommand('show frob', reg)).toThrow(new DdbError('No such command; use "help" to list available commands'));
  });

  it('turns modifiers into the arguments the dcmd declares and ignores other letters, as strchr(modif, ...) does', () => {
    expect(parseDdbCommand('show uma/i', reg).verb).toEqual({ kind: 'dcmd', name: 'uma', args: [{ kind: 'str', value: '-i' }] });
    expect(parseDdbCommand('show uma/q', reg).verb).toEqual({ kind: 'dcmd', name: 'uma', args: [] });
    expect(parseDdbCommand('show uma/qii', reg).verb).toEqual({ kind: 'dcmd', name: 'uma', args: [{ kind: 'str', value: '-i' }] });
  });

  it('parses the address in radix 16 with 0t and 0o prefixes, and passes bt its count', () => {
    const inv = parseDdbCommand('bt 100045,3', reg);
    expect(inv.addr).toEqual({ kind: 'num', value: 0x100045n });
    expect(inv.verb).toMatchObject({ name: 'trace', args: [{ kind: 'str', value: '-n' }, { kind: 'expr', expr: { kind: 'num', value: 3n } }] });
    expect(parseDdbCommand('bt 0t10', reg).addr).toEqual({ kind: 'num', value: 10n });
    expect(parseDdbCommand('bt 0o17', reg).addr).toEqual({ kind: 'num', value: 15n });
  });

  it('makes x/FMT addr,n the format verb carrying db_examine_format', () => {
    expect(parseDdbCommand('x/gx 0xc1000000,4', reg)).toEqual({
      addr: { kind: 'num', value: 0xc1000000n },
      verb: { kind: 'format', space: '/', items: [], values: [], examine: { format: 'gx', count: 4 } },
    });
    expect(parseDdbCommand('x/gx c1000000', reg).addr).toMatchObject({ number: 0xc1000000n });
    // db_examine_format starts as "x"
    expect(parseDdbCommand('x 0', reg).verb).toMatchObject({ examine: { format: 'x', count: 1 } });
    // the whole identifier is the format, letters the command does not know included
    expect(parseDdbCommand('x/bhdq 0', reg).verb).toMatchObject({ examine: { format: 'bhdq', count: 1 } });
    // the modifier must be an identifier (db_lex): x/5 is a number, x/ alone nothing
    expect(() => parseDdbCommand('x/5 0', reg)).toThrow(new DdbError('Bad modifier'));
    expect(() => parseDdbCommand('x/ 0', reg)).toThrow(new DdbError('Bad modifier'));
    expect(() => parseDdbCommand('show uma/', reg)).toThrow(new DdbError('Bad modifier'));
  });

  it('keeps db_examine_format between x commands: an x without modifiers reuses the last ones', () => {
    const st = { examineFormat: 'x' };
    expect(parseDdbCommand('x 0', reg, 16, st).verb).toMatchObject({ examine: { format: 'x' } });
    parseDdbCommand('x/bx 0', reg, 16, st);
    expect(parseDdbCommand('x 0', reg, 16, st).verb).toMatchObject({ examine: { format: 'bx' } });
  });

  it('splits a line on ; and reports each command separately', () => {
    const r = parseDdbLine('show uma; nope; bt', reg);
    expect(r.map((c) => c.ok)).toEqual([true, false, true]);
  });

  it('builds its table from the registry once', () => {
    expect(ddbTable(reg)).toBe(ddbTable(reg));
    expect([...ddbTable(reg).children.keys()].sort()).toEqual(expect.arrayContaining(['alltrace', 'bt', 'help', 'p', 'print', 'ps', 'show', 'trace', 'where', 'x', 'examine']));
  });
});

describe('the ddb parser on arbitrary lines', () => {
  const PIECES = ['show', ' ', 'uma', 'all', 'procs', 'bt', 'x', '/', 'gx', ',', '0t', '0o', 'c1000000', 'zone_clust', '*', '(', ')', '$', ';', 'th', '+', '-', 'help', 'p'];
  const line = fc.oneof(
    fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((a) => a.join('')),
    fc.string({ maxLength: 40 }),
  );

  it('never throws: every failure is a ParseError value', () => {
    fc.assert(
      fc.property(line, (l) => {
        for (const c of parseDdbLine(l, reg)) if (!c.ok) expect(c.error).toBeInstanceOf(ParseError);
      }),
      { numRuns: 500 },
    );
  });

  it('executes any line to one-line errors, never an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(line, async (l) => {
        const r = await session.execute(l);
        for (const e of r.errors) {
          expect(e).not.toMatch(/internal error/);
          expect(e).not.toContain('\n');
        }
      }),
      { numRuns: 200 },
    );
  });
});
