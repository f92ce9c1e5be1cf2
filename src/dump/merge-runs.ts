/*
 * A stable k-way merge of rows that come in a few ascending runs. The dump's
 * buffers table lists each cache's buffers in address order, so the address
 * order the encoder stores and the index the debugger sorts itself when a
 * dump stores none (addr-order.ts), and ::findleaks' candidate list
 * (mdb/modules/illumos/kmem/leaky.ts), are all "sort rows that are already
 * sorted per cache": merging the runs with a heap of run heads costs
 * n log(runs) instead of a full sort.
 */

/**
 * The rows 0..n-1 in merged order. `before(p, q)`: row p sorts strictly
 * before row q; a run ends where a row sorts before the one above it. Equal
 * rows keep their order (the earlier run's first), so the result is what a
 * stable sort would give. Undefined when there are more than `maxRuns` runs,
 * where the caller's full sort is cheaper.
 */
export function mergeAscendingRuns(n: number, before: (p: number, q: number) => boolean, maxRuns: number): Int32Array | undefined {
  let runs = 1;
  for (let i = 1; i < n; i++) if (before(i, i - 1) && ++runs > maxRuns) return undefined;
  const pos = new Int32Array(runs);
  const end = new Int32Array(runs);
  let r = 0;
  for (let i = 1; i < n; i++) {
    if (before(i, i - 1)) {
      end[r] = i;
      pos[++r] = i;
    }
  }
  end[r] = n;
  // a binary min-heap of run numbers keyed by (the row at the run's head, run number)
  const less = (a: number, b: number): boolean => {
    const pa = pos[a]!;
    const pb = pos[b]!;
    return before(pa, pb) || (!before(pb, pa) && a < b);
  };
  const heap = new Int32Array(runs);
  let size = 0;
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const c = l + 1 < size && less(heap[l + 1]!, heap[l]!) ? l + 1 : l;
      if (!less(heap[c]!, heap[i]!)) return;
      const t = heap[c]!;
      heap[c] = heap[i]!;
      heap[i] = t;
      i = c;
    }
  };
  for (let k = 0; k < runs; k++) heap[size++] = k;
  for (let i = (size >> 1) - 1; i >= 0; i--) down(i);
  const order = new Int32Array(n);
  let o = 0;
  while (size > 0) {
    const k = heap[0]!;
    let p = pos[k]!;
    const e = end[k]!;
    // take from this run while its rows still come before the next smallest head
    const second = size > 1 ? (size > 2 && less(heap[2]!, heap[1]!) ? heap[2]! : heap[1]!) : -1;
    const head = second >= 0 ? pos[second]! : -1;
    do order[o++] = p++;
    while (p < e && (head < 0 || before(p, head) || (!before(head, p) && k < second)));
    pos[k] = p;
    if (p >= e) heap[0] = heap[--size]!;
    if (size > 0) down(0);
  }
  return order;
}
