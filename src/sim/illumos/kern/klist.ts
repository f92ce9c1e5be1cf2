/*
 * list_t (uts/common/os/list.c) over simulated kernel memory: a doubly-linked
 * list whose head (list_head: list_next, list_prev) is either inside a kmem
 * buffer or in kernel data, and whose objects each embed a list_node_t at the
 * list's offset. An empty list's head points at itself, as list_create()
 * leaves it. Every link is written where the kernel writes it, so the dump's
 * conservative scan (::findleaks) reaches each object from the head as mdb
 * reaches it on a real dump. The JS maps only mirror the links for O(1)
 * list_remove().
 */
import type { Kva } from '../../machine/platform.js';
import { storePtr } from '../kmem/contents.js';
import type { Buf } from '../kmem/types.js';

export class KList {
  private readonly nodes = new Map<Buf, [Buf | null, Buf | null]>();
  private first: Buf | null = null;
  private last: Buf | null = null;
  /** list_head.list_next / list_prev as kernel memory holds them */
  headNext: Kva;
  headPrev: Kva;

  /**
   * @param headBuf the buffer holding the list_t, or null when it is in kernel data (a global)
   * @param headAt the address of list_head (the list_t's list_head member)
   * @param nodeOff list_offset: where each object's list_node_t is
   */
  constructor(
    private readonly headBuf: Buf | null,
    readonly headAt: Kva,
    private readonly nodeOff: number,
  ) {
    this.headNext = headAt;
    this.headPrev = headAt;
    this.writeHead();
  }

  get size(): number {
    return this.nodes.size;
  }

  has(b: Buf): boolean {
    return this.nodes.has(b);
  }

  /** the objects in list order */
  items(): Buf[] {
    const out: Buf[] = [];
    for (let b = this.first; b; b = this.nodes.get(b)![1]) out.push(b);
    return out;
  }

  private writeHead(): void {
    this.headNext = this.first ? this.first.addr + this.nodeOff : this.headAt;
    this.headPrev = this.last ? this.last.addr + this.nodeOff : this.headAt;
    if (this.headBuf) {
      const off = this.headAt - this.headBuf.addr;
      storePtr(this.headBuf, off, this.headNext);
      storePtr(this.headBuf, off + 8, this.headPrev);
    }
  }

  private writeNode(b: Buf): void {
    const [p, n] = this.nodes.get(b)!;
    storePtr(b, this.nodeOff, n ? n.addr + this.nodeOff : this.headAt);
    storePtr(b, this.nodeOff + 8, p ? p.addr + this.nodeOff : this.headAt);
  }

  /** list_insert_tail() */
  insertTail(b: Buf): void {
    if (this.nodes.has(b)) return;
    const p = this.last;
    this.nodes.set(b, [p, null]);
    if (p) {
      this.nodes.get(p)![1] = b;
      this.writeNode(p);
    } else this.first = b;
    this.last = b;
    this.writeNode(b);
    this.writeHead();
  }

  /** list_remove(): the object's node is cleared (list_link_init), its neighbours joined */
  remove(b: Buf): void {
    const e = this.nodes.get(b);
    if (!e) return;
    const [p, n] = e;
    this.nodes.delete(b);
    if (p) {
      this.nodes.get(p)![1] = n;
      this.writeNode(p);
    } else this.first = n;
    if (n) {
      this.nodes.get(n)![0] = p;
      this.writeNode(n);
    } else this.last = p;
    storePtr(b, this.nodeOff, 0);
    storePtr(b, this.nodeOff + 8, 0);
    this.writeHead();
  }
}

/** A global's word the dump must carry: a list head (or any pointer) inside a kernel data object. */
export interface DataWord {
  at: Kva;
  value: Kva;
}

/** The head words of lists kept in kernel data, for savecore. */
export function listHeadWords(lists: Iterable<KList>): DataWord[] {
  const out: DataWord[] = [];
  for (const l of lists) {
    out.push({ at: l.headAt, value: l.headNext }, { at: l.headAt + 8, value: l.headPrev });
  }
  return out;
}
