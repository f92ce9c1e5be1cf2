/*
 * One <Static> item: its chunks, each a single <Text> however many rows it
 * holds (see scrollback.ts for why rows are never separate elements).
 */
import { Box, Text } from 'ink';
import { Header } from './header.js';
import type { ScrollChunk, ScrollItem } from './scrollback.js';

function Chunk({ chunk: { tone, text: rows } }: { chunk: ScrollChunk }) {
  // an empty <Text> takes no row, but a blank output line must
  const text = rows === '' ? ' ' : rows;
  switch (tone) {
    case 'header':
      return <Header text={text} />;
    case 'error':
      return <Text color="red">{text}</Text>;
    case 'note':
      return <Text dimColor>{text}</Text>;
    default:
      return <Text>{text}</Text>;
  }
}

export function ScrollBlock({ item }: { item: ScrollItem }) {
  if (item.chunks.length === 1) return <Chunk chunk={item.chunks[0]!} />;
  return (
    <Box flexDirection="column">
      {item.chunks.map((chunk, i) => (
        <Chunk key={i} chunk={chunk} />
      ))}
    </Box>
  );
}
