/*
 * The simulate and scenarios commands as a user runs them: the real binary.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = path.resolve('dist/cli/main.js');
function mddb(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-sim-'));

describe('mddb scenarios', () => {
  it('lists the built-in scenarios with title, OS, parameters and fixes', () => {
    const r = mddb('scenarios');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^freebsd-2004-uma-looping\n  title: /);
    expect(r.stdout).toContain('os:     freebsd (i386, INVARIANTS kernel, 2 CPUs, 64 MB)');
    expect(r.stdout).toContain('slabzone-exempt  uma_zone_slab:');
    expect(r.stdout).toMatch(/\nillumos-2911\n  title: +blkdev-related panic on DEBUG kernels/);
    expect(r.stdout).toContain('os:     illumos (i86pc, DEBUG kernel, 4 CPUs, 256 MB)');
    expect(r.stdout).toContain('kernel: platform=i86pc');
    expect(r.stdout).toContain('679ac15  blkdev: bd_xfer_ctor');
  });
});

describe('mddb simulate', () => {
  it('reports the panic exactly as illumos prints it and writes the dump', () => {
    const d = tmp();
    const out = path.join(d, '2911.dump');
    const r = mddb('simulate', 'illumos-2911', '-o', out);
    expect(r.status).toBe(3);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^scenario:  illumos-2911 \(seed 2911, fixes: none\)\noutcome:   panic\n/);
    expect(r.stdout).toMatch(
      /\nconsole:   panic\[cpu\d\]\/thread=[0-9a-f]{16}: assertion failed: rc == -1, file: \.\.\/\.\.\/common\/os\/kmem\.c, line: 2598\n/,
    );
    expect(r.stdout).toMatch(/blkdev\d_xfer alloc fail +[1-9]/);
    expect(r.stdout).toContain(`dump:      ${out} (crash dump,`);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(fs.readFileSync(out).subarray(0, 8).toString()).toBe('MDDBDUMP');
  });

  it('names a bad scenario or fix before an existing output file', () => {
    const d = tmp();
    const out = path.join(d, 'x.dump');
    fs.writeFileSync(out, 'precious');
    expect(mddb('simulate', 'nope', '-o', out).stderr).toMatch(/^mddb: unknown scenario 'nope'/);
    expect(mddb('simulate', 'illumos-2911', '--fix', 'deadbeef', '-o', out).stderr).toMatch(/^mddb: unknown fix 'deadbeef'/);
    expect(fs.readFileSync(out, 'utf8')).toBe('precious');
  });

  it('never replaces an existing file without --force', () => {
    const d = tmp();
    const out = path.join(d, 'x.dump');
    fs.writeFileSync(out, 'precious');
    const r = mddb('simulate', 'illumos-2911', '-o', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mddb: ${out} exists (use --force to replace it)\n`);
    expect(fs.readFileSync(out, 'utf8')).toBe('precious');
    expect(mddb('simulate', 'illumos-2911', '-q', '--force', '-o', out).status).toBe(3);
    expect(fs.readFileSync(out).subarray(0, 8).toString()).toBe('MDDBDUMP');
  });

  it.each([
    [['simulate', 'nope'], "mddb: unknown scenario 'nope' (built-in scenarios: freebsd-2004-uma-looping, freebsd-248008-btalloc, illumos-2911, illumos-corruption, illumos-leak)\n"],
    [['simulate', 'illumos-2911', '--fix', 'deadbeef'], "mddb: unknown fix 'deadbeef' for scenario illumos-2911 (known: 679ac15)\n"],
    [['simulate', 'illumos-2911', '--set', 'kernel.debug=maybe'], "mddb: --set kernel.debug=maybe: kernel.debug: expected true or false, got 'maybe'\n"],
    [['simulate', 'illumos-2911', '--set', 'kernel.cpus=2'], "mddb: --set kernel.cpus=2: unknown key 'kernel.cpus' (see 'mddb scenarios -v')\n"],
    [['simulate', 'illumos-2911', '--set', 'nonsense'], 'mddb: --set nonsense: expected key=value (e.g. --set kernel.debug=false)\n'],
    [['simulate', 'illumos-2911', '--seed', 'x'], 'mddb: --seed x: expected an integer from 0 to 4294967295\n'],
  ])('bad input %j is one line on stderr and status 2', (args, msg) => {
    const r = mddb(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(msg);
    expect(r.stdout).toBe('');
  });

  it('a broken scenario file names its file, line and key', () => {
    const d = tmp();
    const f = path.join(d, 'mine.yaml');
    fs.writeFileSync(f, 'name: mine\ntitle: t\nos: illumos\nkernel:\n  ncpus: lots\n');
    const r = mddb('simulate', f);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mddb: ${f}:5:3: kernel.ncpus: expected a number, got 'lots'\n`);
  });
});
