/*
 * The print queue: keeps <Static> items and raw stdout writes in order.
 *
 * Huge blocks (the rest of a 100 000-row output after the pager's `c`) go
 * through ink's `useStdout().write()`, which clears the live area, writes the
 * text and redraws the live area: no layout, so ~1 ms instead of seconds.
 * But ink writes a <Static> item only when React commits it, while `write()`
 * is immediate; a raw block printed right after an item could overtake it.
 * So raw blocks wait in a queue drained by an effect, and effects run after
 * the commit that flushed every item printed before them.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ScrollChunk, ScrollItem } from '../scrollback.js';

type Pending = { kind: 'item'; chunks: readonly ScrollChunk[] } | { kind: 'raw'; text: string };

export interface Scrollback {
  readonly items: readonly ScrollItem[];
  /** append an item to <Static> (no chunks: nothing printed) */
  print(chunks: readonly ScrollChunk[]): void;
  /** write text straight to the terminal, after everything printed so far */
  printRaw(text: string): void;
}

export function useScrollback(initial: readonly ScrollChunk[], write: (text: string) => void): Scrollback {
  const nextId = useRef(1);
  const [items, setItems] = useState<readonly ScrollItem[]>(() => [{ id: 0, chunks: initial }]);
  const queue = useRef<Pending[]>([]);
  const [drainTick, setDrainTick] = useState(0);

  const print = useCallback((chunks: readonly ScrollChunk[]) => {
    if (chunks.length === 0) return;
    const kept = [...chunks];
    if (queue.current.length > 0) {
      queue.current.push({ kind: 'item', chunks: kept });
      return;
    }
    const item = { id: nextId.current++, chunks: kept };
    setItems((prev) => [...prev, item]);
  }, []);

  const printRaw = useCallback((text: string) => {
    if (text === '') return;
    queue.current.push({ kind: 'raw', text });
    setDrainTick((t) => t + 1);
  }, []);

  useEffect(() => {
    // Every item set before this commit is on screen now.
    const batch: ScrollItem[] = [];
    while (queue.current.length > 0) {
      const head = queue.current[0]!;
      if (head.kind === 'raw') {
        if (batch.length > 0) break; // let these items commit first
        queue.current.shift();
        write(head.text);
      } else {
        queue.current.shift();
        batch.push({ id: nextId.current++, chunks: head.chunks });
      }
    }
    if (batch.length > 0) setItems((prev) => [...prev, ...batch]);
    if (queue.current.length > 0) setDrainTick((t) => t + 1);
  }, [drainTick, items, write]);

  return { items, print, printRaw };
}
