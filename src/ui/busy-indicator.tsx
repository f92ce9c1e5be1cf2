/*
 * Shown when a command has run longer than ~150 ms, so a slow ::findleaks
 * does not look like a hung terminal. ASCII frames: they render everywhere.
 */
import { useEffect, useState } from 'react';
import { Text } from 'ink';
import { terminalOwner } from './terminal-owner.js';

const FRAMES = ['|', '/', '-', '\\'];
const FRAME_MS = 120;

export function BusyIndicator() {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => {
      if (!terminalOwner.child) setFrame((f) => (f + 1) % FRAMES.length);
    }, FRAME_MS);
    return () => clearInterval(timer);
  }, []);
  return <Text dimColor>{FRAMES[frame]} working… (^C to interrupt)</Text>;
}
