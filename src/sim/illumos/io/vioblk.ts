/*
 * A virtio block device under blkdev (uts/common/io/vioblk): transfers are
 * queued on the virtqueue and complete after the device's latency, delivered
 * by its interrupt thread, which calls bd_xfer_done(). Completions (and so the
 * frees of transfers and their DMA handles) therefore happen on the interrupt
 * thread's CPU, not the CPU that allocated them.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import type { Buf } from '../kmem/kmem.js';
import { bdXferDone, type Bd, type BdDevice, type DmaAttr } from './blkdev.js';

/**
 * vioblk_bd_dma_attr as vioblk_attach() completes it (uts/common/io/vioblk):
 * byte-aligned, one cookie per virtqueue data segment. QEMU offers
 * VIRTIO_BLK_F_SEG_MAX with seg_max 126 and no SIZE_MAX, so sgllen is
 * seg_max (+2 descriptors, -2 for header and status) and maxxfer is
 * sgllen * DEF_MAXSECTOR (4096).
 */
export function vioblkBdDmaAttr(segMax = 126, segSizeMax = 4096): DmaAttr {
  const sgllen = segMax + 2 - 2;
  return {
    dma_attr_version: 0, // DMA_ATTR_V0
    dma_attr_addr_lo: 0n,
    dma_attr_addr_hi: 0xffffffffffffffffn,
    dma_attr_count_max: 0xffffffffn,
    dma_attr_align: 1n,
    dma_attr_burstsizes: 1,
    dma_attr_minxfer: 1,
    dma_attr_maxxfer: BigInt(sgllen * segSizeMax),
    dma_attr_seg: 0xffffffffffffffffn,
    dma_attr_sgllen: sgllen,
    dma_attr_granular: 1,
    dma_attr_flags: 0,
  };
}

const vioblk_read = func('vioblk', 'vioblk_read', 0xe0);
const vioblk_int_handler = func('vioblk', 'vioblk_int_handler', 0x140);
// amd64 illumos takes a low-level interrupt on the CPU's interrupt thread:
// do_interrupt() switches to that thread's stack with switch_sp_and_call(),
// which calls dispatch_hardint(vector, oldipl), which calls
// av_dispatch_autovect(vector) (avintr.c), which calls each handler on the
// vector: so these three frames, not i386's intr_thread, sit under a handler.
const switch_sp_and_call = func('unix', 'switch_sp_and_call', 0x20);
const dispatch_hardint = func('unix', 'dispatch_hardint', 0x60);
const av_dispatch_autovect = func('unix', 'av_dispatch_autovect', 0x130);
/** the vector apix gives the first virtio block device's interrupt, one more per device */
const VIOBLK_VECTOR = 0x60;

export interface Vioblk extends BdDevice {
  /** the softstate (sc), the interrupt thread sleeps on it */
  addr: Kva;
  inflight: Array<{ bd: Bd; xi: Buf; at: number }>;
  latencyNs: number;
  jitterNs: number;
  /** the interrupt vector its MSI was given at attach */
  vector: number;
}

/** `unit`: the device's place among the virtio block devices, in attach order */
export function vioblkCreate(k: Kernel, latencyNs: number, jitterNs: number, unit: number): Vioblk {
  const dev: Vioblk = {
    addr: k.bootAlloc(0x400),
    inflight: [],
    vector: VIOBLK_VECTOR + unit,
    latencyNs,
    jitterNs,
    readFn: vioblk_read,
    dmaAttr: vioblkBdDmaAttr(),
    start(kk: Kernel, bd: Bd, xi: Buf): void {
      const fr = kk.enter(vioblk_read, 0b11, dev.addr, xi.addr);
      dev.inflight.push({ bd, xi, at: kk.now + dev.latencyNs + kk.rng.below(dev.jitterNs + 1) });
      kk.cvSignal(dev.addr);
      kk.leave(fr);
    },
  };
  return dev;
}

/** The device's interrupt thread: sleep until the next completion is due, then deliver it. */
export function* vioblkIntrThread(k: Kernel, dev: Vioblk): KGen<void> {
  for (;;) {
    // Between interrupts the thread is free (TS_FREE in the dump): nothing on
    // its stack. The machine parks it on the device until a completion is due.
    if (dev.inflight.length === 0) {
      yield { kind: 'sleep', wchan: dev.addr, sobj: 'cv' };
      continue;
    }
    let next = Infinity;
    for (const x of dev.inflight) if (x.at < next) next = x.at;
    if (next > k.now) {
      yield { kind: 'sleep', wchan: dev.addr, sobj: 'cv', timeoutNs: next - k.now };
      k.curthread!.timedOut = false;
      continue;
    }
    // the interrupt: switch_sp_and_call → dispatch_hardint → av_dispatch_autovect → vioblk_int_handler(arg1, arg2)
    const vector = dev.vector;
    const f0 = k.enter(switch_sp_and_call, 0);
    const f1 = k.enter(dispatch_hardint, 0, vector, 0);
    const f2 = k.enter(av_dispatch_autovect, 0, vector);
    const fr = k.enter(vioblk_int_handler, 0b1, dev.addr, 0);
    const due = dev.inflight.filter((x) => x.at <= k.now);
    dev.inflight = dev.inflight.filter((x) => x.at > k.now);
    for (const x of due) bdXferDone(k, x.bd, x.xi, 0);
    k.leave(fr);
    k.leave(f2);
    k.leave(f1);
    k.leave(f0);
  }
}
