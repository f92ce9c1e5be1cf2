/*
 * The shape of a scenario file. A scenario sets up load, platform and fixes;
 * it never states an outcome: no panic string, stack or counter appears here.
 *
 * The schema is data: each key has a type, a default and a one-line
 * description, and the same table drives validation, `--set a.b=value`
 * overrides and `mddb scenarios` listings.
 */

export type FieldType = 'string' | 'int' | 'number' | 'boolean';

export interface Field {
  type: FieldType;
  /** default when the key is absent; undefined means required */
  default?: string | number | boolean;
  min?: number;
  max?: number;
  /** allowed values for strings */
  oneOf?: readonly string[];
  doc: string;
}

export interface Section {
  doc: string;
  /**
   * A section added after dumps were written: a recipe's scenario text
   * leaves it out while every value is its default, so older recipes (and
   * dumps) stay as they were.
   */
  optional?: boolean;
  fields: Record<string, Field>;
}

/** Top-level scalar keys. */
export const TOP: Record<string, Field> = {
  name: { type: 'string', doc: 'scenario name, used on the command line' },
  title: { type: 'string', doc: 'one-line title' },
  os: { type: 'string', oneOf: ['illumos', 'freebsd'], doc: 'the simulated operating system; it decides which sections apply' },
  description: { type: 'string', default: '', doc: 'what the scenario reproduces' },
  seed: { type: 'int', default: 1, min: 0, max: 0xffffffff, doc: 'PRNG seed' },
};

