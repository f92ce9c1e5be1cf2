/*
 * The illumos kernel as the machine core sees it: its modules in the order
 * krtld loads them (unix, genunix, then drivers and zfs), idle() and
 * thread_start() at the bottom of stacks, and panic()/ASSERT() from
 * panic.c and debug.c.
 */
import type { Personality } from '../../machine/kernel.js';
import { func } from '../../machine/symbols.js';
import { assert, panic } from './panic.js';

export const ILLUMOS: Personality = {
  modules: ['unix', 'genunix', 'rootnex', 'blkdev', 'vioblk', 'zfs'],
  idleFn: func('unix', 'idle', 0x1a0),
  threadStartFn: func('unix', 'thread_start', 0x10),
  panic,
  assert,
};
