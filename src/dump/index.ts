/*
 * The dump layer's public surface: the format (the contract), reading and
 * writing files, the codec, validation, errors, and the helpers that build
 * and read tables.
 */
export {
  DUMP_MAGIC,
  DUMP_VERSION,
  DUMP_MIN_VERSION,
  NO_ROW,
  TABLE_SYMBOLS,
  SYMKIND_FUNC,
  SYMKIND_OBJECT,
  TABLE_STACKS,
  TABLE_FRAMES,
  TABLE_BUFFERS,
  BUFSTATE_ALLOC,
  BUFSTATE_SLAB_FREE,
  BUFSTATE_MAGAZINE,
  FILL_ZERO,
  FILL_DEADBEEF,
  FILL_BADDCAFE,
  TABLE_TXLOG,
  LOG_TRANSACTION,
  LOG_FAILURE,
  LOG_SLAB,
  EVENT_ALLOC,
  EVENT_FREE,
  EVENT_ALLOC_FAIL,
  EVENT_CTOR_FAIL,
  EVENT_SLAB_CREATE,
  EVENT_SLAB_DESTROY,
  TABLE_MSGBUF,
  TABLE_GLOBALS,
  TABLE_STRINGS,
} from './format.js';
export type {
  ScalarKind,
  ColumnKind,
  ScalarArray,
  ScalarColumn,
  StringColumn,
  ListColumn,
  Column,
  Table,
  TypeMember,
  TypeDef,
  PanicInfo,
  Recipe,
  DumpHeader,
  DumpModel,
} from './format.js';
export { DumpError, toDumpError } from './errors.js';
export type { DumpAction } from './errors.js';
export { encodeDump, decodeDump, EAGER_TABLE_BYTES } from './codec.js';
export type { EncodeOptions, DecodeOptions } from './codec.js';
export { readDump, validateAll } from './read.js';
export type { ReadOptions } from './read.js';
export { writeDump, tempPathFor } from './write.js';
export type { WriteOptions } from './write.js';
export {
  validateModel,
  validateHeader,
  validateTypes,
  typeIndex,
  ROW_REFERENCES,
  NON_STRUCT_TABLES,
  MAX_ROWS,
} from './validate.js';
export type { KindSpec } from './validate.js';
export { TableBuilder } from './builder.js';
export type { ColumnSpec, RowValue } from './builder.js';
export { tableIndex, col, u64, num, str, list } from './access.js';
export { SCALAR_KINDS, isScalarKind } from './kinds.js';
export { nameTable, emptyNameTable, own } from './names.js';