/** Sections of scalar keys of an illumos scenario. */
export const SECTIONS: Record<string, Section> = {
  kernel: {
    doc: 'the machine and kernel build',
    fields: {
      platform: { type: 'string', default: 'i86pc', oneOf: ['i86pc'], doc: 'platform' },
      version: { type: 'string', default: 'SunOS 5.11 illumos', doc: 'kernel version string (utsname); DEBUG is appended on a DEBUG kernel' },
      hostname: { type: 'string', default: 'unknown', doc: 'nodename' },
      debug: { type: 'boolean', default: false, doc: 'DEBUG kernel: ASSERTs live, kmem_flags = 0xf' },
      ncpus: { type: 'int', default: 2, min: 1, max: 64, doc: 'number of CPUs' },
      physmem_mb: { type: 'int', default: 512, min: 16, max: 1048576, doc: 'physical memory in MB' },
    },
  },
  disks: {
    doc: 'blkdev disks (virtio) under a ZFS mirror',
    fields: {
      count: { type: 'int', default: 2, min: 1, max: 8, doc: 'number of vioblk disks (blkdev instances)' },
      qsize: { type: 'int', default: 32, min: 1, max: 1024, doc: 'blkdev queue depth (d_qsize)' },
      use_dma: { type: 'boolean', default: true, doc: 'the parent supplies DMA attributes (d_use_dma)' },
      latency_us: { type: 'int', default: 400, min: 1, max: 1000000, doc: 'device service time' },
      jitter_us: { type: 'int', default: 400, min: 0, max: 1000000, doc: 'random extra service time' },
    },
  },
  build: {
    doc: 'background load: compiler jobs allocating kernel memory and anonymous pages',
    fields: {
      jobs: { type: 'int', default: 4, min: 0, max: 256, doc: 'concurrent build jobs (threads)' },
      kmem_objects: { type: 'int', default: 200, min: 0, max: 10000000, doc: 'kernel objects each job keeps live' },
      anon_mb: { type: 'int', default: 32, min: 0, max: 1048576, doc: 'anonymous memory each job grows to' },
      think_us: { type: 'int', default: 200, min: 1, max: 10000000, doc: 'time between a job\'s system calls' },
      job_ops: { type: 'int', default: 4000, min: 1, max: 100000000, doc: 'system calls before a job exits and restarts' },
      write_pct: { type: 'number', default: 0, min: 0, max: 100, doc: 'percent of system calls that write 1-3 blocks to ZFS' },
      scale: { type: 'int', default: 1, min: 1, max: 100000, doc: 'multiplies kmem_objects (for benchmarks)' },
    },
  },
  reader: {
    doc: 'foreground load: processes reading files from the ZFS pool',
    fields: {
      threads: { type: 'int', default: 2, min: 0, max: 256, doc: 'reading processes' },
      prefetch: { type: 'int', default: 8, min: 0, max: 64, doc: 'blocks dmu_zfetch prefetches ahead' },
      arc_max: { type: 'int', default: 256, min: 1, max: 10000000, doc: 'ARC size in blocks' },
      think_us: { type: 'int', default: 300, min: 1, max: 10000000, doc: 'time between reads' },
      file_blocks: { type: 'int', default: 400, min: 1, max: 100000000, doc: 'blocks per file read sequentially' },
      idle_s: { type: 'number', default: 0, min: 0, max: 1e6, doc: 'longest pause between files (a compile step), chosen uniformly' },
      burst_s: { type: 'number', default: 0, min: 0, max: 1e6, doc: 'with quiet_s: readers read for burst_s seconds (a link phase)...' },
      quiet_s: { type: 'number', default: 0, min: 0, max: 1e6, doc: '...then all pause for quiet_s seconds (compiling); 0: no phases' },
    },
  },
  zfs: {
    doc: 'the ZFS pool',
    fields: {
      txg_s: { type: 'number', default: 5, min: 0.01, max: 3600, doc: 'seconds between transaction group syncs (txg_time)' },
    },
  },
  stop: {
    doc: 'when a run ends: every run ends',
    fields: {
      max_time_s: { type: 'number', default: 600, min: 0.001, max: 1e7, doc: 'simulated time budget (seconds)' },
      max_ops: { type: 'int', default: 50000000, min: 1, max: 1e12, doc: 'budget of simulated function calls' },
      hang_s: { type: 'number', default: 60, min: 0.001, max: 1e7, doc: 'a thread asleep this long on one channel with no progress is a hang' },
    },
  },
  ipc: {
    optional: true,
    doc: 'System V message queues (the msgsys module): processes sending and receiving messages; 0 queues loads no msgsys',
    fields: {
      queues: { type: 'int', default: 0, min: 0, max: 1024, doc: 'message queues (msgget) the load uses; 0: no IPC load' },
      senders: { type: 'int', default: 2, min: 0, max: 256, doc: 'processes calling msgsnd' },
      receivers: { type: 'int', default: 2, min: 0, max: 256, doc: 'processes calling msgrcv (and msgsnap, msgctl)' },
      msg_max: { type: 'int', default: 512, min: 1, max: 8192, doc: 'largest message text in bytes (sizes are uniform in 1..msg_max)' },
      qmax: { type: 'int', default: 16, min: 1, max: 100000, doc: 'messages a queue holds before senders sleep (msg_qmax, process.max-msg-messages)' },
      think_us: { type: 'int', default: 500, min: 1, max: 10000000, doc: "time between a process's system calls" },
      fault_pct: { type: 'number', default: 0, min: 0, max: 100, doc: "percent of msgrcv calls whose user buffer is unmapped (copyout faults: EFAULT)" },
      snap_pct: { type: 'number', default: 0, min: 0, max: 100, doc: 'percent of receiver calls that are msgsnap (snapshot a queue)' },
      rmid_pct: { type: 'number', default: 0, min: 0, max: 100, doc: 'percent of receiver calls that remove the queue (msgctl IPC_RMID) and make it again' },
    },
  },
  operator: {
    optional: true,
    doc: 'what the operator does at the console',
    fields: {
      dump_at_s: { type: 'number', default: 0, min: 0, max: 1e7, doc: 'seconds after boot the operator runs `reboot -d` (uadmin A_DUMP: a forced crash dump); 0: never' },
    },
  },
};

const STOP: Section = {
  doc: 'when a run ends: every run ends',
  fields: {
    max_time_s: { type: 'number', default: 600, min: 0.001, max: 1e7, doc: 'simulated time budget (seconds)' },
    max_ops: { type: 'int', default: 50000000, min: 1, max: 1e12, doc: 'budget of simulated function calls' },
    hang_s: { type: 'number', default: 60, min: 0.001, max: 1e7, doc: 'no progress by the load for this long is a hang (the watchdog breaks into the debugger)' },
  },
};

