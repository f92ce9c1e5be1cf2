/*
 * The panic module: ::status, ::msgbuf and ::panicinfo, the first commands
 * on a crash dump.
 */
import type { Module } from '../../dcmd.js';
import msgbuf from './msgbuf.js';
import panicinfo from './panicinfo.js';
import status from './status.js';

export const panicModule: Module = {
  name: 'genunix',
  dcmds: [status, msgbuf, panicinfo],
  walkers: [],
};

export { readPanic, dumpPath, DUMP_PATH_KEY, type PanicRecord } from './helpers.js';
export { releaseAndVersion } from './status.js';
export { secondsSinceBoot } from './msgbuf.js';
