/*
 * The REPL's behaviour: keys in, commands run, output printed.
 *
 * Modes:
 *   prompt   keys edit the line; Enter runs it
 *   busy     a command runs; ^C interrupts it, other keys wait as type-ahead
 *   pager    a long output waits at ">> More"; keys page it
 *   exiting  $q, ::quit or ^D: the live area goes away and ink exits
 *
 * The state sits in refs and is published to React once per input chunk or
 * engine reply: one chunk can hold many keys (a paste, type-ahead), and each
 * must see the previous one's effect before any render. Keys that follow an
 * Enter in the same chunk wait until the command and its pager are done, so
 * a pasted "::a\r::b\r" runs ::a, pages it if needed, then runs ::b, and the
 * paste never feeds the pager.
 *
 * ^C: at the prompt it clears the line, or, on an empty line, shows how to
 * leave (mdb ignores it there). While a command runs it aborts the signal
 * passed to execute(); the engine replies "mdb: interrupted". An engine that
 * does not reply within `cancelGraceMs`, or a second ^C, detaches the command:
 * the REPL prints the same line itself and drops the late reply.
 */
import { useEffect, useRef, useState } from 'react';
import { useApp, useStdout } from 'ink';
import type { DebugSession } from '../../mdb/api.js';
import { applyCompletion, formatColumns } from '../completion.js';
import { headerText } from '../header.js';
import { decodeKeys, type KeyEvent } from '../keys.js';
import { needsPager, pagerKeysOf, pagerStart, pagerStep, type PagerEnd, type PagerState } from '../pager-state.js';
import { safeComplete, safeExecute, safeInfo, safePrompt, type ShownResult } from '../safe-session.js';
import { toScreenRows } from '../screen-rows.js';
import { RAW_WRITE_ROWS, type ScrollChunk, type ScrollItem } from '../scrollback.js';
import { useHistory } from './use-history.js';
import { useLineEditor, type EditorAction, type LineEditorState } from './use-line-editor.js';
import { useRawInput } from './use-raw-input.js';
import { useTerminalSize } from './use-terminal-size.js';
import { useScrollback } from './use-scrollback.js';
import { suspendProcess } from '../suspend.js';
import { terminalOwner } from '../terminal-owner.js';

export type ReplMode = 'prompt' | 'busy' | 'pager' | 'exiting';

export const INTERRUPT_HINT = 'To leave, type $q or ::quit, or press ^D on an empty line.';
export const INTERRUPTED = 'mdb: interrupted';

export interface ReplOptions {
  session: DebugSession;
  /** null: history lives in memory only */
  historyFile: string | null;
  /** terminal size overrides (tests); default: the stdout's size, tracked on resize */
  rows?: number;
  columns?: number;
  /** delay before the "working…" indicator appears */
  busyDelayMs: number;
  /** colour is on: dcmds highlight (alloc fail, usage bars) and SGR sequences are shown */
  color?: boolean;
  /** how long an interrupted command may take to reply before it is detached */
  cancelGraceMs: number;
}

export interface ReplView {
  readonly mode: ReplMode;
  readonly prompt: string;
  readonly editor: LineEditorState;
  readonly showBusy: boolean;
  readonly hint: string | null;
  readonly items: readonly ScrollItem[];
  readonly columns: number;
}

interface Running {
  readonly id: number;
  readonly ac: AbortController;
  cancelled: boolean;
  busyTimer: ReturnType<typeof setTimeout> | undefined;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** the command waits here while the pager holds it (a screenful ahead of the user) */
  gate: { promise: Promise<void>; open: () => void } | null;
}

interface Paging {
  state: PagerState;
  errors: readonly string[];
  quit: boolean;
  /**
   * the command is still running and its rows still arrive (the pager
   * started at the first screenful, as mdb pauses per screenful): paging
   * cannot end at the last row shown until the command is done
   */
  live: boolean;
  /** rows asked for (a page, a line, or all with `c`) that have not arrived yet */
  want: number;
}

interface Model {
  mode: ReplMode;
  prompt: string;
  hint: string | null;
  showBusy: boolean;
  typeAhead: KeyEvent[];
  run: Running | null;
  paging: Paging | null;
  seq: number;
  historyErrorShown: boolean;
  exitRequested: boolean;
  /** ^R: the incremental search under way */
  search: Search | null;
  /** the last candidate list printed, so a second Tab does not print it again */
  lastListed: string | null;
}

