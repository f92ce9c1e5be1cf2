/*
 * FreeBSD base types (sys/_mutex.h, sys/_lock.h, sys/queue.h): the lock and
 * list heads every subsystem layout embeds. queue(3) heads and entries are
 * declared once per shape, as the macros expand them.
 */
import type { CtfBuilder } from '../../ctf.js';

export function declareFreebsdBaseTypes(b: CtfBuilder): void {
  b.struct('struct lock_object', undefined, [
    ['lo_name', 'const char *'],
    ['lo_type', 'const char *'],
    ['lo_flags', 'u_int'],
    ['lo_witness', 'struct witness *'],
  ]);
  // mtx_lock holds the owning thread's address, or MTX_UNOWNED (4)
  b.struct('struct mtx', undefined, [
    ['mtx_object', 'struct lock_object'],
    ['mtx_lock', 'uintptr_t'],
    ['mtx_recurse', 'u_int'],
  ]);
  // LIST_HEAD / LIST_ENTRY, TAILQ_HEAD / TAILQ_ENTRY, SLIST_ENTRY
  b.struct('LIST_HEAD', undefined, [['lh_first', 'void *']]);
  b.struct('LIST_ENTRY', undefined, [
    ['le_next', 'void *'],
    ['le_prev', 'void **'],
  ]);
  b.struct('TAILQ_HEAD', undefined, [
    ['tqh_first', 'void *'],
    ['tqh_last', 'void **'],
  ]);
  b.struct('TAILQ_ENTRY', undefined, [
    ['tqe_next', 'void *'],
    ['tqe_prev', 'void **'],
  ]);
  b.struct('SLIST_ENTRY', undefined, [['sle_next', 'void *']]);
}
