/*
 * The zfs module (usr/src/cmd/mdb/common/modules/zfs/zfs.c): ::spa,
 * ::spa_vdevs, ::vdev, ::zio, ::zio_state and the spa, zio and zio_root
 * walkers.
 */
import type { Module } from '../../../dcmd.js';
import { spa } from './spa.js';
import { spaVdevsDcmd, vdev } from './vdev.js';
import { zio, zioState } from './zio.js';
import { spaWalker, zioRootWalker, zioWalker } from './walkers.js';

export const zfsModule: Module = {
  name: 'zfs',
  dcmds: [spa, spaVdevsDcmd, vdev, zio, zioState],
  walkers: [spaWalker, zioWalker, zioRootWalker],
};
