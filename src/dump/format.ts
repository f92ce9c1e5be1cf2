/*
 * The mddb crash dump, format version 3: the contract between the simulator
 * (which writes dumps, as savecore does) and the debugger (which reads them, as
 * mdb reads a vmcore). Neither side imports the other; both import this file.
 *
 * 1. Concepts
 *
 *   Header.   Who crashed, how, and the recipe to crash it again: OS, kernel
 *             version, platform, pointer size, hostname, the dump time in
 *             simulated hrtime, the panic (message, thread, CPU) or none for a
 *             live snapshot (savecore -L), and the scenario, seed, parameters
 *             and fixes that produced it.
 *
 *   Types.    CTF-like struct layouts: every structure the debugger can
 *             ::print, with each member's name, C type, byte offset and size.
 *
 *   Tables.   Every kernel object is one row of the table named after its C
 *             type ("kmem_cache_t", "vmem_seg_t", "kthread_t" ...). Row i has
 *             the object's address in the "addr" column and one column per
 *             member the simulator models, named after the member ("cache_flags",
 *             or "cache_full.ml_total" for a member of a nested struct). A member
 *             the simulator does not model reads as zero. Memory at an address
 *             is therefore the object whose [addr, addr + sizeof) contains it,
 *             with each modelled member encoded little-endian at its offset: the
 *             debugger synthesises bytes from rows and layouts, so one object
 *             costs its modelled fields, not its size in bytes.
 *
 *             Tables whose name is not a C type describe memory that is not a
 *             structure (TABLE_* below): the symbol table, buffer contents,
 *             interned stacks, thread stack frames, the transaction log and the
 *             console message buffer.
 *
 *             A member that is an array of pc_t (a stack, like an audit
 *             bufctl's bc_stack) may be stored as a u32 column holding a row
 *             of the `stacks` table: the array reads as that stack's pcs,
 *             zero-padded, so a million audit records share their stacks.
 *
 *   Columns.  Typed arrays (ColumnKind), written as raw little-endian bytes and
 *             compressed. Addresses are 64-bit and exceed 2^53: they are u64
 *             columns (BigUint64Array), never JS numbers. Strings are indices
 *             into a per-column string pool. Variable-length members (magazine
 *             rounds, a buffer's pointers, a frame's arguments) are list
 *             columns in CSR form: offsets[rowCount + 1] into a values array.
 *
 *   Chunks.   (version 2) A table of more than 65,536 rows stores each scalar
 *             column in chunks of rows, each compressed on its own, with the
 *             lowest and highest value of each chunk in the catalog. In
 *             memory a column is still one typed array (`values`, every
 *             chunk inflated on first access); dump/chunks.ts reads single
 *             rows by inflating only their chunks, and skips chunks whose
 *             bounds exclude a value searched for. Version 1 is the same
 *             format without chunks, and is still read.
 *
 *   Order.    (version 3) A chunked table whose rows are memory (a struct
 *             table, buffers, strings, globals, text) with a u64 "addr"
 *             column, and whose rows are not already in address order, also
 *             stores `order`: its row numbers (u32) in ascending address
 *             order, equal addresses in ascending row order, each stored as
 *             the difference from the one before (runs of 1 deflate to
 *             nearly nothing), so that the debugger's
 *             address index merges nothing and sorts nothing (2.35 M buffers
 *             and 2.8 M audit bufctls on a million-buffer heap). It is
 *             derived data: the writer computes it from the addr column, and
 *             the reader checks it against that column on first use
 *             (dump/addr-order.ts). Version 2 is version 3 without it, and is
 *             still read.
 *
 * 2. Invariants the reader checks (validate.ts)
 *
 *   - magic, version, a CRC-32 over everything after the fixed prefix;
 *   - every column of a table has exactly rowCount values (a chunked one:
 *     ceil(rowCount / chunkRows) chunks, each of chunkRows values but the
 *     last, each value inside its chunk's bounds); list offsets start
 *     at 0, never decrease and end at the values' length; string indices are
 *     inside their pool;
 *   - every table named after a struct type has that type in `types`, every
 *     column of it names a member of that type (or is "addr");
 *   - references between tables (a *_ROW column) are in range;
 *   - a table's address order (version 3) names each row once, in
 *     ascending address order, ties in row order, when it is first read.
 *
 * The file layout (bytes) is described in codec.ts, next to the code that
 * writes it.
 */

