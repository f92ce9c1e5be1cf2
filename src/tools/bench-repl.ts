/*
 * Frame-time benchmark for the REPL: is typing still instant with a large
 * scrollback behind it?
 *
 * It mounts the real <App> (not ink's debug mode: the same render path as a
 * terminal) on fake streams, 100 columns by 30 rows, with a canned session.
 * First 100 000 rows go to the scrollback the way a user would put them there
 * (`::echo 100000`, then `c` at the pager), then 300 short commands add as
 * many <Static> items. Then it types a command key by key and runs it, and
 * measures each key's frame: the synchronous work of handling the key (React
 * commit, layout, ink's render and write) plus any ink render deferred by its
 * frame-rate throttle. Target (issue): no frame over 50 ms.
 *
 *   node dist/tools/bench-repl.js
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { createElement } from 'react';
import { render } from 'ink';
import type { DebugSession, ExecResult } from '../mdb/api.js';
import { App } from '../ui/app.js';

const COLUMNS = 100;
const ROWS = 30;
const BULK_LINES = 100_000;
const SMALL_COMMANDS = 300;
const SMALL_LINES = 5;

/** Enough of a TTY for ink: size, isTTY, write. */
class FakeTty extends EventEmitter {
  readonly isTTY = true;
  readonly columns = COLUMNS;
  readonly rows = ROWS;
  bytes = 0;
  write(data: string): boolean {
    this.bytes += data.length;
    return true;
  }
}

/** A stdin in raw mode, fed by write(); ink pulls chunks with read(). */
class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private pending: string[] = [];
  write(data: string): void {
    this.pending.push(data);
    this.emit('readable');
  }
  read(): string | null {
    return this.pending.shift() ?? null;
  }
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
}

/** `::echo N` prints N rows; `$q` quits. */
function benchSession(): DebugSession {
  const done = (partial: Partial<ExecResult>): ExecResult => ({ output: '', errors: [], json: [], ok: true, quit: false, ...partial });
  return {
    info: { path: 'bench.dump', hostname: 'bench', os: 'illumos', kernelVersion: '5.11', panic: null },
    prompt: () => '> ',
    complete: () => [],
    async execute(line) {
      const [cmd, arg] = line.trim().split(/\s+/);
      if (cmd === '$q') return done({ quit: true });
      if (cmd !== '::echo') return done({});
      const n = Number(arg ?? '0');
      const rows = new Array<string>(n);
      for (let i = 0; i < n; i++) rows[i] = `ffffff000${(0x1000 + i).toString(16).padStart(7, '0')} kmem_alloc_32 row ${i}`;
      return done({ output: rows.join('\n') + '\n' });
    },
  };
}

const macrotask = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ReplFrameReport {
  /** worst per-key frame while typing after the scrollback filled */
  maxFrameMs: number;
  /** rows of output in the scrollback before typing started */
  lines: number;
  /** worst single ink render (onRender's renderTime) in the typing phase */
  maxInkRenderMs: number;
  /** how long `c` took to print the 100 000-row remainder */
  bulkFlushMs: number;
  keys: number;
}

export async function benchReplDetailed(): Promise<ReplFrameReport> {
  const stdout = new FakeTty();
  const stderr = new FakeTty();
  const stdin = new FakeStdin();
  let renderLog: number[] = [];
  const instance = render(createElement(App, { session: benchSession(), historyFile: null }), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    onRender: ({ renderTime }) => renderLog.push(renderTime),
  });
  const type = async (chunk: string, settleMs = 0): Promise<void> => {
    stdin.write(chunk);
    await macrotask(settleMs);
  };

  // 1. 100 000 rows, paged, then `c`
  await type('::echo ' + BULK_LINES);
  await type('\r', 50);
  const before = stdout.bytes;
  const t0 = performance.now();
  await type('c');
  // the remainder goes out in one raw write; wait for it (each row is > 30 bytes)
  while (stdout.bytes - before < BULK_LINES * 30 && performance.now() - t0 < 60_000) await macrotask();
  const bulkFlushMs = performance.now() - t0;
  await macrotask(50);
  // 2. many small <Static> items
  for (let i = 0; i < SMALL_COMMANDS; i++) {
    await type(`::echo ${SMALL_LINES}`);
    await type('\r');
    await macrotask();
  }
  await macrotask(50);

  // 3. type a command key by key, then run it
  const keys = [...'::echo 3 and some more typing to make a long line'].concat(['\x7f', '\x7f', '\x1b[D', '\x1b[H', '\x05', '\x15', ...'::echo 3', '\r']);
  let maxFrameMs = 0;
  let maxInkRenderMs = 0;
  for (const key of keys) {
    renderLog = [];
    const start = performance.now();
    stdin.write(key);
    const sync = performance.now() - start;
    // ink throttles renders to 30 fps; let a deferred one happen and count it
    await macrotask(40);
    const deferred = renderLog.reduce((a, b) => a + b, 0);
    maxFrameMs = Math.max(maxFrameMs, sync + deferred);
    maxInkRenderMs = Math.max(maxInkRenderMs, ...renderLog, 0);
  }

  await type('$q\r', 50);
  instance.unmount();
  return {
    maxFrameMs,
    lines: BULK_LINES + SMALL_COMMANDS * SMALL_LINES,
    maxInkRenderMs,
    bulkFlushMs,
    keys: keys.length,
  };
}

/** The figure the issue asks for: worst frame while typing, and the scrollback size behind it. */
export async function benchReplFrames(): Promise<{ maxFrameMs: number; lines: number }> {
  const { maxFrameMs, lines } = await benchReplDetailed();
  return { maxFrameMs, lines };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchReplDetailed();
  process.stdout.write(
    `repl frames: ${r.keys} keys typed over ${r.lines} rows of scrollback: ` +
      `max frame ${r.maxFrameMs.toFixed(1)} ms (max ink render ${r.maxInkRenderMs.toFixed(1)} ms); ` +
      `printing the ${BULK_LINES}-row remainder took ${r.bulkFlushMs.toFixed(0)} ms\n`,
  );
}
