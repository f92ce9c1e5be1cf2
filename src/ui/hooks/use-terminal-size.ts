/*
 * The terminal's size, tracked on resize, with overrides for tests
 * (ink-testing-library's stdout has 100 columns and no rows at all).
 * The pager needs rows; the prompt and row wrapping need columns.
 */
import { useEffect, useState } from 'react';

export interface TerminalSize {
  rows: number;
  columns: number;
}

export function useTerminalSize(stdout: NodeJS.WriteStream, rows?: number, columns?: number): TerminalSize {
  const read = (): TerminalSize => ({
    rows: rows ?? (stdout.rows > 0 ? stdout.rows : 24),
    columns: columns ?? (stdout.columns > 0 ? stdout.columns : 80),
  });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = (): void => {
      const next = read();
      setSize((prev) => (prev.rows === next.rows && prev.columns === next.columns ? prev : next));
    };
    onResize();
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
    // read() depends only on these
  }, [stdout, rows, columns]);
  return size;
}
