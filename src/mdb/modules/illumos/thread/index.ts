/*
 * The thread module: stacks and threads as genunix presents them (thread.c,
 * findstack.c). The kvm target's backtraces ($c, $C) are in ../kvm.
 */
import type { Module } from '../../../dcmd.js';
import findstack from './findstack.js';
import stacks from './stacks.js';
import { thread, threadlist } from './threadlist.js';
import { threadWalker, wchanWalker } from './walkers.js';

export const threadModule: Module = {
  name: 'genunix',
  dcmds: [findstack, threadlist, thread, stacks],
  walkers: [threadWalker, wchanWalker],
};

export { findstackLines, type FindstackMode } from './findstack.js';
export { groupStacks, stackHasCaller, stackInModule, STACKS_MAX_DEPTH, type StackGroup } from './stack-groups.js';
export {
  forEachThread,
  frameText,
  lbolt,
  panicThread,
  readThread,
  sobjTypeName,
  threadFrames,
  threadIndex,
  threadStateName,
  type KThreadInfo,
  type StackFrame,
  type ThreadIndex,
} from './helpers.js';
export { isTaskqThread, lwpIds, procInfo, threadDesc, type ProcInfo } from './procs.js';