/** The first eight bytes of every dump. */
export const DUMP_MAGIC = 'MDDBDUMP';
/** The format version this code writes (and the newest it reads). */
export const DUMP_VERSION = 3;
/**
 * The oldest version it reads: version 2 is version 3 without address
 * orders, version 1 is version 2 without chunks of rows (codec.ts), so
 * their files load unchanged.
 */
export const DUMP_MIN_VERSION = 1;

/** Element kinds of a column. `u64` holds addresses and 64-bit counters exactly. */
export type ScalarKind = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | 'f64';
export type ColumnKind = ScalarKind | 'str' | 'list';

/** A column's values, in memory. */
export type ScalarArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float64Array;

export interface ScalarColumn {
  kind: ScalarKind;
  values: ScalarArray;
}

/** Strings: values[i] is the string of row i (pooled on disk). */
export interface StringColumn {
  kind: 'str';
  values: string[];
}

/** Variable-length lists in CSR form: row i is values[offsets[i] .. offsets[i+1]). */
export interface ListColumn {
  kind: 'list';
  /** element kind of the values */
  of: ScalarKind;
  offsets: Uint32Array;
  values: ScalarArray;
}

export type Column = ScalarColumn | StringColumn | ListColumn;

export interface Table {
  /** a C type name ("kmem_cache_t") or one of the TABLE_* names */
  name: string;
  rowCount: number;
  /** column name -> column; a struct table has "addr" (u64) and member columns */
  columns: Record<string, Column>;
}

/** One member of a struct layout (CTF's ctm_name, ctm_type, ctm_offset). */
export interface TypeMember {
  /** member name as in the kernel source: "cache_name", "cache_cpu" */
  name: string;
  /**
   * C type as mdb's ::print -t shows it: "uint64_t", "char [32]",
   * "struct kmem_cpu_cache *", "kmem_maglist_t", "void *[15]".
   */
  type: string;
  /** byte offset from the start of the struct */
  offset: number;
  /** size in bytes */
  size: number;
}

/** A struct (or union) layout, CTF-like. */
export interface TypeDef {
  /** the typedef name used by ::print and ::sizeof: "kmem_cache_t" */
  name: string;
  /** the struct tag, if any: "struct kmem_cache" */
  tag?: string;
  kind: 'struct' | 'union';
  /** sizeof in bytes */
  size: number;
  members: TypeMember[];
}

/** The panic, as the kernel recorded it in panicstr / panic_thread / panic_cpu. */
export interface PanicInfo {
  /** panicstr: the formatted message without the "panic[cpuN]/thread=X: " prefix */
  message: string;
  /** panic_thread: address of the panicking kthread_t, hex without 0x */
  thread: string;
  /** panic_cpu: the CPU id that panicked */
  cpu: number;
  /** the function that called panic()/assfail(): "assfail", "vpanic" */
  caller: string;
}

/** How to make this dump again: `mddb simulate <scenario> --seed <seed> ...`. */
export interface Recipe {
  /** scenario name ("illumos-2911") or a path for a user's own file */
  scenario: string;
  /** the scenario text after --set overrides were applied, as YAML */
  scenarioText: string;
  /** PRNG seed */
  seed: number;
  /** the --set overrides, key path -> value, in the order given */
  set: Array<[string, string]>;
  /** fixes switched on, by the name of the real change ("679ac15") */
  fixes: string[];
  /** mddb version that wrote the dump */
  mddbVersion: string;
}

export interface DumpHeader {
  /** "illumos" or "freebsd" */
  os: 'illumos' | 'freebsd';
  /** utsname: "SunOS 5.11 illumos-2012.10 DEBUG" */
  kernelVersion: string;
  /** "i86pc" (amd64) or "i386" */
  platform: string;
  /** instruction set: "amd64", "i386" */
  isa: string;
  /** sizeof (void *): 8 on amd64, 4 on i386 */
  pointerSize: 4 | 8;
  /** utsname nodename */
  hostname: string;
  /** true when the kernel was built DEBUG (ASSERTs live) */
  debug: boolean;
  /** number of CPUs (ncpus) */
  ncpus: number;
  /** physical memory in pages (physmem) */
  physmem: number;
  /** page size in bytes (PAGESIZE) */
  pagesize: number;
  /** simulated hrtime of the dump, nanoseconds since boot, decimal string */
  dumpTime: string;
  /** "panic" for a crash dump, "live" for a snapshot of a running system */
  dumpKind: 'panic' | 'live';
  /** the panic, or null for a live dump */
  panic: PanicInfo | null;
  /** what the simulation run did, for ::status and the simulate report */
  outcome: 'panic' | 'hang' | 'completed';
  /**
   * Where the debugger was entered, when it was not a panic: on a hang, from
   * an interrupt on the CPU that ran last (2004: the software watchdog,
   * "KDB: enter: watchdog timeout"; 2020: a break on the console, "KDB:
   * enter: Break to debugger"). Optional; absent in dumps written before it
   * existed.
   */
  entry?: DebuggerEntry;
  recipe: Recipe;
}