/** ^R's reverse incremental search through history, as readline's. */
interface Search {
  query: string;
  /** index in the history entries of the line shown, or -1 when none matches */
  at: number;
  failed: boolean;
  /** the line being edited when ^R was pressed (^G brings it back) */
  saved: LineEditorState;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function useRepl(opts: ReplOptions): ReplView {
  const { exit } = useApp();
  const { stdout, write } = useStdout();
  const size = useTerminalSize(stdout, opts.rows, opts.columns);
  const editor = useLineEditor();
  const history = useHistory(opts.historyFile);
  const [initial] = useState<ScrollChunk[]>(() => [
    { tone: 'header', text: headerText(safeInfo(opts.session)) },
    ...(history.loadError !== null ? [{ tone: 'note' as const, text: `mddb: ${history.loadError}` }] : []),
  ]);
  const scroll = useScrollback(initial, write);
  const [, setVersion] = useState(0);

  const model = useRef<Model | null>(null);
  if (model.current === null) {
    model.current = {
      mode: 'prompt',
      prompt: safePrompt(opts.session),
      hint: null,
      showBusy: false,
      typeAhead: [],
      run: null,
      paging: null,
      seq: 0,
      historyErrorShown: history.loadError !== null,
      exitRequested: false,
      search: null,
      lastListed: null,
    };
  }
  const st = model.current;

  // What the handlers below read; refreshed every render so they never go stale.
  const env = useRef({ opts, size, print: scroll.print, printRaw: scroll.printRaw, write });
  env.current = { opts, size, print: scroll.print, printRaw: scroll.printRaw, write };

  const publish = (): void => setVersion((v) => v + 1);
  const print = (chunks: ScrollChunk[]): void => env.current.print(chunks);
  const fit = (text: string): string => toScreenRows(text, env.current.size.columns).join('\n');

  const noteHistoryError = (err: string | null): void => {
    if (err === null || st.historyErrorShown) return;
    st.historyErrorShown = true;
    print([{ tone: 'note', text: fit(`mddb: ${err}`) }]);
  };

  const printRows = (rows: readonly string[]): void => {
    if (rows.length > RAW_WRITE_ROWS) env.current.printRaw(rows.join('\n') + '\n');
    else print([{ tone: 'plain', text: rows.join('\n') }]);
  };

  const clearRun = (): void => {
    const run = st.run;
    if (run === null) return;
    clearTimeout(run.busyTimer);
    clearTimeout(run.graceTimer);
    openGate(run);
    st.run = null;
    st.showBusy = false;
  };

  const endCommand = (quit: boolean): void => {
    if (quit) {
      st.mode = 'exiting';
      return;
    }
    st.mode = 'prompt';
    if (st.typeAhead.length > 0) {
      const queued = st.typeAhead;
      st.typeAhead = [];
      handleEvents(queued);
    }
  };

  /**
   * mdb pauses a command at each screenful: the REPL holds a command whose
   * rows are a whole screen ahead of what the pager has shown and nothing
   * more was asked for (the engine asks between elements: ExecOptions.hold),
   * so a long walk keeps only the next screen in memory.
   */
  const holding = (paging: Paging | null): boolean =>
    paging !== null && paging.live && paging.want <= 0 && paging.state.rows.length - paging.state.shown >= paging.state.pageSize;

  const hold = (run: Running) => (): Promise<void> | undefined => {
    if (st.run !== run || run.cancelled || !holding(st.paging)) return undefined;
    if (run.gate === null) {
      let open = (): void => {};
      const promise = new Promise<void>((r) => (open = r));
      run.gate = { promise, open };
    }
    return run.gate.promise;
  };

  function openGate(run: Running | null): void {
    if (run === null || run.gate === null) return;
    const g = run.gate;
    run.gate = null;
    g.open();
  }

  /** Prints rows that arrived for a live pager, as many as were asked for. */
  const flushWanted = (paging: Paging): void => {
    const have = paging.state.rows.length - paging.state.shown;
    const n = Math.min(have, paging.want);
    if (n <= 0) return;
    const step = pagerStep(paging.state, 'line');
    // advance by n rows: the pager's own step, n times over, without its end
    let state = step.state;
    const emit = [...step.emit];
    for (let i = 1; i < n; i++) {
      const s = pagerStep(state, 'line');
      state = s.state;
      emit.push(...s.emit);
    }
    paging.state = state;
    paging.want -= n;
    printRows(emit);
  };

  const finishRun = (res: ShownResult, streamed?: { rows: string[]; partial: string }): void => {
    clearRun();
    st.prompt = safePrompt(env.current.opts.session);
    const { rows: screenRows, columns } = env.current.size;
    const live = st.paging;
    if (live !== null && live.live && streamed) {
      // the pager already shows this command's first screens: add what is left, then its errors
      if (streamed.partial !== '') streamed.rows.push(...toScreenRows(streamed.partial, columns, env.current.opts.color === true));
      live.live = false;
      live.errors = toScreenRows(res.errors.join('\n'), columns);
      live.quit = res.quit;
      flushWanted(live);
      if (live.state.shown >= live.state.rows.length) endPager('end');
      return;
    }
    const rows = toScreenRows(res.output, columns, env.current.opts.color === true);
    const errors = toScreenRows(res.errors.join('\n'), columns);
    const pageSize = Math.max(1, screenRows - 1);
    if (!needsPager(rows.length, pageSize)) {
      const chunks: ScrollChunk[] = [];
      if (rows.length > 0) chunks.push({ tone: 'plain', text: rows.join('\n') });
      if (errors.length > 0) chunks.push({ tone: 'error', text: errors.join('\n') });
      print(chunks);
      endCommand(res.quit);
      return;
    }
    const step = pagerStart(rows, pageSize);
    printRows(step.emit);
    st.paging = { state: step.state, errors, quit: res.quit, live: false, want: 0 };
    st.mode = 'pager';
  };

  /**
   * Output as the command produces it: kept until it fills a screen, then
   * the pager starts on it at once (the command goes on running, and its
   * later rows join the pager's), so a long walk shows its first screen
   * without waiting for the last row.
   */
  const streamInto = (run: Running, streamed: { rows: string[]; partial: string; text: string }) => (t: string): void => {
    if (st.run !== run) return;
    const { rows: screenRows, columns } = env.current.size;
    const pageSize = Math.max(1, screenRows - 1);
    const all = streamed.partial + t;
    const nl = all.lastIndexOf('\n');
    streamed.partial = nl < 0 ? all : all.slice(nl + 1);
    if (nl >= 0) streamed.rows.push(...toScreenRows(all.slice(0, nl + 1), columns, env.current.opts.color === true));
    const paging = st.paging;
    if (paging === null) {
      if (!needsPager(streamed.rows.length, pageSize)) return;
      const step = pagerStart(streamed.rows, pageSize);
      printRows(step.emit);
      st.paging = { state: step.state, errors: [], quit: false, live: true, want: 0 };
      st.mode = 'pager';
      st.showBusy = false;
      publish();
      return;
    }
    if (paging.live && paging.want > 0) {
      flushWanted(paging);
      publish();
    }
  };

  const startRun = (line: string): void => {
    const id = ++st.seq;
    const run: Running = { id, ac: new AbortController(), cancelled: false, busyTimer: undefined, graceTimer: undefined, gate: null };
    run.busyTimer = setTimeout(() => {
      if (st.run !== run || terminalOwner.child) return;
      st.showBusy = true;
      publish();
    }, env.current.opts.busyDelayMs);
    st.run = run;
    st.mode = 'busy';
    const streamed = { rows: [] as string[], partial: '', text: '' };
    const color = env.current.opts.color === true;
    void safeExecute(env.current.opts.session, line, { signal: run.ac.signal, onOutput: streamInto(run, streamed), hold: hold(run), ...(color ? { color } : {}) }).then((res) => {
      if (st.run !== run) return; // detached by ^C, or unmounted
      try {
        if (st.paging !== null && st.paging.live) finishRun(res, streamed);
        else {
          // no screenful yet: everything streamed is this command's output
          const rest = streamed.rows.length > 0 || streamed.partial !== '' ? streamed.rows.join('\n') + (streamed.rows.length > 0 ? '\n' : '') + streamed.partial : '';
          finishRun({ ...res, output: rest + res.output });
        }
      } catch (err) {
        internalError(err);
      }
      publish();
    });
  };

  const detach = (): void => {
    clearRun();
    print([{ tone: 'error', text: INTERRUPTED }]);
    endCommand(false);
  };

  const cancel = (): void => {
    const run = st.run;
    if (run === null) return;
    st.typeAhead = [];
    if (run.cancelled) {
      detach();
      return;
    }
    run.cancelled = true;
    run.ac.abort();
    openGate(run);
    run.graceTimer = setTimeout(() => {
      if (st.run !== run) return;
      detach();
      publish();
    }, env.current.opts.cancelGraceMs);
  };

  const endPager = (end: PagerEnd): void => {
    const paging = st.paging;
    st.paging = null;
    if (paging === null) return;
    if (paging.live) {
      // q or a while the command still runs: stop it, and drop what it would still print
      const run = st.run;
      clearRun();
      run?.ac.abort();
    }
    // `a` aborts the whole line: no error lines, and a $q later on it never happens
    if (end !== 'abort' && paging.errors.length > 0) print([{ tone: 'error', text: paging.errors.join('\n') }]);
    endCommand(end !== 'abort' && paging.quit);
  };

  const pagerKey = (ev: KeyEvent): void => {
    for (const key of pagerKeysOf(ev)) {
      const paging = st.paging;
      if (st.mode !== 'pager' || paging === null) return;
      const step = pagerStep(paging.state, key);
      paging.state = step.state;
      if (step.emit.length > 0) printRows(step.emit);
      if (paging.live && (step.end === 'end' || step.end === 'continue')) {
        // past the rows that have arrived: the rest of the request waits for the command
        const asked = key === 'page' ? paging.state.pageSize : key === 'line' ? 1 : Infinity;
        paging.want = asked === Infinity ? Infinity : Math.max(0, asked - step.emit.length);
        continue;
      }
      if (step.end !== null) endPager(step.end);
    }
    // the user has seen more: a held command may go on
    if (st.run !== null && !holding(st.paging)) openGate(st.run);
  };

  const complete = (): void => {
    const state = editor.get();
    const outcome = applyCompletion(state, safeComplete(env.current.opts.session, state.text.slice(0, state.cursor)));
    editor.dispatch({ type: 'replace', text: outcome.state.text, cursor: outcome.state.cursor });
    const key = outcome.listed.join('\n') + '\u0000' + outcome.state.text;
    if (outcome.listed.length > 0 && st.lastListed === key) return;
    st.lastListed = outcome.listed.length > 0 ? key : null;
    if (outcome.listed.length > 0) {
      const rows = toScreenRows(formatColumns(outcome.listed, env.current.size.columns), env.current.size.columns);
      print([{ tone: 'echo', text: fit(st.prompt + outcome.state.text) }]);
      printRows(rows);
    }
  };

  const submit = (): void => {
    const line = editor.get().text;
    editor.dispatch({ type: 'clear' });
    noteHistoryError(history.add(line));
    history.reset();
    print([{ tone: 'echo', text: fit(st.prompt + line) }]);
    startRun(line);
  };

  /** The newest history line at or before `from` that holds `query`, or -1. */
  const findBack = (query: string, from: number): number => {
    const entries = history.get().entries;
    for (let i = Math.min(from, entries.length - 1); i >= 0; i--) if (entries[i]!.includes(query)) return i;
    return -1;
  };

  const showSearch = (sr: Search): void => {
    const entries = history.get().entries;
    const line = sr.at >= 0 ? entries[sr.at]! : sr.saved.text;
    const pos = sr.at >= 0 ? Math.max(0, line.indexOf(sr.query)) : line.length;
    editor.dispatch({ type: 'replace', text: line, cursor: pos });
  };

  /** A key while ^R searches: printable keys extend the query; ^R goes further back; others end it. */
  const searchKey = (ev: KeyEvent, sr: Search): boolean => {
    switch (ev.kind) {
      case 'text': {
        const q = sr.query + ev.text;
        const at = findBack(q, sr.at >= 0 ? sr.at : history.get().entries.length - 1);
        sr.query = q;
        sr.failed = at < 0;
        if (at >= 0) sr.at = at;
        showSearch(sr);
        return true;
      }
      case 'backspace': {
        sr.query = sr.query.slice(0, -1);
        const at = sr.query === '' ? -1 : findBack(sr.query, history.get().entries.length - 1);
        sr.at = at;
        sr.failed = false;
        showSearch(sr);
        return true;
      }
      case 'reverseSearch': {
        if (sr.query === '') return true;
        const at = findBack(sr.query, sr.at - 1);
        if (at >= 0) sr.at = at;
        sr.failed = at < 0;
        showSearch(sr);
        return true;
      }
      case 'cancelSearch':
      case 'interrupt':
        st.search = null;
        editor.dispatch({ type: 'replace', text: sr.saved.text, cursor: sr.saved.cursor });
        return true;
      default:
        // any other key accepts the line found and then does its own work (Enter runs it)
        st.search = null;
        return false;
    }
  };

  const promptKey = (ev: KeyEvent): void => {
    if (ev.kind !== 'interrupt') st.hint = null;
    if (ev.kind !== 'tab') st.lastListed = null;
    if (st.search !== null && searchKey(ev, st.search)) return;
    switch (ev.kind) {
      case 'reverseSearch':
        st.search = { query: '', at: -1, failed: false, saved: editor.get() };
        return;
      case 'cancelSearch':
        return;
      case 'clearScreen':
        // ^L: clear the screen and redraw the prompt at the top (scrollback stays)
        env.current.write('\x1b[H\x1b[2J');
        return;
      case 'suspend':
        suspendProcess(publish);
        return;
      case 'text':
        editor.dispatch({ type: 'insert', text: ev.text });
        return;
      case 'enter':
        submit();
        return;
      case 'tab':
        complete();
        return;
      case 'up':
      case 'down': {
        const line = history.browse(ev.kind, editor.get().text);
        if (line !== null) editor.dispatch({ type: 'set', text: line });
        return;
      }
      case 'interrupt':
        if (editor.get().text !== '') {
          editor.dispatch({ type: 'clear' });
          history.reset();
          st.hint = null;
        } else {
          st.hint = INTERRUPT_HINT;
        }
        return;
      case 'eof':
        if (editor.get().text === '') {
          print([{ tone: 'echo', text: st.prompt }]);
          st.mode = 'exiting';
        } else {
          editor.dispatch({ type: 'delete' });
        }
        return;
      case 'escape':
        return;
      default:
        editor.dispatch({ type: ev.kind } as EditorAction);
    }
  };

  function handleEvents(events: readonly KeyEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      switch (st.mode) {
        case 'prompt':
          promptKey(ev);
          // promptKey may have started a command (TS cannot see the mutation)
          if ((st.mode as ReplMode) === 'busy') {
            st.typeAhead.push(...events.slice(i + 1));
            return;
          }
          break;
        case 'busy':
          if (ev.kind === 'interrupt') cancel();
          else st.typeAhead.push(ev);
          break;
        case 'pager':
          pagerKey(ev);
          break;
        case 'exiting':
          return;
      }
    }
  }

  const internalError = (err: unknown): void => {
    print([{ tone: 'error', text: fit(`mdb: internal error: ${describe(err)}`) }]);
  };

  const onChunk = (chunk: string): void => {
    try {
      handleEvents(decodeKeys(chunk));
    } catch (err) {
      internalError(err);
    }
    publish();
  };

  useRawInput(onChunk, st.mode !== 'exiting');

  // Leave only after the commit that printed the last output (effects run after it).
  useEffect(() => {
    if (st.mode !== 'exiting' || st.exitRequested) return;
    st.exitRequested = true;
    exit();
  });

  useEffect(
    () => () => {
      const run = st.run;
      if (run !== null) run.ac.abort();
      clearRun();
    },
    [], // once: the model lives in a ref
  );

  const sr = st.search;
  return {
    mode: st.mode,
    prompt: sr === null ? st.prompt : `(${sr.failed ? 'failed ' : ''}reverse-i-search)'${sr.query}': `,
    editor: editor.get(),
    showBusy: st.showBusy,
    hint: st.hint,
    items: scroll.items,
    columns: size.columns,
  };
}
