/*
 * An output line buffer with mdb's wrapping rules (mdb_io.c's iob), used by
 * the format verbs, whose layout depends on them: 80 columns, a 16-column
 * margin that wrapped lines are indented to, fields that move to the next
 * line when they would cross column 80, and trailing padding that turns into
 * the line break when it would reach the edge. Own implementation of the
 * observable behaviour (see illumos's mdb tests, format/ and numbers/).
 */

export class Iob {
  private readonly lines: string[] = [];
  private cur = '';
  /** indent continuation lines to the margin (MDB_IOB_INDENT) */
  indent = false;

  constructor(
    readonly cols = 80,
    readonly margin = 16,
  ) {}

  get col(): number {
    return this.cur.length;
  }

  /** Raw text; newlines end lines, long text wraps at the edge. */
  puts(s: string): void {
    const parts = s.split('\n');
    parts.forEach((p, i) => {
      if (i > 0) this.nl();
      this.put(p);
    });
  }

  /** A field of at least `width` columns (printf's %-Ns / %Ns), wrapping first if it would not fit. */
  field(s: string, width: number, left = true): void {
    const w = Math.max(width, s.length);
    if (this.cur.length !== 0 && this.cur.length + w > this.cols) this.nl();
    if (!left) this.put(' '.repeat(w - s.length));
    this.put(s);
    if (left && s.length < w) this.ws(w - s.length);
  }

  /** Padding: becomes a line break when it would reach the edge. */
  ws(n: number): void {
    if (this.cur.length + n < this.cols) this.put(' '.repeat(n));
    else this.nl();
  }

  /** Advances to the next multiple of `stop` (%NT), or breaks the line at the edge. */
  tabTo(stop: number): void {
    if (stop <= 0 || this.cur.length % stop === 0) return;
    this.tab(stop);
  }

  /** mdb_iob_tab with tab stops every `stop` columns. */
  tab(stop: number): void {
    if (stop <= 0) return;
    const n = Math.floor((this.cur.length + stop) / stop) * stop;
    if (n < this.cols) this.put(' '.repeat(n - this.cur.length));
    else this.nl();
  }

  nl(): void {
    this.lines.push(this.cur);
    this.cur = '';
  }

  /** Everything written, ending with a newline if the last line has text. */
  text(): string {
    const all = this.cur.length > 0 ? [...this.lines, this.cur] : this.lines;
    return all.length === 0 ? '' : all.join('\n') + '\n';
  }

  private put(s: string): void {
    if (s === '') return;
    if (this.cur.length === 0 && this.indent) this.cur = ' '.repeat(this.margin);
    let rest = s;
    while (this.cur.length + rest.length > this.cols) {
      const room = this.cols - this.cur.length;
      this.cur += rest.slice(0, room);
      rest = rest.slice(room);
      this.nl();
      if (this.indent) this.cur = ' '.repeat(this.margin);
    }
    this.cur += rest;
  }
}
