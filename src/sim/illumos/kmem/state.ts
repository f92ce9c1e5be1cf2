/*
 * kmem's global state: the cache list, tunables (kmem_flags, kmem_panic,
 * kmem_mtbf, kmem_maxverify, kmem_minfirewall), the metadata caches and logs.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { StackTable } from '../../machine/stacks.js';
import type { Vmem } from '../vmem/index.js';
import { KmemLog } from './log.js';
import { illumosLayouts } from '../dump/layouts.js';

/** sizeof (kmem_bufctl_audit_t): 192 on LP64 with KMEM_STACK_DEPTH 15 */
export const SIZEOF_KMEM_BUFCTL_AUDIT = illumosLayouts(1).structs.get('kmem_bufctl_audit_t')!.size;
import type { KmemCache } from './types.js';

export interface KmemArenas {
  kmem_metadata: Vmem;
  kmem_msb: Vmem;
  kmem_cache: Vmem;
  kmem_hash: Vmem;
  kmem_log: Vmem;
  kmem_firewall: Vmem;
  kmem_oversize: Vmem;
  kmem_va: Vmem;
  kmem_default: Vmem;
}

export class Kmem {
  readonly caches: KmemCache[] = [];
  /** kmem_flags: KMF_AUDIT|DEADBEEF|REDZONE|CONTENTS (0xf) on DEBUG kernels, 0 otherwise */
  kmem_flags: number;
  /** kmem_panic: kmem_error() panics when > 0 */
  kmem_panic = 1;
  /** kmem_mtbf: induced failures for NOSLEEP allocations (0 = off) */
  kmem_mtbf = 0;
  kmem_maxverify: number;
  kmem_minfirewall: number;
  /** kmem_reap_interval: 15 s */
  reapIntervalNs = 15_000_000_000;
  lastReap = -1;
  reaping = false;
  readonly stacks = new StackTable();
  // kmem_log_init() fills these in at the end of kmem_init(); until then
  // (and for the transaction and content logs without AUDIT/CONTENTS) they
  // hold nothing
  readonly transactionLog = new KmemLog('kmem_transaction_log', SIZEOF_KMEM_BUFCTL_AUDIT);
  readonly contentLog = new KmemLog('kmem_content_log', 0);
  readonly failureLog = new KmemLog('kmem_failure_log', SIZEOF_KMEM_BUFCTL_AUDIT);
  readonly slabLog = new KmemLog('kmem_slab_log', SIZEOF_KMEM_BUFCTL_AUDIT);
  // the metadata caches, created by kmemInit
  slabCache!: KmemCache;
  bufctlCache!: KmemCache;
  bufctlAuditCache!: KmemCache;
  /** kmem_magazine_<n>, by magsize */
  readonly magCaches = new Map<number, KmemCache>();
  /** kmem_alloc_<n> by size; kmem_alloc_table lookups round up */
  readonly allocCaches: KmemCache[] = [];
  /** the globals' addresses (kmem_flags etc.) for the symbol table */
  readonly globals = new Map<string, Kva>();

  constructor(
    readonly k: Kernel,
    readonly arenas: KmemArenas,
  ) {
    this.kmem_flags = k.cfg.debug ? 0xf : 0;
    this.kmem_maxverify = k.p.pagesize / 2;
    this.kmem_minfirewall = k.p.pagesize / 2;
  }
}
