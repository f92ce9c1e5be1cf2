/*
 * Numbers as mdb prints them. mdb arithmetic is unsigned 64-bit; its printf
 * (mdb_iob_printf) adds a base prefix only to values above the largest digit
 * ("0x10" but "9"), which is why "sym+8" and "sym+0x10" both look right.
 */

export const U64_MASK = (1n << 64n) - 1n;

/** v reduced to an unsigned 64-bit value. */
export function u64(v: bigint): bigint {
  return v & U64_MASK;
}

/** v's low `bytes` bytes read as a two's complement signed number. */
export function signed(v: bigint, bytes: number): bigint {
  return BigInt.asIntN(bytes * 8, v);
}

export interface NumOptions {
  /** print as unsigned (otherwise the 64-bit value is read as signed) */
  unsigned?: boolean;
  /** the "#" flag: 0x / 0t / 0o / 0i prefix for values above the largest digit */
  showbase?: boolean;
  /** the "+" flag: print a plus sign on positive values */
  signpos?: boolean;
  upper?: boolean;
}

const BASE_CHAR: Record<number, [bigint, string]> = { 2: [1n, 'i'], 8: [7n, 'o'], 10: [9n, 't'], 16: [9n, 'x'] };

/** A number in `base`, following mdb's numtostr() rules (own implementation). */
export function numtostr(v: bigint, base: number, o: NumOptions = {}): string {
  const uvalue = BigInt.asUintN(64, v);
  let neg = false;
  let rem = uvalue;
  if (!o.unsigned) {
    const s = BigInt.asIntN(64, v);
    neg = s < 0n;
    rem = neg ? -s : s;
  }
  let digits = rem.toString(base);
  if (o.upper) digits = digits.toUpperCase();
  if (o.showbase) {
    const bc = BASE_CHAR[base];
    if (bc && uvalue > bc[0]) digits = `0${bc[1]}${digits}`;
  }
  return (neg ? '-' : o.signpos ? '+' : '') + digits;
}

/** Lowercase hex without prefix (%llx, %p). */
export function hex(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16);
}

/** %#llx / %#lr: "0x1f", but "9" and "0". */
export function hexBase(v: bigint): string {
  return numtostr(v, 16, { unsigned: true, showbase: true });
}

/** An address zero-padded to pointer width (%0?p). */
export function ptrPad(v: bigint, pointerSize: number): string {
  return hex(v).padStart(pointerSize * 2, '0');
}

/** Converts a bigint or number to bigint (numbers must be integers). */
export function big(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
}
