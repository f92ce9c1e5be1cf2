/*
 * kmem's logs (kmem_transaction_log, kmem_content_log, kmem_failure_log,
 * kmem_slab_log): models kmem_log_init() and kmem_log_enter()
 * (uts/common/os/kmem.c).
 *
 * A log is lh_nchunks (4 per CPU) chunks of lh_chunksize bytes in one
 * allocation from the kmem_log arena. Each CPU fills its own chunk with
 * copies of kmem_bufctl_audit_t records; when the chunk is full the CPU
 * gives it back at lh_tail and takes the chunk at lh_head of lh_free[], the
 * oldest, so the log always holds the newest records and a reused chunk
 * keeps its older records until they are overwritten. A record's address in
 * the log is what bc_lastlog points at; ::kmalog and ::kmem_log read them
 * back through the header.
 */
import type { Kva } from '../../machine/platform.js';

export interface LogRecord {
  time: number;
  log: number;
  event: number;
  thread: Kva;
  cpu: number;
  cache: number;
  /** bc_addr (the buffer; 0 for a failure) */
  addr: Kva;
  /** bc_slab */
  slab: Kva;
  /** the bufctl the record copies, or 0 for kmem_log_event()'s */
  bufctl: Kva;
  /** bc_lastlog of the copied bufctl (the previous transaction on the buffer), or 0 */
  lastlog: Kva;
  /** bc_contents: the buffer's saved contents in the content log, or 0 */
  contents: Kva;
  kmflag: number;
  stack: number;
}

/** kmem_cpu_log_header_t */
interface CpuLogHeader {
  clh_chunk: number;
  clh_current: Kva;
  clh_avail: number;
  clh_hits: number;
}

export class KmemLog {
  /** lh_base: nchunks * chunksize bytes in the kmem_log arena */
  base: Kva = 0;
  /** the kmem_log_header_t, from the kmem_log arena too */
  header: Kva = 0;
  /** lh_free[]: nchunks ints */
  freeArr: Kva = 0;
  nchunks = 0;
  chunksize = 0;
  lh_head = 0;
  lh_tail = 0;
  lh_hits = 0;
  lh_free: number[] = [];
  cpus: CpuLogHeader[] = [];
  /** the records in the log, by their address */
  readonly slots = new Map<Kva, LogRecord>();
  /** records ever entered */
  count = 0;

  constructor(
    readonly name: string,
    /** the bytes one entry takes (sizeof (kmem_bufctl_audit_t), or cache_contents for the content log) */
    readonly entrySize: number,
  ) {}

  /** kmem_log_init()'s geometry: lh_chunksize = P2ROUNDUP(logsize / nchunks + 1, PAGESIZE) */
  static geometry(logsize: number, ncpus: number, pagesize: number): { nchunks: number; chunksize: number } {
    const nchunks = 4 * ncpus;
    return { nchunks, chunksize: Math.ceil((Math.floor(logsize / nchunks) + 1) / pagesize) * pagesize };
  }

  /** the rest of kmem_log_init(), once the memory is allocated */
  init(header: Kva, base: Kva, freeArr: Kva, nchunks: number, chunksize: number, ncpus: number): void {
    this.header = header;
    this.base = base;
    this.freeArr = freeArr;
    this.nchunks = nchunks;
    this.chunksize = chunksize;
    this.lh_free = Array.from({ length: nchunks }, (_, i) => i);
    this.cpus = Array.from({ length: ncpus }, (_, i) => ({ clh_chunk: i, clh_current: 0, clh_avail: 0, clh_hits: 0 }));
    this.lh_head = ncpus;
    this.lh_tail = 0;
  }

  get enabled(): boolean {
    return this.base !== 0;
  }

  /** models kmem_log_enter(): the record's address in the log, or 0 without a log */
  enter(cpu: number, r: LogRecord | null, size = this.entrySize): Kva {
    if (!this.enabled) return 0;
    const c = this.cpus[cpu % this.cpus.length]!;
    c.clh_hits++;
    if (size > c.clh_avail) {
      this.lh_hits++;
      this.lh_free[this.lh_tail] = c.clh_chunk;
      this.lh_tail = (this.lh_tail + 1) % this.nchunks;
      c.clh_chunk = this.lh_free[this.lh_head]!;
      this.lh_head = (this.lh_head + 1) % this.nchunks;
      c.clh_current = this.base + c.clh_chunk * this.chunksize;
      c.clh_avail = this.chunksize;
    }
    const at = c.clh_current;
    c.clh_current += size;
    c.clh_avail -= size;
    if (r) this.slots.set(at, r);
    this.count++;
    return at;
  }

  /** records in the log, oldest first */
  records(): LogRecord[] {
    return [...this.slots.values()].sort((a, b) => a.time - b.time);
  }
}
