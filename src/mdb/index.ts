/*
 * The debugger engine's public surface, for front ends (cli/, ui/) and for
 * modules. Modules normally import from the files themselves (dcmd.ts,
 * target.ts, errors.ts); this list says which names are meant to be used.
 */
export type { DebugSession, ExecOptions, ExecResult, SessionInfo } from './api.js';
export { createSession, MdbSession } from './session.js';
export type { CommandJson, SessionOptions } from './session.js';
export { Target } from './target.js';
export type { ObjectRef, Sym } from './target.js';
export { defineDcmd, defineWalker, flag, str, strs, uint, table, text, addresses } from './dcmd.js';
export type {
  AddressMode,
  AddressResult,
  AnyDcmd,
  Column,
  Dcmd,
  DcmdArg,
  DcmdContext,
  Module,
  OptionSpec,
  OptionSpecs,
  ParsedOptions,
  RenderContext,
  Result,
  Row,
  TableResult,
  TextResult,
  WalkContext,
  Walker,
} from './dcmd.js';
export { MdbError, DcmdError, UsageError, MemoryError, InterruptError, ParseError, errorLine } from './errors.js';
export { Registry, RegistryError, usageLine } from './registry.js';
export { builtinModules } from './modules/index.js';
export { DOLLAR_VERBS } from './verbs.js';
export { hex, hexBase, numtostr, ptrPad } from './render/number.js';
export { renderTable } from './render/table.js';
export type { CommandLine, Expr, Invocation, Pipeline, Verb } from './parse/ast.js';
export { parseLine } from './parse/parser.js';
