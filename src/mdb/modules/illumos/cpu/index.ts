/*
 * The cpu module: ::cpuinfo, ::cpustack and the `cpu` walker (genunix).
 */
import type { Module } from '../../../dcmd.js';
import cpuinfo from './cpuinfo.js';
import cpustack from './cpustack.js';
import { cpuWalker } from './walkers.js';

export const cpuModule: Module = {
  name: 'genunix',
  dcmds: [cpuinfo, cpustack],
  walkers: [cpuWalker],
};

export { cpuAddrs, cpuFlagNames, findCpu, interruptThreads, readCpu, runQueue, CPU_FLAG_NAMES, type CpuInfo, type CpuThread } from './helpers.js';