/** The debugger's entry on a dump that has no panic (a hang). */
export interface DebuggerEntry {
  /** "watchdog" (watchdog_fire()) or "break" (a console break: kdb_break()) */
  reason: string;
  /** the thread that was on `cpu` then (ddb's curthread), hex without 0x */
  thread: string;
  cpu: number;
}

/** A whole dump in memory: what the writer takes and the reader returns. */
export interface DumpModel {
  header: DumpHeader;
  types: TypeDef[];
  tables: Table[];
}

/*
 * Tables that are not C structs. Their columns are fixed here; each column
 * has a one-line comment. *_ROW columns are row numbers in another table.
 */

/**
 * The kernel symbol table (what ::nm prints).
 *   name   (str) symbol name, "kmem_cache_alloc"
 *   module (str) module, "genunix", "blkdev", "zfs", "unix"
 *   addr   (u64) address
 *   size   (u64) size in bytes
 *   kind   (u8)  SYMKIND_FUNC or SYMKIND_OBJECT
 */
export const TABLE_SYMBOLS = 'symbols';
export const SYMKIND_FUNC = 1;
export const SYMKIND_OBJECT = 2;

/**
 * Interned stacks (audit bufctl stacks, transaction log stacks).
 *   pcs (list of u64) program counters, innermost first
 */
export const TABLE_STACKS = 'stacks';

/**
 * Thread stack frames, one row per frame, grouped by thread, innermost first.
 *   thread_row (u32) row in kthread_t
 *   depth      (u16) 0 for the innermost frame
 *   fp         (u64) frame pointer (what $C prints first)
 *   pc         (u64) return address in this frame's function (sym+off)
 *   args       (list of u64) the arguments the function was called with
 *   locals     (list of u64) kernel pointers held in locals (conservative roots)
 *   trapframe  (list of u64, FreeBSD dumps, optional) at a frame where a user
 *              thread entered the kernel (calltrap, Xint0x80_syscall,
 *              fast_syscall_common): the trap or system-call number, then
 *              the user pc, stack pointer and frame pointer it saved; empty
 *              on every other frame
 */
export const TABLE_FRAMES = 'frames';

/**
 * Contents of kmem buffers (what is in memory at a buffer's address). One row
 * per buffer the allocator has handed out or holds in a slab or magazine.
 *   addr       (u64) buffer address
 *   cache_row  (u32) row in kmem_cache_t
 *   state      (u8)  BUFSTATE_*: where the buffer is
 *   fill       (u8)  FILL_*: the pattern of the bytes not described by ptrs
 *   bufctl     (u64) its bufctl (hashed caches) or 0
 *   ptr_offs   (list of u32) byte offsets of pointer-sized words that hold kernel pointers
 *   ptr_vals   (list of u64) those pointers, same order
 * With KMF_BUFTAG in the cache's flags, the kmem_buftag_t at addr + cache_buftag
 * is implied by the row, as the kernel would have written it:
 *   bt_redzone = 0xfeedfacefeedface, bt_bufctl = bufctl,
 *   bt_bxstat  = bufctl ^ (state == BUFSTATE_ALLOC ? 0xa110c8ed : 0xf4eef4ee).
 * A buffer that holds a structure the dump also describes as a struct row
 * (a kmem_slab_t in kmem_slab_cache, a bufctl, a bd_t) reads as that row.
 */
export const TABLE_BUFFERS = 'buffers';
/** allocated to a client */
export const BUFSTATE_ALLOC = 0;
/** free in its slab (on slab_head) */
export const BUFSTATE_SLAB_FREE = 1;
/** free in a CPU's loaded/previous magazine or a depot magazine */
export const BUFSTATE_MAGAZINE = 2;
/** zero-filled or constructed: bytes not in ptrs read as 0 */
export const FILL_ZERO = 0;
/** freed with KMF_DEADBEEF: 0xdeadbeefdeadbeef */
export const FILL_DEADBEEF = 1;
/** never initialised since slab creation or re-alloc with KMF_DEADBEEF: 0xbaddcafebaddcafe */
export const FILL_BADDCAFE = 2;

