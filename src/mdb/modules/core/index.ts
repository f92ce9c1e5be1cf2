/*
 * The core module: the generic dcmds every dump gets, whatever its OS
 * (mdb's built-in commands: mdb_cmds.c, mdb_help.c, mdb_print.c, mdb_nm.c),
 * which mdb registers under the module name "mdb".
 */
import type { Module } from '../../dcmd.js';
import dis from './dis.js';
import evalDcmd from './eval.js';
import grep from './grep.js';
import help from './help.js';
import mappings from './mappings.js';
import { dcmds, formats, walkers } from './lists.js';
import nm from './nm.js';
import print from './print.js';
import log from './log.js';
import quit from './quit.js';
import { offsetof, sizeof } from './sizeof.js';
import { radix, vars } from './vars.js';
import walk from './walk.js';

export const coreModule: Module = {
  name: 'mdb',
  dcmds: [help, dcmds, walkers, formats, walk, evalDcmd, grep, print, sizeof, offsetof, nm, dis, quit, log, vars, radix, mappings],
  walkers: [],
};
