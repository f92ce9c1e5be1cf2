// A canned DebugSession for the REPL tests: no dump, no engine, just the
// shapes the real engine returns.
//   ::echo N [E] N lines "line 1" .. "line N" (E: plus an error line)
//   ::stream N   streams "line 1" .. "line N" through onOutput, one a turn,
//                asking opts.hold() before each as the engine does (produced counts them)
//   ::sleep MS   replies after MS milliseconds with "slept"
//   ::err        an unknown-dcmd error line
//   ::both       one output line and one error line
//   ::slow       waits until aborted, then replies "mdb: interrupted"
//   ::hang       never replies, even when aborted
//   ::throw      execute() throws (breaking the contract)
//   ::junk       execute() resolves to garbage
//   ::ddb        switches the prompt to "db> "
//   $q, ::quit   quit
// Completion offers the dcmd names below for the word at the end of the line.
import type { DebugSession, ExecOptions, ExecResult, SessionInfo } from '../../src/mdb/api.js';

export const FAKE_DCMDS = ['both', 'echo', 'err', 'kmastat', 'kmausers', 'kmem_cache', 'quit', 'slow', 'status', 'walk'];

function result(partial: Partial<ExecResult>): ExecResult {
  return { output: '', errors: [], json: [], ok: true, quit: false, ...partial };
}

export class FakeSession implements DebugSession {
  readonly info: SessionInfo = {
    path: 'dumps/fake.dump',
    hostname: 'testhost',
    os: 'illumos',
    kernelVersion: '5.11',
    panic: 'kernel heap corruption detected',
  };
  readonly lines: string[] = [];
  readonly signals: AbortSignal[] = [];
  /** lines ::stream has produced so far */
  produced = 0;
  private promptText = '> ';

  prompt(): string {
    return this.promptText;
  }

  complete(line: string): string[] {
    const word = /(?:::)?([\w]*)$/.exec(line)?.[1] ?? '';
    return FAKE_DCMDS.filter((d) => d.startsWith(word));
  }

  async execute(line: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.lines.push(line);
    if (opts.signal) this.signals.push(opts.signal);
    const [cmd, arg] = line.trim().split(/\s+/);
    switch (cmd) {
      case '::echo': {
        const n = Number(arg ?? '1');
        let output = '';
        for (let i = 1; i <= n; i++) output += `line ${i}\n`;
        const errors = line.trim().split(/\s+/)[2] === 'E' ? ['mdb: echo: trailing error'] : [];
        return result({ output, errors, ok: errors.length === 0 });
      }
      case '::stream': {
        const n = Number(arg ?? '1');
        this.produced = 0;
        for (let i = 1; i <= n; i++) {
          const held = opts.hold?.();
          if (held) await held;
          if (opts.signal?.aborted) return result({ ok: false, errors: ['mdb: interrupted'] });
          opts.onOutput?.(`line ${i}\n`);
          this.produced = i;
          await new Promise((r) => setImmediate(r));
        }
        return result({});
      }
      case '::err':
        return result({ ok: false, errors: ["mdb: invalid command '::err': unknown dcmd name"] });
      case '::both':
        return result({ ok: false, output: 'some output\n', errors: ['mdb: both: something failed'] });
      case '::slow':
        return new Promise((resolve) => {
          const signal = opts.signal;
          if (signal === undefined) return;
          const done = () => resolve(result({ ok: false, errors: ['mdb: interrupted'] }));
          if (signal.aborted) done();
          else signal.addEventListener('abort', done, { once: true });
        });
      case '::sleep':
        await new Promise((r) => setTimeout(r, Number(arg ?? '0')));
        return result({ output: 'slept\n' });
      case '::hang':
        return new Promise(() => {});
      case '::throw':
        throw new Error('engine exploded');
      case '::junk':
        return { output: 42, errors: 'nope' } as unknown as ExecResult;
      case '::ddb':
        this.promptText = 'db> ';
        return result({});
      case '$q':
      case '::quit':
        return result({ quit: true });
      case undefined:
        return result({});
      default:
        return result({ ok: false, errors: [`mdb: invalid command '${cmd}': unknown dcmd name`] });
    }
  }
}