/**
 * The allocator transaction log (kmem_transaction_log, kmem_failure_log,
 * kmem_slab_log merged, bounded: the newest entries win).
 *   timestamp (i64) hrtime in ns
 *   log       (u8)  LOG_*: which kernel log the entry belongs to
 *   event     (u8)  EVENT_*
 *   thread    (u64) kthread_t address
 *   cpu       (u16) CPU id
 *   cache_row (u32) row in kmem_cache_t (or 0xffffffff)
 *   addr      (u64) buffer or slab address (0 for a failure)
 *   bufctl    (u64) bufctl address or 0
 *   kmflag    (u32) the kmflag of the call
 *   stack_row (u32) row in stacks
 */
export const TABLE_TXLOG = 'txlog';
export const LOG_TRANSACTION = 0;
export const LOG_FAILURE = 1;
export const LOG_SLAB = 2;
export const EVENT_ALLOC = 0;
export const EVENT_FREE = 1;
export const EVENT_ALLOC_FAIL = 2;
export const EVENT_CTOR_FAIL = 3;
export const EVENT_SLAB_CREATE = 4;
export const EVENT_SLAB_DESTROY = 5;

/**
 * The console message buffer, one row per line, oldest first (::msgbuf).
 *   timestamp (i64) hrtime in ns when the line was logged
 *   text      (str) the line, without a newline
 */
export const TABLE_MSGBUF = 'msgbuf';

/**
 * Kernel globals that hold plain values (kmem_flags, freemem, ncpus, panicstr...).
 *   addr  (u64) the variable's address (also in `symbols`)
 *   size  (u8)  its size in bytes: 1, 2, 4 or 8
 *   value (u64) its value (a pointer, or an integer zero-extended)
 * A `char *` variable such as panicstr points at a string; the string's
 * bytes are the row of TABLE_STRINGS at that address.
 */
export const TABLE_GLOBALS = 'globals';

/**
 * NUL-terminated strings in kernel memory (what panicstr, vdev_path point at).
 *   addr (u64) address of the first byte
 *   text (str) the string, without its NUL
 */
export const TABLE_STRINGS = 'strings';

/**
 * The simulator's ground truth about leaks (illumos dumps of a scenario that
 * models a leak; absent otherwise). It is NOT kernel memory: no address
 * reads from it, and the debugger's dcmds never look at it; only
 * `mddb score-leaks` does, to compare ::findleaks with what really leaked.
 * One row per buffer the simulated kernel lost its last reference to while
 * the buffer was still allocated, in address order:
 *   addr      (u64) the buffer's address (as kmem_alloc returned it)
 *   cache_row (u32) row in kmem_cache_t (NO_ROW for an oversize vmem allocation)
 *   size      (u64) the size the client allocated (what kmem_free would be given)
 *   reason    (str) the modelled bug that lost it, in words
 * Optional and additive: dumps written before it existed load unchanged, so
 * it did not change the format version (it stayed 1; chunks made it 2).
 */
export const TABLE_LEAK_TRUTH = 'leak_truth';

/**
 * Free memory over the run's simulated time, as the simulator's run loop
 * sampled it (sim/machine/free-samples.ts): like leak_truth it is NOT kernel
 * memory (no address reads from it, no dcmd looks at it); it is the run's
 * event log that `mddb simulate` draws its free-memory picture from, against
 * the thresholds the kernel's own variables hold (illumos lotsfree,
 * throttlefree, pageout_reserve; FreeBSD cnt.v_free_target, v_free_min).
 * One row per interval of simulated time, in time order:
 *   start  (i64) the interval's start, ns since boot
 *   length (i64) the interval's length in ns (the same on every row)
 *   free   (u64) the lowest free-page count seen in it (illumos freemem,
 *                FreeBSD v_free_count)
 * At most 512 rows (neighbours merge as the run goes on). Optional and
 * additive like leak_truth: older dumps load unchanged.
 */
export const TABLE_FREE_MEMORY = 'free_memory';

/**
 * The kernel's text: machine code (amd64) of each function, one row per
 * function, for ::dis and the /i format. A dump without this table, or a
 * function without a row, has no instructions to show.
 *   addr  (u64) the function's address (its symbol's value)
 *   bytes (list of u8) its code, at most the symbol's size
 * Optional and additive like leak_truth: older dumps load unchanged.
 */
export const TABLE_TEXT = 'text';

