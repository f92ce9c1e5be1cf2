/*
 * The panic module: ::msgbuf and ::panicinfo (genunix), which with the kvm
 * target's ::status are the first commands on a crash dump.
 */
import type { Module } from '../../../dcmd.js';
import msgbuf from './msgbuf.js';
import panicinfo from './panicinfo.js';

export const panicModule: Module = {
  name: 'genunix',
  dcmds: [msgbuf, panicinfo],
  walkers: [],
};

export { readPanic, dumpPath, DUMP_PATH_KEY, type PanicRecord } from './helpers.js';
export { secondsSinceBoot } from './msgbuf.js';
