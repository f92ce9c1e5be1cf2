// The pagedaemon's controller (subr_pidctrl.c's pidctrl_daemon), and the 2020 pagedaemon's thresholds.
import { describe, expect, it } from 'vitest';
import { pidctrlDaemon, pidctrlInit } from '../../../src/sim/freebsd/kern/subr_pidctrl.js';
import { Kernel } from '../../../src/sim/machine/kernel.js';
import { FREEBSD_2020 } from '../../../src/sim/freebsd/kern/kern2020.js';
import { I386_FREEBSD } from '../../../src/sim/machine/platform.js';
import { vmPageAlloc, vmStartup2020, VM_ALLOC_NORMAL } from '../../../src/sim/freebsd/vm/vm_kern2020.js';

describe('pidctrl_daemon', () => {
  it('asks for error/Kpd + integral/Kid + derivative/Kdd at the start of an interval, in C integer division', () => {
    const pc = pidctrlInit(100, 2000);
    // error 600: 600/3 + 600/4 + 600/8 = 200 + 150 + 75
    expect(pidctrlDaemon(pc, 100, 1400)).toBe(425);
  });

  it('reports only what the error grew by when called again within the interval', () => {
    const pc = pidctrlInit(100, 2000);
    expect(pidctrlDaemon(pc, 100, 1400)).toBe(425);
    // the pages asked for were freed: no new error, nothing more to do this interval
    expect(pidctrlDaemon(pc, 150, 1400 + 425)).toBe(0);
    // 300 more pages went since: error 900, integral 900, derivative 900 (300 + 225 + 112), less the 425 already asked
    expect(pidctrlDaemon(pc, 160, 1400 + 425 - 300)).toBe(212);
  });

  it('starts over at the next interval, its integral bound to [0, bound * setpoint]', () => {
    const pc = pidctrlInit(100, 2000);
    pidctrlDaemon(pc, 100, 0);
    expect(pc.integral).toBe(2000);
    for (let t = 200; t < 2000; t += 100) pidctrlDaemon(pc, t, 0);
    expect(pc.integral).toBe(8000);
    // above the setpoint the error is negative: nothing to do, and the integral falls toward 0
    expect(pidctrlDaemon(pc, 2100, 30000)).toBe(0);
    expect(pc.integral).toBe(0);
  });
});

describe('the 2020 pagedaemon thresholds (vm_pageout_init_domain)', () => {
  const k = new Kernel({ os: FREEBSD_2020, platform: I386_FREEBSD, hostname: 'h', kernelVersion: 'v', debug: false, ncpus: 1, physmem: 98304, seed: 1 });
  const vm = vmStartup2020(k, 98304, 10000);

  it("are 2020's for 384 MB: reserved, min, severe and target", () => {
    expect([vm.cnt.v_free_reserved, vm.cnt.v_free_min, vm.cnt.v_free_severe, vm.cnt.v_free_target]).toEqual([194, 684, 439, 2154]);
    expect(vm.wakeupThresh).toBe(1935);
  });

  it('wakes the pagedaemon when an allocation crosses the wakeup threshold, and only then', () => {
    vm.cnt.v_free_count = vm.wakeupThresh + 10;
    vm.pageoutWanted = false;
    expect(vmPageAlloc(vm, 5, VM_ALLOC_NORMAL, true)).toBe(true);
    expect(vm.pageoutWanted).toBe(false);
    expect(vmPageAlloc(vm, 10, VM_ALLOC_NORMAL, true)).toBe(true);
    expect(vm.pageoutWanted).toBe(true);
    vm.pageoutWanted = false;
    expect(vmPageAlloc(vm, 10, VM_ALLOC_NORMAL, true)).toBe(true);
    expect(vm.pageoutWanted).toBe(false);
  });
});
