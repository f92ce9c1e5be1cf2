/*
 * The PID controller of sys/kern/subr_pidctrl.c (2018 on), which the 2020
 * pagedaemon uses to decide how many pages to free in each interval
 * (vm_pageout_worker -> pidctrl_daemon). The gains are inverse: output is
 * error / Kpd + integral / Kid + derivative / Kdd, in C's truncating
 * integer division.
 */

/** sys/pidctrl.h's defaults: the divisors, and the integral's bound as a multiple of the setpoint */
export const PIDCTRL_KPD = 3;
export const PIDCTRL_KID = 4;
export const PIDCTRL_KDD = 8;
export const PIDCTRL_BOUND = 4;

export interface PidCtrl {
  setpoint: number;
  interval: number;
  bound: number;
  Kpd: number;
  Kid: number;
  Kdd: number;
  /** the tick the current interval began at */
  ticks: number;
  error: number;
  olderror: number;
  integral: number;
  derivative: number;
  output: number;
}

/** models pidctrl_init(pc, interval, setpoint, bound, Kpd, Kid, Kdd) */
export function pidctrlInit(interval: number, setpoint: number, bound = PIDCTRL_BOUND, Kpd = PIDCTRL_KPD, Kid = PIDCTRL_KID, Kdd = PIDCTRL_KDD): PidCtrl {
  return { setpoint, interval, bound: bound * setpoint, Kpd, Kid, Kdd, ticks: 0, error: 0, olderror: 0, integral: 0, derivative: 0, output: 0 };
}

const cdiv = (a: number, b: number): number => Math.trunc(a / b);

/**
 * models pidctrl_daemon(pc, input): the work (here, pages to free) still to
 * do in the current interval. Called again within an interval it reports
 * only what the error grew by since the last call, "as if the entire error
 * came at the interval boundary"; the integral is bound to [0, bound].
 */
export function pidctrlDaemon(pc: PidCtrl, ticks: number, input: number): number {
  let error = pc.setpoint - input;
  if (ticks - pc.ticks >= pc.interval) {
    pc.ticks = ticks;
    pc.olderror = pc.error;
    pc.output = pc.error = 0;
  } else {
    error -= pc.error - pc.output;
  }
  const Kpd = Math.max(pc.Kpd, 1);
  const Kid = Math.max(pc.Kid, 1);
  const Kdd = Math.max(pc.Kdd, 1);
  pc.error += error;
  pc.integral = Math.max(Math.min(pc.integral + error, pc.bound), 0);
  pc.derivative = pc.error - pc.olderror;
  let output = cdiv(pc.error, Kpd) + cdiv(pc.integral, Kid) + cdiv(pc.derivative, Kdd);
  output = Math.max(output - pc.output, 0);
  pc.output += output;
  return output;
}
