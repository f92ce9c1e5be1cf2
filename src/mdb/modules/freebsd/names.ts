/*
 * FreeBSD constants the dump's values are read with (sys/proc.h,
 * sys/_mutex.h, vm/uma.h and the 2004-2005 vm/uma_int.h), and the names the
 * debugger prints for them.
 */

// td_state
export const TDS_INACTIVE = 0;
export const TDS_INHIBITED = 1;
export const TDS_CAN_RUN = 2;
export const TDS_RUNQ = 3;
export const TDS_RUNNING = 4;
// td_inhibitors
export const TDI_SUSPENDED = 0x1;
export const TDI_SLEEPING = 0x2;
export const TDI_SWAPPED = 0x4;
export const TDI_LOCK = 0x8;
export const TDI_IWAIT = 0x10;
// td_flags
export const TDF_SINTR = 0x8;
/** td_oncpu when the thread is on no CPU */
export const NOCPU = 0xff;
// p_flag
export const P_CONTROLT = 0x2;
export const P_PPWAIT = 0x10;
export const P_SYSTEM = 0x200;
export const P_TRACED = 0x800;
export const P_WEXIT = 0x2000;
// p_state
export const PRS_NEW = 0;
export const PRS_NORMAL = 1;
export const PRS_ZOMBIE = 2;
/** mtx_lock of an unowned mutex */
export const MTX_UNOWNED = 4n;

/** uk_flags bits, as uma.h and uma_int.h name them. */
export const UMA_FLAGS: ReadonlyArray<[number, string]> = [
  [0x0001, 'PAGEABLE'],
  [0x0002, 'ZINIT'],
  [0x0004, 'STATIC'],
  [0x0008, 'OFFPAGE'],
  [0x0010, 'MALLOC'],
  [0x0020, 'NOFREE'],
  [0x0040, 'MTXCLASS'],
  [0x0080, 'VM'],
  [0x0100, 'HASH'],
  [0x0200, 'SECONDARY'],
  [0x0400, 'REFCNT'],
  [0x0800, 'MAXBUCKET'],
  [0x10000000, 'PRIVALLOC'],
  [0x20000000, 'INTERNAL'],
  [0x40000000, 'FULL'],
  [0x80000000, 'CACHEONLY'],
];
export const UMA_ZONE_OFFPAGE = 0x0008;
export const UMA_ZONE_REFCNT = 0x0400;
export const UMA_ZFLAG_INTERNAL = 0x20000000;

/** uk_flags as OFFPAGE|REFCNT|INTERNAL ("0" when none is set; unknown bits in hex). */
export function umaFlagNames(flags: number): string {
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of UMA_FLAGS) {
    if ((rest & bit) !== 0) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names.length ? names.join('|') : '0';
}

/**
 * uk_flags bits of a 2020 (13.0-CURRENT) kernel: vm/uma.h's UMA_ZONE_*
 * (OFFPAGE and HASH became UMA_ZFLAG_* in uma_int.h in January 2020; NOFREE
 * 0x20 and VM 0x80 kept their values).
 */
export const UMA_FLAGS_2020: ReadonlyArray<[number, string]> = [
  [0x0001, 'UNMANAGED'],
  [0x0002, 'ZINIT'],
  [0x0004, 'CONTIG'],
  [0x0008, 'NOTOUCH'],
  [0x0010, 'MALLOC'],
  [0x0020, 'NOFREE'],
  [0x0040, 'MTXCLASS'],
  [0x0080, 'VM'],
  [0x0100, 'NOTPAGE'],
  [0x0200, 'SECONDARY'],
  [0x0400, 'NOBUCKET'],
  [0x0800, 'MAXBUCKET'],
  [0x2000, 'CACHESPREAD'],
  [0x4000, 'NODUMP'],
  [0x8000, 'PCPU'],
  [0x10000, 'FIRSTTOUCH'],
  [0x20000, 'ROUNDROBIN'],
  [0x40000, 'SMR'],
  [0x00200000, 'OFFPAGE'],
  [0x00400000, 'HASH'],
  [0x00800000, 'VTOSLAB'],
  [0x01000000, 'CTORDTOR'],
  [0x02000000, 'LIMIT'],
  [0x04000000, 'CACHE'],
  [0x08000000, 'RECLAIMING'],
  [0x10000000, 'BUCKET'],
  [0x20000000, 'INTERNAL'],
  [0x40000000, 'TRASH'],
  [0x80000000, 'CACHEONLY'],
];
export const UMA_ZONE_NOFREE = 0x0020;
export const UMA_ZONE_SECONDARY = 0x0200;

/** uk_flags of a 2020 kernel by name. */
export function umaFlagNames2020(flags: number): string {
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of UMA_FLAGS_2020) {
    if ((rest & bit) !== 0) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names.length ? names.join('|') : '0';
}

// vmem boundary tag types (sys/kern/subr_vmem.c); spare tags on vm_freetags are 0 in the dump
export const BT_TYPE_SPAN = 1;
export const BT_TYPE_SPAN_STATIC = 2;
export const BT_TYPE_FREE = 3;
export const BT_TYPE_BUSY = 4;
export const BT_TYPE_CURSOR = 5;

/** bt_type_string(): what show vmemdump prints after the type number. */
export function btTypeString(type: number): string {
  switch (type) {
    case BT_TYPE_BUSY:
      return 'busy';
    case BT_TYPE_FREE:
      return 'free';
    case BT_TYPE_SPAN:
      return 'span';
    case BT_TYPE_SPAN_STATIC:
      return 'static span';
    case BT_TYPE_CURSOR:
      return 'cursor';
    default:
      return 'BOGUS';
  }
}