/*
 * FreeBSD dumps (header.os "freebsd"). The same tables as above where they
 * apply (symbols, globals, strings, stacks, msgbuf, frames), and struct
 * tables named as ::print takes them (dump/types/freebsd/):
 *
 *   "struct thread"  every thread (the frames table's thread_row refers here);
 *                    td_wmesg points at a `strings` row; td_state is
 *                    TDS_INACTIVE 0, TDS_INHIBITED 1, TDS_CAN_RUN 2, TDS_RUNQ 3,
 *                    TDS_RUNNING 4; td_inhibitors TDI_SUSPENDED 0x1,
 *                    TDI_SLEEPING 0x2, TDI_SWAPPED 0x4, TDI_LOCK 0x8, TDI_IWAIT
 *                    0x10; td_oncpu NOCPU (0xff) when not running.
 *   "struct proc"    every process, allproc order; p_flag P_SYSTEM 0x200 marks
 *                    a kernel process (ps prints its name in brackets).
 *   "struct pgrp", "struct ucred"  what ps and show proc read through p_pgrp
 *                    and p_ucred; cr_groups is a u32 list column (2004: the
 *                    inline cr_groups[NGROUPS]; 2020: a pointer at the
 *                    struct's own cr_smallgroups, the list column).
 *   "struct pargs"   the arguments a user process exec'd with (p_args; NULL
 *                    for a kernel process): ar_args a u8 list column of
 *                    ar_length bytes, each argument NUL-terminated.
 *   "struct pcpu"    one row per CPU, in cpuid order.
 *   "struct vmmeter" one row: the global `cnt`.
 *   "struct mtx"     mutexes that exist outside another modelled struct
 *                    (Giant; in 2020 vmem_bt_lock and the container locks);
 *                    mtx_lock is the owner thread, with MTX_CONTESTED 2 set
 *                    while threads are blocked on it, or MTX_UNOWNED 4;
 *                    mtx_object.lo_flags has the lock class index at bit 24
 *                    (0 spin mutex, 1 sleep mutex, lock_classes[]' order),
 *                    LO_INITIALIZED 0x10000 and LO_RECURSABLE 0x80000. A dump
 *                    without that column reads as sleep mutexes.
 *   "struct turnstile"  each turnstile a thread is blocked on (td_blocked):
 *                    ts_lockobj, ts_owner and the first blocked thread.
 *   "struct uma_keg", "struct uma_zone"  every keg and zone, in creation
 *                    order; uz_name points at a `strings` row.
 *   "struct uma_slab", "struct uma_slab_refcnt"  every slab header, on-page
 *                    or off-page; `us_freelist` is a u8 list column of the
 *                    whole freelist (uk_ipers entries).
 *   "struct uma_bucket"  every bucket; `ub_bucket` is a u64 list column of
 *                    its ub_cnt items.
 *
 * Items of a keg are not rows: an item is in a slab (us_data + i * uk_rsize),
 * free when its index is on the slab's freelist chain from us_firstfree.
 * Globals a FreeBSD dump carries (table `globals`): panicstr, mp_ncpus,
 * physmem, hz, ticks, bucketdisable, uma_loop_panic, nmbclusters, and the
 * zone pointers slabzone, slabrefzone, zone_mbuf, zone_clust, zone_pack.
 */

/*
 * A 2020 FreeBSD dump (kernelVersion 13.0-CURRENT; dump/types/freebsd with
 * era 2020) has the 2020 UMA layouts under the same struct names (kegs with
 * uk_reserve, uk_name and per-domain uk_domain[].ud_free_items; zones with
 * uz_domain[] bucket caches and uz_cpu[] cache buckets; slabs with a `us_free`
 * u32 list column holding the free bitset, headers off the page in
 * "struct uma_hash_slab"), and FreeBSD vmem:
 *
 *   "struct vmem"       every arena (kernel_arena, the per-domain arenas,
 *                       kmem_arena ...); vm_name inline; vm_source points at
 *                       the arena it imports from.
 *   "struct vmem_btag"  every boundary tag of every arena: those on the
 *                       arena's segment list in address order, and the spare
 *                       ones on vm_freetags (bt_type 0, not on vm_seglist).
 *                       An extra u32 column `arena_row` names the arena row
 *                       each tag belongs to (not a kernel member).
 * Globals add kernel_arena, vmem_bt_zone, and the counters the load needs.
 * A 2020 "struct thread" also has td_name, td_lock (the container lock, a
 * "struct mtx" row: "sleepq chain", "turnstile lock" or "sched lock N"),
 * td_sleeptimo (sbintime_t, 0 without a timed sleep) and td_swvoltick /
 * td_swinvoltick (ticks of the last voluntary and involuntary switch, 0 for
 * none).
 */

/** A row reference that points nowhere. */
export const NO_ROW = 0xffffffff;
