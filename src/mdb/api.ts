/*
 * The surface the front ends (batch mode in cli/, the REPL in ui/) use to talk
 * to the debugger engine. A front end feeds lines in and prints what comes back;
 * it never formats a dcmd's results itself, so the REPL prints exactly what
 * batch mode prints.
 */

/** What one input line (which may hold several `;`-separated commands) produced. */
export interface ExecResult {
  /** text for stdout, newline-terminated lines, exactly as batch mode prints it */
  output: string;
  /** one line each, already in mdb's form: "mdb: invalid command '::foo': unknown dcmd name" */
  errors: string[];
  /** JSON-able structured results, one entry per command run (for --json) */
  json: unknown[];
  /** true when every command on the line succeeded */
  ok: boolean;
  /** true when the line asked to leave ($q, ::quit) */
  quit: boolean;
  /** true when a usage error happened (batch exit status 2 is reserved for CLI usage) */
  usage?: boolean;
}

/** Facts about the open dump for the REPL header and prompt. */
export interface SessionInfo {
  /** dump file path */
  path: string;
  hostname: string;
  /** "illumos" | "freebsd" */
  os: string;
  kernelVersion: string;
  /** panic message, or null for a live dump */
  panic: string | null;
  /** on a dump without a panic taken where the debugger was entered (a hang): why it was entered ("watchdog", "break") */
  entry?: string;
}

export interface ExecOptions {
  /** Ctrl-C: a dcmd checks it between elements and stops with "mdb: interrupted" */
  signal?: AbortSignal;
  /** produce `json` results too (the --json flag) */
  json?: boolean;
  /**
   * print text as it is produced: `output` of the result is then empty and
   * every piece of text went here, in order (batch mode and the REPL stream
   * rows, so the first rows of a long walk show at once)
   */
  onOutput?: (text: string) => void;
  /** the output is shown in colour (a terminal, no NO_COLOR): non-zero alloc fail and usage bars are coloured */
  color?: boolean;
  /**
   * flow control: asked between a command's elements (walk steps, loop
   * iterations); while it returns a promise the command waits for it. The
   * REPL's pager holds a command that is a screenful ahead of what the user
   * has seen, as mdb pauses at each screenful, so a long walk costs what is
   * on screen, not what it would print.
   */
  hold?: () => Promise<void> | undefined;
}

/** A debugging session over one open dump: line in, results out. */
export interface DebugSession {
  readonly info: SessionInfo;
  /** run one input line; never throws (internal faults become an `mdb:` error line) */
  execute(line: string, opts?: ExecOptions): Promise<ExecResult>;
  /** completion candidates for the word ending at the end of `line` (dcmd and walker names) */
  complete(line: string): string[];
  /** the prompt to show: "> " for mdb, "db> " for the ddb grammar */
  prompt(): string;
  /** the grammar lines are read in: mdb's (the default) or ddb's, where an empty line repeats the last command */
  readonly syntax?: 'mdb' | 'ddb';
}
