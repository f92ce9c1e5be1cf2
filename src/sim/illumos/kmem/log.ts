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

/**
 * The records of a log, one slot per record position in the log's memory
 * (chunk * perChunk + index in the chunk), as columns: a log of 2% of a
 * 16 GB machine holds over a million records, which as objects in a Map
 * kept the garbage collector busy for nothing. Kva columns are Float64
 * (exact below 2^53), the small ones Int32.
 */
class LogSlots {
  readonly time: Float64Array;
  readonly thread: Float64Array;
  readonly addr: Float64Array;
  readonly slab: Float64Array;
  readonly bufctl: Float64Array;
  readonly lastlog: Float64Array;
  readonly contents: Float64Array;
  readonly log: Int32Array;
  readonly event: Int32Array;
  readonly cpu: Int32Array;
  readonly cache: Int32Array;
  readonly kmflag: Int32Array;
  readonly stack: Int32Array;
  /** slots in the order they were first written (a Map's insertion order: an overwrite keeps its place) */
  readonly order: Int32Array;
  /** 1 once a slot holds a record */
  readonly used: Uint8Array;
  size = 0;

  constructor(n: number) {
    this.time = new Float64Array(n);
    this.thread = new Float64Array(n);
    this.addr = new Float64Array(n);
    this.slab = new Float64Array(n);
    this.bufctl = new Float64Array(n);
    this.lastlog = new Float64Array(n);
    this.contents = new Float64Array(n);
    this.log = new Int32Array(n);
    this.event = new Int32Array(n);
    this.cpu = new Int32Array(n);
    this.cache = new Int32Array(n);
    this.kmflag = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.order = new Int32Array(n);
    this.used = new Uint8Array(n);
  }

  put(s: number, r: LogRecord): void {
    if (!this.used[s]) {
      this.used[s] = 1;
      this.order[this.size++] = s;
    }
    this.time[s] = r.time;
    this.thread[s] = r.thread;
    this.addr[s] = r.addr;
    this.slab[s] = r.slab;
    this.bufctl[s] = r.bufctl;
    this.lastlog[s] = r.lastlog;
    this.contents[s] = r.contents;
    this.log[s] = r.log;
    this.event[s] = r.event;
    this.cpu[s] = r.cpu;
    this.cache[s] = r.cache;
    this.kmflag[s] = r.kmflag;
    this.stack[s] = r.stack;
    // the Int32 columns must hold what they were given, as the objects did
    if (this.kmflag[s] !== r.kmflag || this.cache[s] !== r.cache || this.stack[s] !== r.stack || this.log[s] !== r.log || this.event[s] !== r.event || this.cpu[s] !== r.cpu)
      throw new Error(`simulator: a log record field does not fit in 32 bits: ${JSON.stringify(r)}`);
  }

  get(s: number): LogRecord {
    return {
      time: this.time[s]!,
      log: this.log[s]!,
      event: this.event[s]!,
      thread: this.thread[s]!,
      cpu: this.cpu[s]!,
      cache: this.cache[s]!,
      addr: this.addr[s]!,
      slab: this.slab[s]!,
      bufctl: this.bufctl[s]!,
      lastlog: this.lastlog[s]!,
      contents: this.contents[s]!,
      kmflag: this.kmflag[s]!,
      stack: this.stack[s]!,
    };
  }
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
  /** the records in the log, by slot (see LogSlots); made by init() */
  private cols: LogSlots | null = null;
  /** entries of entrySize that fit in a chunk */
  private perChunk = 0;
  /** records ever entered */
  count = 0;
  /** the objects slots.get() and records() hand out, kept until the next enter() so that they compare identical */
  private view: Map<Kva, LogRecord> | null = null;

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
    // The content log holds no records (only its addresses are used).
    if (this.entrySize > 0) {
      this.perChunk = Math.floor(chunksize / this.entrySize);
      this.cols = new LogSlots(nchunks * this.perChunk);
    }
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
    if (r) {
      // records are entrySize apart from the chunk's start
      if (size !== this.entrySize || !this.cols) throw new Error(`simulator: a ${size}-byte record in ${this.name}`);
      const inChunk = this.chunksize - c.clh_avail;
      this.cols.put(c.clh_chunk * this.perChunk + inChunk / this.entrySize, r);
      this.view = null;
    }
    c.clh_current += size;
    c.clh_avail -= size;
    this.count++;
    return at;
  }

  /** the address of slot `s` */
  private slotAddr(s: number): Kva {
    const chunk = Math.floor(s / this.perChunk);
    return this.base + chunk * this.chunksize + (s - chunk * this.perChunk) * this.entrySize;
  }

  /**
   * Every record, as (slot, its address) in the order a Map keyed by address
   * would give: the order each address was first written. The columns are
   * `columns()`.
   */
  forEachSlot(fn: (s: number, at: Kva) => void): void {
    const c = this.cols;
    if (!c) return;
    for (let i = 0; i < c.size; i++) {
      const s = c.order[i]!;
      fn(s, this.slotAddr(s));
    }
  }

  /** the record columns (see LogSlots), or null for a log without records */
  columns(): LogSlots | null {
    return this.cols;
  }

  /** the records by their address, as objects (tests, and the few records the dump's txlog sorts) */
  get slots(): ReadonlyMap<Kva, LogRecord> {
    if (!this.view) {
      const m = new Map<Kva, LogRecord>();
      const c = this.cols;
      this.forEachSlot((s, at) => m.set(at, c!.get(s)));
      this.view = m;
    }
    return this.view;
  }

  /** records in the log, oldest first */
  records(): LogRecord[] {
    return [...this.slots.values()].sort((a, b) => a.time - b.time);
  }
}
