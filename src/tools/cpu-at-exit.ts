/*
 * Preloaded into a benchmark's child process (`node --import
 * dist/tools/cpu-at-exit.js ...`): at exit, writes the process's CPU time
 * (user + system, ms) to the file named by MDDB_BENCH_CPU_FILE. The machine
 * the benchmarks run on is shared, so a child's wall time measures the other
 * work as much as ours; its CPU time does not.
 */
import fs from 'node:fs';

const file = process.env['MDDB_BENCH_CPU_FILE'];
if (file) {
  process.on('exit', () => {
    const u = process.cpuUsage();
    fs.writeFileSync(file, String((u.user + u.system) / 1000));
  });
}
