/*
 * The layering is the architecture: the debugger reads only dumps, the
 * simulator is pure, ink stays in the interactive shell.
 *   sim  -> dump           mdb -> dump         dump -> (nothing)
 *   ui   -> mdb (its API)  cli -> anything     tools -> anything
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (/\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

const SRC = path.resolve('src');
const layer = (file: string): string => path.relative(SRC, file).split(path.sep)[0]!;

/** (file, imported layer or package) for every import in src/ */
function imports(): Array<{ file: string; from: string; target: string }> {
  const out: Array<{ file: string; from: string; target: string }> = [];
  for (const f of files(SRC)) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = (m[1] ?? m[2])!;
      const target = spec.startsWith('.') ? layer(path.resolve(path.dirname(f), spec)) : spec.split('/')[0]!;
      out.push({ file: path.relative(SRC, f), from: layer(f), target });
    }
  }
  return out;
}

const ALLOWED: Record<string, (t: string) => boolean> = {
  dump: (t) => t === 'dump' || t.startsWith('node:'),
  sim: (t) => t === 'sim' || t === 'dump' || t === 'yaml' || t.startsWith('node:'),
  mdb: (t) => t === 'mdb' || t === 'dump',
  ui: (t) => t === 'ui' || t === 'mdb' || t === 'ink' || t === 'react' || t.startsWith('node:'),
  cli: () => true,
  tools: () => true,
};

describe('architecture', () => {
  const all = imports();

  it('each layer imports only what it may', () => {
    const bad = all.filter((i) => !(ALLOWED[i.from] ?? (() => false))(i.target)).map((i) => `${i.file} imports ${i.target}`);
    expect(bad).toEqual([]);
  });

  it('the debugger never imports the simulator', () => {
    expect(all.filter((i) => i.from === 'mdb' && i.target === 'sim')).toEqual([]);
  });

  it('in sim/ only the scenario loader touches files', () => {
    const io = all.filter((i) => i.from === 'sim' && i.target.startsWith('node:')).map((i) => i.file);
    expect([...new Set(io)].sort()).toEqual(['sim/scenario/load.ts']);
  });

  it('ink and react are loaded only by the interactive path (ui/, and cli/repl.ts lazily)', () => {
    const users = all.filter((i) => i.target === 'ink' || i.target === 'react').map((i) => i.file);
    expect(users.filter((f) => !f.startsWith('ui' + path.sep) && !f.startsWith('tools' + path.sep) && f !== path.join('cli', 'repl.ts'))).toEqual([]);
    const repl = fs.readFileSync(path.join(SRC, 'cli', 'repl.ts'), 'utf8');
    expect(repl).not.toMatch(/^import[^(]*from\s+['"](ink|react)['"]/m);
  });

  it('no wall clock and no Math.random in the simulator or the debugger', () => {
    const offenders: string[] = [];
    for (const f of [...files(path.join(SRC, 'sim')), ...files(path.join(SRC, 'mdb'))]) {
      const text = fs.readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/Math\.random|Date\.now|new Date\(\)|performance\.now|process\.hrtime/.test(text)) offenders.push(path.relative(SRC, f));
    }
    expect(offenders).toEqual([]);
  });

  it('the top level of the repository is exactly what DEVELOPERS.md allows', () => {
    // what git tracks (local scratch files are not the repository)
    const r = spawnSync('git', ['ls-files'], { encoding: 'utf8' });
    const names = r.status === 0 ? r.stdout.split('\n').filter(Boolean) : fs.readdirSync('.');
    const tracked = [...new Set(names.map((n) => n.split('/')[0]!))].filter((n) => !['node_modules', 'dist', '.git'].includes(n));
    const allowed = ['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'dumps', 'commands', 'test', 'README.md', '.ci', '.gitignore'];
    expect(tracked.filter((n) => !allowed.includes(n))).toEqual([]);
  });
});
