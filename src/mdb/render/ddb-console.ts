/*
 * ddb's console output (ddb/db_output.c, db_putchar()). ddb does not send a
 * blank when it is printed: a space or a tab only moves db_output_position
 * (a tab to the next multiple of 8), and the blanks are sent, as spaces,
 * by db_force_whitespace() just before the next printing character. So a
 * line never ends in blanks, padding such as "%-16lx" at the end of a line
 * vanishes, and no tab reaches the terminal. Text in ddb syntax goes through
 * this filter; a newline resets the position, as db_putchar() does.
 */
export class DdbConsole {
  /** db_output_position */
  private pos = 0;
  /** db_last_non_space */
  private lastNonSpace = 0;

  put(s: string): string {
    let out = '';
    let i = 0;
    for (;;) {
      const nl = s.indexOf('\n', i);
      const end = nl < 0 ? s.length : nl;
      if (end > i) out += this.segment(s, i, end);
      if (nl < 0) return out;
      out += '\n';
      this.pos = 0;
      this.lastNonSpace = 0;
      i = nl + 1;
    }
  }

  /** One piece of a line: runs of printing characters, with the blanks before them as spaces. */
  private segment(s: string, from: number, to: number): string {
    let res = '';
    let i = from;
    while (i < to) {
      const c = s.charCodeAt(i);
      if (c === 9) {
        // "assume tabs every 8 positions"
        this.pos = (this.pos + 8) & ~7;
        i++;
        continue;
      }
      if (c === 32) {
        this.pos++;
        i++;
        continue;
      }
      let j = i + 1;
      while (j < to) {
        const d = s.charCodeAt(j);
        if (d === 9 || d === 32) break;
        j++;
      }
      if (this.lastNonSpace < this.pos) res += ' '.repeat(this.pos - this.lastNonSpace);
      res += s.slice(i, j);
      this.pos += j - i;
      this.lastNonSpace = this.pos;
      i = j;
    }
    return res;
  }
}
