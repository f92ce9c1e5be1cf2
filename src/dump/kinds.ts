/*
 * Column element kinds: their width, the typed array that holds them, and
 * byte views in both directions. Shared by the codec (bytes <-> arrays), the
 * validator (is this the right array?) and the table builder (growable arrays).
 */
import type { ColumnKind, ScalarArray, ScalarKind } from './format.js';

type ScalarCtor =
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor
  | Float64ArrayConstructor;

export interface KindInfo {
  /** bytes per element */
  size: number;
  ctor: ScalarCtor;
  /** elements are bigints (u64, i64) rather than numbers */
  bigint: boolean;
}

export const SCALAR_KINDS: Readonly<Record<ScalarKind, KindInfo>> = {
  u8: { size: 1, ctor: Uint8Array, bigint: false },
  u16: { size: 2, ctor: Uint16Array, bigint: false },
  u32: { size: 4, ctor: Uint32Array, bigint: false },
  i32: { size: 4, ctor: Int32Array, bigint: false },
  u64: { size: 8, ctor: BigUint64Array, bigint: true },
  i64: { size: 8, ctor: BigInt64Array, bigint: true },
  f64: { size: 8, ctor: Float64Array, bigint: false },
};

export function isScalarKind(k: unknown): k is ScalarKind {
  return typeof k === 'string' && Object.prototype.hasOwnProperty.call(SCALAR_KINDS, k);
}

export function isColumnKind(k: unknown): k is ColumnKind {
  return k === 'str' || k === 'list' || isScalarKind(k);
}

/** True when `arr` is exactly the typed array class of `kind` (a Uint8Array is not a u16 column). */
export function isArrayOfKind(arr: unknown, kind: ScalarKind): arr is ScalarArray {
  return arr instanceof SCALAR_KINDS[kind].ctor && arr.constructor === SCALAR_KINDS[kind].ctor;
}

/** A new zeroed array of `kind`. */
export function newArray(kind: ScalarKind, length: number): ScalarArray {
  return new SCALAR_KINDS[kind].ctor(length);
}

/** The bytes of a typed array, as a view (no copy). */
export function bytesOf(arr: ArrayBufferView): Uint8Array {
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

/**
 * `count` elements of `kind` stored little-endian in `bytes`. A view on the
 * same memory when the bytes are aligned for the element size (typed arrays
 * require it), otherwise a copy. The caller has checked the length.
 */
export function viewOf(kind: ScalarKind, bytes: Uint8Array, count: number): ScalarArray {
  const { size, ctor } = SCALAR_KINDS[kind];
  if (bytes.byteOffset % size === 0) return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  const out = new ctor(count);
  bytesOf(out).set(bytes.subarray(0, count * size));
  return out;
}

/** Typed arrays are host-endian and the file is little-endian: only LE hosts read it by view. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
