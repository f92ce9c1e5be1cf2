/*
 * Raw input chunks from ink, undecoded (keys.ts decodes them).
 *
 * ink reads stdin itself, splits escape sequences apart and emits every piece
 * on its stdin context's event emitter; useInput is a parser on top of that
 * emitter which loses information the line editor needs (see keys.ts). The
 * emitter is part of ink 6's typed context (`internal_eventEmitter`). If a
 * later ink drops it, the REPL falls back to useInput and rebuilds the raw
 * sequence from its key flags, losing only Backspace/Delete distinctions.
 */
import { useEffect, useRef } from 'react';
import { useInput, useStdin, type Key } from 'ink';

/** Rebuild a raw sequence from useInput's view of a key (fallback path only). */
export function keyToRaw(input: string, key: Key): string {
  if (key.upArrow) return '\x1b[A';
  if (key.downArrow) return '\x1b[B';
  if (key.rightArrow) return '\x1b[C';
  if (key.leftArrow) return '\x1b[D';
  if (key.home) return '\x1b[H';
  if (key.end) return '\x1b[F';
  if (key.return) return '\r';
  if (key.tab) return '\t';
  if (key.backspace || key.delete) return '\x7f';
  if (key.escape) return '\x1b';
  if (key.ctrl && /^[a-z]$/.test(input)) return String.fromCharCode(input.charCodeAt(0) - 96);
  return input;
}

export function useRawInput(onChunk: (chunk: string) => void, active: boolean): void {
  const { setRawMode, isRawModeSupported, internal_eventEmitter: emitter } = useStdin();
  const handler = useRef(onChunk);
  handler.current = onChunk;
  // isRawModeSupported is undefined (not false) on a piped stdin (peers.md §4.3 item 2)
  const usable = active && isRawModeSupported === true;
  const direct = usable && emitter !== undefined;

  useEffect(() => {
    if (!direct) return;
    setRawMode(true);
    return () => setRawMode(false);
  }, [direct, setRawMode]);

  useEffect(() => {
    if (!direct || emitter === undefined) return;
    const listener = (data: unknown): void => {
      if (typeof data === 'string') handler.current(data);
      else if (Buffer.isBuffer(data)) handler.current(data.toString('utf8'));
    };
    emitter.on('input', listener);
    return () => {
      emitter.removeListener('input', listener);
    };
  }, [direct, emitter]);

  useInput((input, key) => handler.current(keyToRaw(input, key)), { isActive: usable && !direct });
}