/** Sections of scalar keys of a FreeBSD scenario. */
export const FREEBSD_SECTIONS: Record<string, Section> = {
  kernel: {
    doc: 'the machine and kernel build',
    fields: {
      platform: { type: 'string', default: 'i386', oneOf: ['i386'], doc: 'platform (ILP32, KERNBASE 0xc0000000)' },
      version: { type: 'string', default: 'FreeBSD 6.0-CURRENT #0', doc: 'kernel version string (uname -v)' },
      hostname: { type: 'string', default: 'unknown', doc: 'hostname' },
      invariants: { type: 'boolean', default: false, doc: 'options INVARIANTS: KASSERTs live' },
      ncpus: { type: 'int', default: 2, min: 1, max: 32, doc: 'number of CPUs (mp_ncpus)' },
      physmem_mb: { type: 'int', default: 128, min: 16, max: 3072, doc: 'physical memory in MB' },
      mpsafenet: { type: 'boolean', default: false, doc: 'debug.mpsafenet: the network stack runs without Giant' },
      uma_loop_panic: { type: 'int', default: 0, min: 0, max: 1e9, doc: 'instrumented kernel: uma_zone_slab retries before it panics; 0 is the stock kernel' },
      nmbclusters: { type: 'int', default: 0, min: 0, max: 10000000, doc: 'kern.ipc.nmbclusters (the MbufClust limit); 0: 1024 + maxusers * 64' },
    },
  },
  net: {
    doc: 'network stress: processes sending and receiving packets (mbufs with clusters) over sockets',
    fields: {
      procs: { type: 'int', default: 4, min: 0, max: 256, doc: 'stress processes' },
      burst: { type: 'int', default: 16, min: 1, max: 4096, doc: 'packets per send or receive system call' },
      sockbuf: { type: 'int', default: 256, min: 1, max: 10000000, doc: 'packets a process holds in its socket buffers at most' },
      ops: { type: 'int', default: 2000, min: 1, max: 100000000, doc: 'system calls each process makes before it exits' },
      think_us: { type: 'int', default: 300, min: 1, max: 10000000, doc: 'time between a process\'s system calls' },
      small_pct: { type: 'number', default: 0, min: 0, max: 100, doc: 'percent of packets small enough for a plain mbuf (m_gethdr, no cluster)' },
      scale: { type: 'int', default: 1, min: 1, max: 100000, doc: 'multiplies burst and sockbuf (for benchmarks)' },
    },
  },
  pressure: {
    doc: 'memory pressure: processes faulting in anonymous memory that the pagedaemon pages out',
    fields: {
      procs: { type: 'int', default: 2, min: 0, max: 256, doc: 'processes' },
      anon_mb: { type: 'int', default: 32, min: 0, max: 4096, doc: 'anonymous memory each process keeps resident' },
      ops: { type: 'int', default: 2000, min: 1, max: 100000000, doc: 'page-fault batches each process takes before it exits' },
      think_us: { type: 'int', default: 500, min: 1, max: 10000000, doc: 'time between fault batches' },
    },
  },
  stop: STOP,
};

/**
 * Sections of a FreeBSD scenario of the 2020 kernel (`era: 2020` at the top
 * level): 13.0-CURRENT on i386 or amd64 under a kernel build over NFS.
 */
export const FREEBSD_2020_SECTIONS: Record<string, Section> = {
  kernel: {
    doc: 'the machine and kernel build',
    fields: {
      platform: { type: 'string', default: 'i386', oneOf: ['i386', 'amd64'], doc: 'i386: no direct map (vmem_bt_alloc feeds the btag zone); amd64: UMA_MD_SMALL_ALLOC' },
      version: { type: 'string', default: 'FreeBSD 13.0-CURRENT #0', doc: 'kernel version string (uname -v); ${machine} becomes the platform (i386 or amd64)' },
      hostname: { type: 'string', default: 'unknown', doc: 'hostname; ${machine} becomes the platform (i386 or amd64)' },
      invariants: { type: 'boolean', default: false, doc: 'options INVARIANTS' },
      ncpus: { type: 'int', default: 4, min: 1, max: 64, doc: 'number of CPUs (mp_ncpus)' },
      physmem_mb: { type: 'int', default: 512, min: 64, max: 65536, doc: 'physical memory in MB' },
      kva_mb: { type: 'int', default: 400, min: 32, max: 1048576, doc: 'kernel_map KVA that kernel_arena may import, in MB (buffer KVA included)' },
    },
  },
  build: {
    doc: 'make -j N buildkernel with the sources on NFS',
    fields: {
      jobs: { type: 'int', default: 8, min: 1, max: 256, doc: 'make -j: concurrent cc processes' },
      compiles: { type: 'int', default: 20, min: 1, max: 1000000, doc: 'compiles each job slot runs before the build ends' },
      ops: { type: 'int', default: 300, min: 1, max: 100000000, doc: 'system calls and fault batches per compile' },
      held: { type: 'int', default: 200, min: 1, max: 10000000, doc: 'kernel objects a compile keeps live (malloc working set)' },
      large_pages: { type: 'int', default: 16, min: 1, max: 4096, doc: 'large kernel allocations (pipes, exec) span 2..2+large_pages pages' },
      anon_mb: { type: 'int', default: 48, min: 0, max: 65536, doc: 'anonymous memory a compile grows to' },
      think_us: { type: 'int', default: 400, min: 1, max: 10000000, doc: 'time between a job\'s system calls' },
      nbuf: { type: 'int', default: 1500, min: 1, max: 10000000, doc: 'buffers in the buffer cache (32 KB NFS buffers)' },
      buf_kva_mb: { type: 'int', default: 48, min: 1, max: 65536, doc: 'buffer_arena KVA in MB' },
      bucket: { type: 'int', default: 0, min: 0, max: 256, doc: 'UMA bucket size of the malloc zones; 0: the kernel\'s bucket_select() by item size' },
      bt_bucket: { type: 'int', default: 0, min: 0, max: 256, doc: 'UMA bucket size of the vmem btag zone; 0: the kernel\'s bucket_select() by item size' },
      nfs_server: { type: 'string', default: 'nfsserver', doc: 'the NFS server the sources are on' },
      scale: { type: 'int', default: 1, min: 1, max: 100000, doc: 'multiplies jobs and held (for a bigger machine)' },
    },
  },
  stop: STOP,
};

