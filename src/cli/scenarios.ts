/*
 * `mddb scenarios`: the built-in scenarios, their parameters and fixes.
 */
import { builtinNames, parseScenario, resolveScenario } from '../sim/scenario/load.js';
import { sectionsOf } from '../sim/scenario/schema.js';

export function listScenarios(verbose: boolean): string {
  const out: string[] = [];
  for (const name of builtinNames()) {
    const { file, text } = resolveScenario(name);
    const sc = parseScenario(text, file);
    out.push(`${sc.name}`);
    out.push(`  title:  ${sc.title}`);
    const build = sc.os === 'illumos' ? (sc.kernel.debug ? 'DEBUG' : 'non-DEBUG') : sc.kernel.invariants ? 'INVARIANTS' : 'GENERIC';
    out.push(`  os:     ${sc.os} (${sc.kernel.platform}, ${build} kernel, ${sc.kernel.ncpus} CPUs, ${sc.kernel.physmem_mb} MB)`);
    out.push(`  seed:   ${sc.seed}`);
    out.push('  parameters (override with --set SECTION.KEY=VALUE):');
    for (const [sec, s] of Object.entries(sectionsOf(sc.os, (sc as { era?: number }).era))) {
      const vals = sc[sec as keyof typeof sc] as unknown as Record<string, unknown>;
      if (verbose) {
        out.push(`    ${sec}: ${s.doc}`);
        for (const [k, f] of Object.entries(s.fields)) out.push(`      ${`${k} = ${String(vals[k])}`.padEnd(30)} ${f.type}; ${f.doc}`);
      } else {
        out.push(`    ${sec}: ${Object.entries(vals).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
      }
    }
    out.push('  fixes (switch on with --fix NAME):');
    for (const [f, d] of Object.entries(sc.fixes)) out.push(`    ${f}  ${d}`);
    out.push('');
  }
  return out.join('\n');
}
