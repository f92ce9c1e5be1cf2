/*
 * Threads, processes and CPUs (sys/thread.h, sys/proc.h, sys/cpuvar.h), the
 * members ::threadlist, ::stacks, ::cpuinfo and ::findstack read.
 */
import type { CtfBuilder } from '../../ctf.js';

export function declareThreadTypes(b: CtfBuilder): void {
  // base.ts's lock and list types, when these layouts are declared on their own (test fixtures)
  if (!b.structs.has('kcondvar_t')) b.struct('kcondvar_t', undefined, [['_opaque', 'ushort_t']]);
  if (!b.structs.has('kmutex_t')) b.struct('kmutex_t', undefined, [['_opaque', 'void *[1]']]);
  if (!b.structs.has('list_node_t'))
    b.struct('list_node_t', 'struct list_node', [
      ['list_next', 'struct list_node *'],
      ['list_prev', 'struct list_node *'],
    ]);
  b.struct('sobj_ops_t', 'struct _sobj_ops', [
    ['sobj_type', 'int'],
    ['sobj_owner', 'void *'],
    ['sobj_unsleep', 'void *'],
    ['sobj_change_pri', 'void *'],
  ]);
  b.struct('kthread_t', 'struct _kthread', [
    ['t_link', 'struct _kthread *'],
    ['t_stk', 'caddr_t'],
    ['t_startpc', 'void (*)()'],
    ['t_bound_cpu', 'struct cpu *'],
    ['t_affinitycnt', 'short'],
    ['t_bind_cpu', 'short'],
    ['t_flag', 'ushort_t'],
    ['t_proc_flag', 'ushort_t'],
    ['t_schedflag', 'ushort_t'],
    ['t_preempt', 'short'],
    ['t_state', 'uint_t'],
    ['t_pri', 'pri_t'],
    ['t_epri', 'pri_t'],
    ['t_pc', 'uintptr_t'],
    ['t_sp', 'uintptr_t'],
    ['t_wchan0', 'caddr_t'],
    ['t_wchan', 'caddr_t'],
    ['t_sobj_ops', 'sobj_ops_t *'],
    ['t_cid', 'id_t'],
    ['t_cpu', 'struct cpu *'],
    ['t_did', 'uint64_t'],
    // the kernel stack is [t_stkbase, t_stk): ::findleaks scans it, ::whatis names it
    ['t_stkbase', 'caddr_t'],
    ['t_tid', 'id_t'],
    ['t_procp', 'struct proc *'],
    ['t_lwp', 'void *'],
    ['t_disp_time', 'long'],
    ['t_next', 'struct _kthread *'],
    ['t_prev', 'struct _kthread *'],
    // the taskq a taskq_thread() serves (::threadlist's tq:<name>, the taskq_thread walker)
    ['t_taskq', 'void *'],
  ]);
  // sys/taskq_impl.h (2012): a task queue and its entries, as taskq_create()
  // and taskq_dispatch() make them; tq_thread is the tq_thr union's member
  // for a single-threaded queue (tq_nthreads_max == 1), else tq_threadlist
  b.struct('taskq_ent_t', 'struct taskq_ent', [
    ['tqent_next', 'struct taskq_ent *'],
    ['tqent_prev', 'struct taskq_ent *'],
    ['tqent_func', 'void (*)()'],
    ['tqent_arg', 'void *'],
    ['tqent_bucket', 'void *'],
    ['tqent_thread', 'kthread_t *'],
    ['tqent_cv', 'kcondvar_t'],
  ]);
  b.struct('taskq_t', 'struct taskq', [
    ['tq_name', 'char [32]'],
    ['tq_lock', 'kmutex_t'],
    ['tq_threadlock', 'void *[1]'],
    ['tq_dispatch_cv', 'kcondvar_t'],
    ['tq_wait_cv', 'kcondvar_t'],
    ['tq_exit_cv', 'kcondvar_t'],
    ['tq_pri', 'pri_t'],
    ['tq_flags', 'uint_t'],
    ['tq_active', 'int'],
    ['tq_nthreads', 'int'],
    ['tq_nthreads_target', 'int'],
    ['tq_nthreads_max', 'int'],
    ['tq_threads_ncpus_pct', 'int'],
    ['tq_nalloc', 'int'],
    ['tq_minalloc', 'int'],
    ['tq_maxalloc', 'int'],
    ['tq_maxalloc_cv', 'kcondvar_t'],
    ['tq_maxalloc_wait', 'int'],
    ['tq_freelist', 'taskq_ent_t *'],
    ['tq_task', 'taskq_ent_t'],
    ['tq_maxsize', 'int'],
    ['tq_buckets', 'void *'],
    ['tq_instance', 'uint_t'],
    ['tq_nbuckets', 'uint_t'],
    ['tq_bsize', 'uint_t'],
    ['tq_thread', 'kthread_t *'],
    ['tq_cpupct_link', 'list_node_t'],
    ['tq_proc', 'struct proc *'],
    ['tq_cpupart', 'int'],
    ['tq_kstat', 'void *'],
    ['tq_totaltime', 'hrtime_t'],
    ['tq_tasks', 'uint64_t'],
    ['tq_executed', 'uint64_t'],
    ['tq_maxtasks', 'int'],
    ['tq_tcreates', 'int'],
    ['tq_tdeaths', 'int'],
  ]);
  // struct regs (intel/sys/privregs.h, amd64): what vpanic() saves for the
  // panicking CPU and panicsys() points panic_reg at
  b.struct('struct regs', undefined, [
    'r_savfp', 'r_savpc', 'r_rdi', 'r_rsi', 'r_rdx', 'r_rcx', 'r_r8', 'r_r9', 'r_rax', 'r_rbx', 'r_rbp', 'r_r10', 'r_r11',
    'r_r12', 'r_r13', 'r_r14', 'r_r15', '__r_fsbase', '__r_gsbase', 'r_ds', 'r_es', 'r_fs', 'r_gs', 'r_trapno',
    'r_err', 'r_rip', 'r_cs', 'r_rfl', 'r_rsp', 'r_ss',
  ].map((m): [string, string] => [m, 'long']));
  b.struct('struct pid', undefined, [['pid_id', 'pid_t']]);
  // sys/user.h: the open-file table, an array of uf_entry_t flist_grow() allocates
  b.struct('uf_info_t', 'struct uf_info', [
    ['fi_nfiles', 'int'],
    ['fi_list', 'void *'],
  ]);
  // sys/time_impl.h
  b.struct('timestruc_t', 'struct timespec', [
    ['tv_sec', 'time_t'],
    ['tv_nsec', 'long'],
  ]);
  b.struct('user_t', 'struct user', [
    // when cfork() made the process; the simulator has no wall clock, so boot is time 0
    ['u_start', 'timestruc_t'],
    ['u_comm', 'char [41]'],
    ['u_psargs', 'char [80]'],
    ['u_finfo', 'uf_info_t'],
  ]);
  // sys/cred_impl.h (amd64, 0x78 bytes, cred_cache's buffers): the ids ::ps prints
  b.struct('cred_t', 'struct cred', [
    ['cr_ref', 'uint_t'],
    ['cr_uid', 'uid_t'],
    ['cr_gid', 'uid_t'],
    ['cr_ruid', 'uid_t'],
    ['cr_rgid', 'uid_t'],
    ['cr_suid', 'uid_t'],
    ['cr_sgid', 'uid_t'],
    ['cr_priv', 'uint32_t [13]'],
    ['cr_projid', 'int'],
    ['cr_zone', 'void *'],
    ['cr_label', 'void *'],
    ['cr_ksid', 'void *'],
    ['cr_grps', 'void *'],
  ]);
  // sys/session.h: a session, its leader's struct pid (sess_create())
  b.struct('sess_t', 'struct sess', [
    ['s_ref', 'uint_t'],
    ['s_sighup', 'uint_t'],
    ['s_dev', 'ulong_t'],
    ['s_vp', 'void *'],
    ['s_sidp', 'struct pid *'],
    ['s_cred', 'void *'],
    ['s_lock', 'kmutex_t'],
    ['s_wait_cv', 'kcondvar_t'],
    ['s_cnt', 'int'],
    ['s_flag', 'int'],
    ['s_exit_cv', 'kcondvar_t'],
  ]);
  // sys/zone.h: the members ::ps -z and ::zone read
  b.struct('zone_t', 'struct zone', [
    ['zone_name', 'char *'],
    ['zone_id', 'zoneid_t'],
    ['zone_ref', 'uint32_t'],
    ['zone_cred_ref', 'uint32_t'],
    ['zone_rootpath', 'char *'],
    ['zone_status', 'int'],
  ]);
  b.struct('proc_t', 'struct proc', [
    ['p_exec', 'void *'],
    ['p_as', 'void *'],
    ['p_lockp', 'void *'],
    ['p_crlock', 'kmutex_t'],
    ['p_cred', 'cred_t *'],
    ['p_swapcnt', 'int'],
    ['p_stat', 'char'],
    ['p_wcode', 'char'],
    ['p_pidflag', 'ushort_t'],
    ['p_wdata', 'int'],
    ['p_ppid', 'pid_t'],
    ['p_link', 'struct proc *'],
    ['p_parent', 'struct proc *'],
    ['p_child', 'struct proc *'],
    ['p_sibling', 'struct proc *'],
    ['p_psibling', 'struct proc *'],
    ['p_sibling_ns', 'struct proc *'],
    ['p_child_ns', 'struct proc *'],
    ['p_next', 'struct proc *'],
    ['p_prev', 'struct proc *'],
    ['p_nextofkin', 'struct proc *'],
    ['p_orphan', 'struct proc *'],
    ['p_nextorph', 'struct proc *'],
    ['p_pglink', 'struct proc *'],
    ['p_ppglink', 'struct proc *'],
    ['p_sessp', 'sess_t *'],
    ['p_pidp', 'struct pid *'],
    ['p_pgidp', 'struct pid *'],
    ['p_flag', 'uint_t'],
    ['p_zone', 'zone_t *'],
    ['p_tlist', 'kthread_t *'],
    // pageout() sleeps on proc_pageout->p_cv
    ['p_cv', 'kcondvar_t'],
    ['p_user', 'user_t'],
  ]);
  b.struct('disp_t', 'struct _disp', [
    ['disp_lock', 'uint8_t'],
    ['disp_npri', 'pri_t'],
    ['disp_maxrunpri', 'pri_t'],
    ['disp_max_unbound_pri', 'pri_t'],
    ['disp_nrunnable', 'int'],
    ['disp_cpu', 'struct cpu *'],
  ]);
  b.struct('cpu_t', 'struct cpu', [
    ['cpu_id', 'processorid_t'],
    ['cpu_seqid', 'processorid_t'],
    ['cpu_flags', 'ushort_t'],
    ['cpu_self', 'struct cpu *'],
    ['cpu_thread', 'kthread_t *'],
    ['cpu_idle_thread', 'kthread_t *'],
    ['cpu_pause_thread', 'kthread_t *'],
    ['cpu_next', 'struct cpu *'],
    ['cpu_prev', 'struct cpu *'],
    ['cpu_disp', 'disp_t *'],
    ['cpu_runrun', 'char'],
    ['cpu_kprunrun', 'char'],
    ['cpu_chosen_level', 'pri_t'],
    ['cpu_dispthread', 'kthread_t *'],
    ['cpu_dispatch_pri', 'pri_t'],
    ['cpu_last_swtch', 'long'],
    ['cpu_intr_actv', 'uint_t'],
    ['cpu_base_spl', 'int'],
    ['cpu_disp0', 'disp_t'],
  ]);
}
