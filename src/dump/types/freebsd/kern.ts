/*
 * Threads, processes, per-CPU data and the VM counters of a 2004 FreeBSD
 * kernel (sys/proc.h, sys/pcpu.h, sys/vmmeter.h), the members ps, show
 * thread, show pcpu and bt read.
 */
import type { CtfBuilder } from '../../ctf.js';

/**
 * `era2020`: 2020's struct thread has td_name (kthread_add()'s name for a
 * thread of a kernel process), 2004's has none; and 2020's struct ucred
 * points cr_groups at its own cr_smallgroups (since 2009, until more than
 * XU_NGROUPS groups are set), where 2004's held cr_groups[NGROUPS] inline.
 */
export function declareFreebsdKernTypes(b: CtfBuilder, era2020 = false): void {
  const groups: [string, string][] = era2020
    ? [
        ['cr_ngroups', 'int'],
        ['cr_groups', 'gid_t *'],
        ['cr_agroups', 'int'],
        ['cr_smallgroups', 'gid_t [16]'],
      ]
    : [
        ['cr_ngroups', 'short'],
        ['cr_groups', 'gid_t [16]'],
      ];
  b.struct('struct ucred', undefined, [['cr_ref', 'u_int'], ['cr_uid', 'uid_t'], ['cr_ruid', 'uid_t'], ...groups]);
  // sys/proc.h: the arguments exec saved, NUL-separated (what ps -a and show proc print)
  b.struct('struct pargs', undefined, [
    ['ar_ref', 'u_int'],
    ['ar_length', 'u_int'],
    ['ar_args', 'u_char [1]'],
  ]);
  // subr_turnstile.c: what a thread blocked on a lock waits on (td_blocked); 2020's carries its own spin lock first
  b.struct('struct turnstile', undefined, [
    ...(era2020
      ? ([
          ['ts_lock', 'struct mtx'],
          ['ts_blocked', 'TAILQ_HEAD [2]'],
        ] as [string, string][])
      : ([['ts_blocked', 'TAILQ_HEAD']] as [string, string][])),
    ['ts_pending', 'TAILQ_HEAD'],
    ['ts_hash', 'LIST_ENTRY'],
    ['ts_link', 'LIST_ENTRY'],
    ['ts_free', 'LIST_HEAD'],
    ['ts_lockobj', 'struct lock_object *'],
    ['ts_owner', 'struct thread *'],
  ]);
  b.struct('struct pgrp', undefined, [
    ['pg_hash', 'LIST_ENTRY'],
    ['pg_members', 'LIST_HEAD'],
    ['pg_id', 'pid_t'],
  ]);
  b.struct('struct thread', undefined, [
    ['td_proc', 'struct proc *'],
    ['td_plist', 'TAILQ_ENTRY'],
    ['td_tid', 'lwpid_t'],
    ['td_flags', 'int'],
    ['td_inhibitors', 'int'],
    ['td_pflags', 'int'],
    ['td_wchan', 'void *'],
    ['td_wmesg', 'const char *'],
    ['td_lastcpu', 'u_char'],
    ['td_oncpu', 'u_char'],
    ['td_locks', 'int'],
    ['td_blocked', 'struct turnstile *'],
    ['td_lockname', 'const char *'],
    ['td_ucred', 'struct ucred *'],
    ['td_state', 'int'],
    ['td_base_pri', 'u_char'],
    ['td_priority', 'u_char'],
    ['td_pcb', 'struct pcb *'],
    ['td_kstack', 'vm_offset_t'],
    ['td_kstack_pages', 'int'],
    ...(era2020
      ? ([
          ['td_name', 'char [20]'],
          // the container lock (thread_lock()), the timed sleep's deadline, and the ticks of the last switches, as show thread prints them
          ['td_lock', 'struct mtx *'],
          ['td_sleeptimo', 'sbintime_t'],
          ['td_swvoltick', 'int'],
          ['td_swinvoltick', 'int'],
        ] as [string, string][])
      : []),
  ]);
  b.struct('struct proc', undefined, [
    ['p_list', 'LIST_ENTRY'],
    ['p_threads', 'TAILQ_HEAD'],
    ['p_ucred', 'struct ucred *'],
    ['p_flag', 'int'],
    ['p_state', 'int'],
    ['p_pid', 'pid_t'],
    ['p_pptr', 'struct proc *'],
    ['p_pgrp', 'struct pgrp *'],
    ['p_numthreads', 'int'],
    ['p_comm', 'char [20]'],
    ['p_args', 'struct pargs *'],
  ]);
  b.struct('struct pcpu', undefined, [
    ['pc_curthread', 'struct thread *'],
    ['pc_idlethread', 'struct thread *'],
    ['pc_fpcurthread', 'struct thread *'],
    ['pc_curpcb', 'struct pcb *'],
    ['pc_switchtime', 'u_int64_t'],
    ['pc_switchticks', 'int'],
    ['pc_cpuid', 'u_int'],
    ['pc_cpumask', 'u_int'],
    ['pc_allcpu', 'SLIST_ENTRY'],
  ]);
  b.struct('struct vmmeter', undefined, [
    ['v_swtch', 'u_int'],
    ['v_trap', 'u_int'],
    ['v_syscall', 'u_int'],
    ['v_intr', 'u_int'],
    ['v_vm_faults', 'u_int'],
    ['v_pdwakeups', 'u_int'],
    ['v_pdpages', 'u_int'],
    ['v_page_size', 'u_int'],
    ['v_page_count', 'u_int'],
    ['v_free_reserved', 'u_int'],
    ['v_free_target', 'u_int'],
    ['v_free_min', 'u_int'],
    ['v_free_count', 'u_int'],
    ['v_wire_count', 'u_int'],
    ['v_active_count', 'u_int'],
    ['v_inactive_target', 'u_int'],
    ['v_inactive_count', 'u_int'],
    ['v_cache_count', 'u_int'],
    ['v_cache_min', 'u_int'],
    ['v_cache_max', 'u_int'],
    ['v_pageout_free_min', 'u_int'],
    ['v_interrupt_free_min', 'u_int'],
    ['v_free_severe', 'u_int'],
  ]);
}