/** The sections each OS's scenarios have. */
export const SECTIONS_BY_OS: Record<ScenarioOs, Record<string, Section>> = {
  illumos: SECTIONS,
  freebsd: FREEBSD_SECTIONS,
};

export type ScenarioOs = 'illumos' | 'freebsd';

/** A FreeBSD scenario's optional top-level `era` (2004 unless given) picks its sections. */
export const ERA_DOC = 'FreeBSD only: the kernel era, 2004 (default) or 2020; it picks the sections';

/** The sections of a scenario of this OS and era. */
export function sectionsOf(os: ScenarioOs, era?: number): Record<string, Section> {
  if (os === 'freebsd' && era === 2020) return FREEBSD_2020_SECTIONS;
  return SECTIONS_BY_OS[os];
}

/** fixes: map of fix name (the real change, e.g. 679ac15) to a one-line description. */
export const FIXES_DOC = 'fixes the scenario knows, by the name of the real change: one-line description each';

export type ScalarValue = string | number | boolean;

export interface FreebsdScenario {
  name: string;
  title: string;
  os: 'freebsd';
  description: string;
  seed: number;
  kernel: {
    platform: string;
    version: string;
    hostname: string;
    invariants: boolean;
    ncpus: number;
    physmem_mb: number;
    mpsafenet: boolean;
    uma_loop_panic: number;
    nmbclusters: number;
  };
  net: { procs: number; burst: number; sockbuf: number; ops: number; think_us: number; small_pct: number; scale: number };
  pressure: { procs: number; anon_mb: number; ops: number; think_us: number };
  stop: { max_time_s: number; max_ops: number; hang_s: number };
  fixes: Record<string, string>;
}

export interface Freebsd2020Scenario {
  name: string;
  title: string;
  os: 'freebsd';
  era: 2020;
  description: string;
  seed: number;
  kernel: { platform: string; version: string; hostname: string; invariants: boolean; ncpus: number; physmem_mb: number; kva_mb: number };
  build: {
    jobs: number; compiles: number; ops: number; held: number; large_pages: number; anon_mb: number; think_us: number;
    nbuf: number; buf_kva_mb: number; bucket: number; bt_bucket: number; nfs_server: string; scale: number;
  };
  stop: { max_time_s: number; max_ops: number; hang_s: number };
  fixes: Record<string, string>;
}

/** A scenario of either OS, told apart by `os` (and a FreeBSD one by `era`). */
export type AnyScenario = Scenario | FreebsdScenario | Freebsd2020Scenario;

export interface Scenario {
  name: string;
  title: string;
  os: 'illumos';
  description: string;
  seed: number;
  kernel: { platform: string; version: string; hostname: string; debug: boolean; ncpus: number; physmem_mb: number };
  disks: { count: number; qsize: number; use_dma: boolean; latency_us: number; jitter_us: number };
  build: { jobs: number; kmem_objects: number; anon_mb: number; think_us: number; job_ops: number; write_pct: number; scale: number };
  zfs: { txg_s: number };
  reader: { threads: number; prefetch: number; arc_max: number; think_us: number; file_blocks: number; idle_s: number; burst_s: number; quiet_s: number };
  stop: { max_time_s: number; max_ops: number; hang_s: number };
  ipc: { queues: number; senders: number; receivers: number; msg_max: number; qmax: number; think_us: number; fault_pct: number; snap_pct: number; rmid_pct: number };
  operator: { dump_at_s: number };
  fixes: Record<string, string>;
}
