/*
 * kmem's flags, patterns and magazine types (sys/kmem.h, sys/kmem_impl.h).
 */

/** kmflag: how an allocation may wait (sys/kmem.h) */
export const KM_SLEEP = 0x0;
export const KM_NOSLEEP = 0x1;
export const KM_PANIC = 0x2;
/** "can block for memory; may use reserve": note it has no NOSLEEP bit (illumos #2911) */
export const KM_PUSHPAGE = 0x4;
export const KM_NORMALPRI = 0x8;
export const KM_VMFLAGS = 0xff;

/** cache_flags (KMF_*), kmem_impl.h */
export const KMF_AUDIT = 0x1;
export const KMF_DEADBEEF = 0x2;
export const KMF_REDZONE = 0x4;
export const KMF_CONTENTS = 0x8;
export const KMF_STICKY = 0x10;
export const KMF_NOMAGAZINE = 0x20;
export const KMF_FIREWALL = 0x40;
export const KMF_LITE = 0x100;
export const KMF_HASH = 0x200;
export const KMF_RANDOMIZE = 0x400;
export const KMF_BUFTAG = KMF_DEADBEEF | KMF_REDZONE;
export const KMF_TOUCH = KMF_BUFTAG | KMF_LITE | KMF_CONTENTS;
export const KMF_DEBUG = KMF_TOUCH | KMF_AUDIT | KMF_NOMAGAZINE | KMF_FIREWALL;

/** cflags (KMC_*) given to kmem_cache_create */
export const KMC_NOTOUCH = 0x10000;
export const KMC_NODEBUG = 0x20000;
export const KMC_NOMAGAZINE = 0x40000;
export const KMC_NOHASH = 0x80000;
export const KMC_QCACHE = 0x100000;
export const KMC_KMEM_ALLOC = 0x200000;
export const KMC_IDENTIFIER = 0x400000;
export const KMC_PREFILL = 0x800000;

/** buftag state words: bt_bxstat = bufctl ^ one of these */
export const KMEM_BUFTAG_ALLOC = 0xa110c8ed;
export const KMEM_BUFTAG_FREE = 0xf4eef4ee;

export const KMEM_FREE_PATTERN = 0xdeadbeefdeadbeefn;
export const KMEM_UNINITIALIZED_PATTERN = 0xbaddcafebaddcafen;
export const KMEM_REDZONE_PATTERN = 0xfeedfacefeedfacen;

/** sizeof (kmem_buftag_t) on LP64: bt_redzone, bt_bufctl, bt_bxstat */
export const KMEM_BUFTAG_SIZE = 24;
/** KMEM_STACK_DEPTH: pcs kept in an audit bufctl */
export const KMEM_STACK_DEPTH = 15;
/** KMEM_HASH_INITIAL */
export const KMEM_HASH_INITIAL = 64;
export const KMEM_ALIGN = 8;
/** the CPU cache is padded to a cache line */
export const KMEM_CPU_CACHE_SIZE = 64;

/** kmem_magtype_t: {magsize, align, minbuf, maxbuf} (kmem.c kmem_magtype[]) */
export interface MagType {
  mt_magsize: number;
  mt_align: number;
  mt_minbuf: number;
  mt_maxbuf: number;
}

export const KMEM_MAGTYPES: readonly MagType[] = [
  { mt_magsize: 1, mt_align: 8, mt_minbuf: 3200, mt_maxbuf: 65536 },
  { mt_magsize: 3, mt_align: 16, mt_minbuf: 256, mt_maxbuf: 32768 },
  { mt_magsize: 7, mt_align: 32, mt_minbuf: 64, mt_maxbuf: 16384 },
  { mt_magsize: 15, mt_align: 64, mt_minbuf: 0, mt_maxbuf: 8192 },
  { mt_magsize: 31, mt_align: 64, mt_minbuf: 0, mt_maxbuf: 4096 },
  { mt_magsize: 47, mt_align: 64, mt_minbuf: 0, mt_maxbuf: 2048 },
  { mt_magsize: 63, mt_align: 64, mt_minbuf: 0, mt_maxbuf: 1024 },
  { mt_magsize: 95, mt_align: 64, mt_minbuf: 0, mt_maxbuf: 512 },
  { mt_magsize: 143, mt_align: 64, mt_minbuf: 0, mt_maxbuf: 0 },
];

/**
 * kmem_alloc_sizes[] (kmem.c): 8-byte steps to 56, then four sizes per power
 * of two to 896, then P2ALIGN(8192 / n, 64) for n = 7..2 (1152 .. 4096)
 */
export const KMEM_ALLOC_SIZES: readonly number[] = [
  8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896,
  ...[7, 6, 5, 4, 3, 2].map((n) => Math.floor(8192 / n / 64) * 64),
];
/** kmem_big_alloc_sizes[]: the kmem_alloc_<n> caches above KMEM_MAXBUF (4096), up to KMEM_BIG_MAXBUF */
export const KMEM_BIG_ALLOC_SIZES: readonly number[] = [
  2 * 4096, 3 * 4096, ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].map((n) => n * 8192),
];
/** KMEM_BIG_MAXBUF: sizes above this go straight to kmem_oversize */
export const KMEM_MAXBUF = 131072;

/** 2012 kmem.c: the line of ASSERT(rc == -1) in kmem_cache_alloc (illumos #2911's panic) */
export const KMEM_C_ASSERT_RC_LINE = 2598;

export function kmflagName(f: number): string {
  const n: string[] = [];
  if (f & KM_NOSLEEP) n.push('KM_NOSLEEP');
  if (f & KM_PANIC) n.push('KM_PANIC');
  if (f & KM_PUSHPAGE) n.push('KM_PUSHPAGE');
  if (f & KM_NORMALPRI) n.push('KM_NORMALPRI');
  return n.length ? n.join('|') : 'KM_SLEEP';
}
