/*
 * Basic illumos types shared by the subsystem layouts: locks, lists, AVL trees.
 */
import type { CtfBuilder } from '../../ctf.js';

export function declareBaseTypes(b: CtfBuilder): void {
  b.struct('kmutex_t', undefined, [['_opaque', 'void *[1]']]);
  b.struct('kcondvar_t', undefined, [['_opaque', 'ushort_t']]);
  b.struct('list_node_t', 'struct list_node', [
    ['list_next', 'struct list_node *'],
    ['list_prev', 'struct list_node *'],
  ]);
  b.struct('list_t', 'struct list', [
    ['list_size', 'size_t'],
    ['list_offset', 'size_t'],
    ['list_head', 'list_node_t'],
  ]);
  // avl_pcb packs the parent pointer, which child this node is (bit 2) and
  // the balance + 1 (bits 0-1), as uts/common/avl/avl.c does.
  b.struct('avl_node_t', 'struct avl_node', [
    ['avl_child', 'struct avl_node *[2]'],
    ['avl_pcb', 'uintptr_t'],
  ]);
  b.struct('avl_tree_t', 'struct avl_tree', [
    ['avl_root', 'struct avl_node *'],
    ['avl_compar', 'int (*)()'],
    ['avl_offset', 'size_t'],
    ['avl_numnodes', 'ulong_t'],
    ['avl_size', 'size_t'],
  ]);
}
