/*
 * Written amd64 text of the functions on the #2911 panic stack (text.ts in
 * machine/ explains written versus generated text). Each body follows the C
 * it models, compiled the way illumos's gcc -O2 -msave-args kernel would
 * roughly lay it out: arguments in %rdi, %rsi, %rdx, %rcx, %r8; callee-saved
 * registers pushed after the frame pointer; struct members at the offsets of
 * the dump's layouts. Calls into functions the simulator does not model
 * (mutex_enter, bp_mapin, ddi_get_soft_state, cmlb_partinfo, bzero,
 * kmem_cpu_reload) are left out or written inline, since there is no symbol
 * to call; every call that is written is one the simulated code makes, so
 * the return addresses in stacks come from these instructions.
 *
 *  - bd_strategy(), bd_xfer_alloc(), bd_xfer_ctor(): uts/common/io/blkdev/blkdev.c
 *    as of illumos #2911 (bd_xfer_ctor's compare is `kmflag == KM_SLEEP`;
 *    with fix 679ac15 it also takes KM_PUSHPAGE).
 *  - kmem_cache_alloc(): uts/common/os/kmem.c.
 *  - assfail(): uts/common/os/debug.c (its panic() call is vpanic with a va_list).
 *  - thread_start(): intel/ia32/ml/i86_subr.s, which pops the thread's
 *    function and arguments thread_create() pushed and calls through %rax.
 */
import { func } from '../../machine/symbols.js';
import { defineText, type CodeItem } from '../../machine/text.js';
import type { Mem, Reg } from '../../machine/x86.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import { illumosLayouts } from '../dump/layouts.js';
import { KMEM_C_ASSERT_RC_LINE, KMF_BUFTAG, KM_NOSLEEP, KM_PUSHPAGE } from '../kmem/flags.js';

const L = illumosLayouts();
const off = (type: string, path: string): number => offsetOf(L, type, path);
const m = (base: Reg, disp: number): Mem => ({ base, disp });

const bd_strategy = func('blkdev', 'bd_strategy');
const bd_xfer_alloc = func('blkdev', 'bd_xfer_alloc');
const bd_xfer_ctor = func('blkdev', 'bd_xfer_ctor');
const bd_submit = func('blkdev', 'bd_submit');
const biodone = func('genunix', 'biodone');
const ddi_dma_alloc_handle = func('genunix', 'ddi_dma_alloc_handle');
const ddi_dma_buf_bind_handle = func('genunix', 'ddi_dma_buf_bind_handle');
const kmem_cache_alloc = func('genunix', 'kmem_cache_alloc');
const kmem_cache_alloc_debug = func('genunix', 'kmem_cache_alloc_debug');
const kmem_slab_alloc = func('genunix', 'kmem_slab_alloc');
const kmem_slab_free = func('genunix', 'kmem_slab_free');
const kmem_depot_alloc = func('genunix', 'kmem_depot_alloc');
const kmem_depot_free = func('genunix', 'kmem_depot_free');
const assfail = func('genunix', 'assfail');
const vpanic = func('unix', 'vpanic');
const thread_start = func('unix', 'thread_start');

const push = (r: Reg): CodeItem => ({ op: 'push', r });
const pop = (r: Reg): CodeItem => ({ op: 'pop', r });
const mov = (src: Reg, dst: Reg, w: 32 | 64 = 64): CodeItem => ({ op: 'mov', w, src, dst });
const load = (mm: Mem, dst: Reg, w: 32 | 64 = 64): CodeItem => ({ op: 'load', w, m: mm, dst });
const store = (src: Reg, mm: Mem, w: 32 | 64 = 64): CodeItem => ({ op: 'store', w, src, m: mm });
const lea = (mm: Mem, dst: Reg): CodeItem => ({ op: 'lea', m: mm, dst });
const movl = (imm: number, dst: Reg): CodeItem => ({ op: 'movi', w: 32, imm, dst });
const cmpl = (imm: number, dst: Reg | Mem): CodeItem => ({ op: 'alui', alu: 'cmp', w: 32, imm, dst });
const testl = (r: Reg, w: 32 | 64 = 32): CodeItem => ({ op: 'alur', alu: 'test', w, src: r, dst: r });
const xorl = (r: Reg): CodeItem => ({ op: 'alur', alu: 'xor', w: 32, src: r, dst: r });
const prologue: CodeItem[] = [push('rbp'), mov('rsp', 'rbp')];
const epilogue = (...saved: Reg[]): CodeItem[] => [...saved.map(pop), { op: 'leave' }, { op: 'ret' }];

/** bd_xfer_impl_t, bd_t, buf_t and kmem members the code touches */
const I_BD = off('bd_xfer_impl_t', 'i_bd');
const I_BP = off('bd_xfer_impl_t', 'i_bp');
const I_FUNC = off('bd_xfer_impl_t', 'i_func');
const X_DMAH = off('bd_xfer_impl_t', 'i_public.x_dmah');
const D_DIP = off('bd_t', 'd_dip');
const D_CACHE = off('bd_t', 'd_cache');
const D_USE_DMA = off('bd_t', 'd_use_dma');
const D_DMA = off('bd_t', 'd_dma');
const B_FLAGS = off('buf_t', 'b_flags');
const B_ERROR = off('buf_t', 'b_error');
const CACHE_FLAGS = off('kmem_cache_t', 'cache_flags');
const CACHE_CTOR = off('kmem_cache_t', 'cache_constructor');
const CACHE_PRIVATE = off('kmem_cache_t', 'cache_private');
const CACHE_FAIL = off('kmem_cache_t', 'cache_alloc_fail');
const CACHE_CPU = off('kmem_cache_t', 'cache_cpu');
const CC_ALLOC = off('kmem_cpu_cache_t', 'cc_alloc');
const CC_FLAGS = off('kmem_cpu_cache_t', 'cc_flags');
const CC_ROUNDS = off('kmem_cpu_cache_t', 'cc_rounds');
const CC_PROUNDS = off('kmem_cpu_cache_t', 'cc_prounds');
const CC_MAGSIZE = off('kmem_cpu_cache_t', 'cc_magsize');
const CC_LOADED = off('kmem_cpu_cache_t', 'cc_loaded');
/** &cp->cache_full, &cp->cache_empty: the depot lists kmem_depot_alloc/free take */
const CACHE_FULL = off('kmem_cache_t', 'cache_full');
const CACHE_EMPTY = off('kmem_cache_t', 'cache_empty');
/** bioerror(bp, ENOMEM), written inline: B_ERROR and b_error */
const B_ERROR_FLAG = 0x8;
const ENOMEM = 12;

/*
 * bd_xfer_ctor(void *buf, void *arg, int kmflag): the compare that is
 * illumos #2911. Before 679ac15 only kmflag == KM_SLEEP (0) gets
 * DDI_DMA_SLEEP; 679ac15 tests KM_PUSHPAGE first.
 */
defineText(bd_xfer_ctor, (v) => [
  ...prologue,
  push('r13'),
  push('r12'),
  push('rbx'),
  mov('rdi', 'rbx'), // xi = buf
  mov('rsi', 'r12'), // bd = arg
  xorl('r13'), // dcb = DDI_DMA_DONTWAIT
  ...(v.has('679ac15') ? [cmpl(KM_PUSHPAGE, 'rdx'), { br: 'e', to: 'sleep' } as CodeItem] : []),
  cmpl(0, 'rdx'), // kmflag == KM_SLEEP
  { br: 'ne', to: 'dontwait' },
  { label: 'sleep' },
  movl(1, 'r13'), // dcb = DDI_DMA_SLEEP
  { label: 'dontwait' },
  // bzero(xi, sizeof (*xi)), inlined: the words the constructor relies on
  xorl('rax'),
  store('rax', m('rbx', X_DMAH)),
  store('rax', m('rbx', I_BP)),
  store('r12', m('rbx', I_BD)), // xi->i_bd = bd
  load(m('r12', D_USE_DMA), 'rax', 32),
  testl('rax'),
  { br: 'e', to: 'done' },
  lea(m('rbx', X_DMAH), 'r8'), // &xi->i_dmah
  xorl('rcx'), // NULL
  mov('r13', 'rdx'), // dcb
  lea(m('r12', D_DMA), 'rsi'), // &bd->d_dma
  load(m('r12', D_DIP), 'rdi'), // bd->d_dip
  { call: ddi_dma_alloc_handle },
  testl('rax'),
  { br: 'ne', to: 'fail' },
  { label: 'done' },
  xorl('rax'),
  ...epilogue('rbx', 'r12', 'r13'),
  { label: 'fail' },
  movl(0xffffffff, 'rax'), // return (-1)
  ...epilogue('rbx', 'r12', 'r13'),
]);

/* bd_xfer_alloc(bd_t *bd, struct buf *bp, int (*func)(), int kmflag) */
defineText(bd_xfer_alloc, () => [
  ...prologue,
  push('r14'),
  push('r13'),
  push('r12'),
  push('rbx'),
  mov('rdi', 'r12'), // bd
  mov('rsi', 'rbx'), // bp
  mov('rdx', 'r13'), // func
  mov('rcx', 'r14', 32), // kmflag
  mov('rcx', 'rsi', 32),
  load(m('r12', D_CACHE), 'rdi'), // bd->d_cache
  { call: kmem_cache_alloc }, // xi = kmem_cache_alloc(bd->d_cache, kmflag)
  testl('rax', 64),
  { br: 'e', to: 'nomem' },
  store('rbx', m('rax', I_BP)), // xi->i_bp = bp
  store('r13', m('rax', I_FUNC)), // xi->i_func = func
  mov('rax', 'r13'),
  load(m('r12', D_USE_DMA), 'rax', 32),
  testl('rax'),
  { br: 'e', to: 'out' },
  // cb = (kmflag == KM_SLEEP) ? DDI_DMA_SLEEP : DDI_DMA_DONTWAIT
  xorl('rcx'),
  cmpl(0, 'r14'),
  { br: 'ne', to: 'bind' },
  movl(1, 'rcx'),
  { label: 'bind' },
  xorl('rdx'), // dir
  mov('rbx', 'rsi'), // bp
  load(m('r13', X_DMAH), 'rdi'), // xi->i_dmah
  { call: ddi_dma_buf_bind_handle },
  { label: 'out' },
  mov('r13', 'rax'),
  ...epilogue('rbx', 'r12', 'r13', 'r14'),
  { label: 'nomem' },
  // bioerror(bp, ENOMEM), inline
  { op: 'alui', alu: 'or', w: 32, imm: B_ERROR_FLAG, dst: m('rbx', B_FLAGS) },
  movl(ENOMEM, 'rax'),
  store('rax', m('rbx', B_ERROR), 32),
  xorl('rax'),
  ...epilogue('rbx', 'r12', 'r13', 'r14'),
]);

/*
 * bd_strategy(struct buf *bp): bd_xfer_alloc(..., KM_NOSLEEP), and if that
 * fails bd_xfer_alloc(..., KM_PUSHPAGE): two calls, told apart by kmflag.
 */
defineText(bd_strategy, () => [
  ...prologue,
  push('r13'),
  push('r12'),
  push('rbx'),
  mov('rdi', 'rbx'), // bp
  // bd = ddi_get_soft_state(bd_state, BDINST(bp->b_edev)), func = bd->d_ops.o_read: in %r12, %r13
  load(m('rbx', 0x40), 'r12'),
  load(m('r12', 0x10), 'r13'),
  movl(KM_NOSLEEP, 'rcx'),
  mov('r13', 'rdx'),
  mov('rbx', 'rsi'),
  mov('r12', 'rdi'),
  { call: bd_xfer_alloc, when: (a) => a[3] !== KM_PUSHPAGE },
  testl('rax', 64),
  { br: 'ne', to: 'submit' },
  movl(KM_PUSHPAGE, 'rcx'),
  mov('r13', 'rdx'),
  mov('rbx', 'rsi'),
  mov('r12', 'rdi'),
  { call: bd_xfer_alloc, when: (a) => a[3] === KM_PUSHPAGE },
  testl('rax', 64),
  { br: 'e', to: 'nomem' },
  { label: 'submit' },
  mov('rax', 'rsi'),
  mov('r12', 'rdi'),
  { call: bd_submit },
  xorl('rax'),
  ...epilogue('rbx', 'r12', 'r13'),
  { label: 'nomem' },
  mov('rbx', 'rdi'),
  { call: biodone }, // bd_xfer_alloc did bioerror()
  xorl('rax'),
  ...epilogue('rbx', 'r12', 'r13'),
]);

/*
 * kmem_cache_alloc(kmem_cache_t *cp, int kmflag): the CPU layer's loaded
 * and previous magazines, the depot, the slab layer, the debug layer (two
 * calls: from a magazine with construct 0, from a slab with 1), the
 * ASSERT(rc == -1) and the retry, the constructor through its pointer.
 */
defineText(kmem_cache_alloc, () => [
  ...prologue,
  push('r14'),
  push('r13'),
  push('r12'),
  push('rbx'),
  mov('rdi', 'rbx'), // cp
  mov('rsi', 'r12', 32), // kmflag
  lea(m('rbx', CACHE_CPU), 'r13'), // ccp = KMEM_CPU_CACHE(cp)
  { label: 'loop' },
  load(m('r13', CC_ROUNDS), 'rax', 32),
  testl('rax'),
  { br: 'le', to: 'prounds' },
  // buf = ccp->cc_loaded->mag_round[--ccp->cc_rounds]; ccp->cc_alloc++
  { op: 'alui', alu: 'sub', w: 32, imm: 1, dst: m('r13', CC_ROUNDS) },
  load(m('r13', CC_LOADED), 'rax'),
  load(m('rax', 0x8), 'r14'),
  { op: 'alui', alu: 'add', w: 64, imm: 1, dst: m('r13', CC_ALLOC) },
  load(m('r13', CC_FLAGS), 'rax', 32),
  { op: 'alui', alu: 'and', w: 32, imm: KMF_BUFTAG, dst: 'rax' },
  { br: 'e', to: 'ret_buf' },
  xorl('rcx'), // construct = 0
  mov('r12', 'rdx', 32),
  mov('r14', 'rsi'),
  mov('rbx', 'rdi'),
  { call: kmem_cache_alloc_debug, when: (a) => a[3] !== 1 },
  testl('rax'),
  { br: 'e', to: 'ret_buf' },
  mov('r12', 'rcx', 32),
  { op: 'alui', alu: 'and', w: 32, imm: KM_NOSLEEP, dst: 'rcx' },
  { br: 'ne', to: 'ret_null' },
  { br: 'mp', to: 'loop' },
  { label: 'prounds' },
  load(m('r13', CC_PROUNDS), 'rax', 32),
  testl('rax'),
  { br: 'g', to: 'loop' }, // kmem_cpu_reload(ccp, ccp->cc_ploaded, ccp->cc_prounds), inline
  load(m('r13', CC_MAGSIZE), 'rax', 32),
  testl('rax'),
  { br: 'e', to: 'slab' },
  lea(m('rbx', CACHE_FULL), 'rsi'),
  mov('rbx', 'rdi'),
  { call: kmem_depot_alloc },
  testl('rax', 64),
  { br: 'e', to: 'slab' },
  mov('rax', 'r14'),
  load(m('r13', CC_LOADED + 8), 'rdx'), // ccp->cc_ploaded
  lea(m('rbx', CACHE_EMPTY), 'rsi'),
  mov('rbx', 'rdi'),
  { call: kmem_depot_free },
  { br: 'mp', to: 'loop' },
  { label: 'slab' },
  mov('r12', 'rsi', 32),
  mov('rbx', 'rdi'),
  { call: kmem_slab_alloc }, // buf = kmem_slab_alloc(cp, kmflag)
  testl('rax', 64),
  { br: 'e', to: 'ret_null' },
  mov('rax', 'r14'),
  load(m('rbx', CACHE_FLAGS), 'rcx', 32),
  { op: 'alui', alu: 'and', w: 32, imm: KMF_BUFTAG, dst: 'rcx' },
  { br: 'e', to: 'ctor' },
  movl(1, 'rcx'), // construct = 1
  mov('r12', 'rdx', 32),
  mov('r14', 'rsi'),
  mov('rbx', 'rdi'),
  { call: kmem_cache_alloc_debug, when: (a) => a[3] === 1 },
  testl('rax'),
  { br: 'e', to: 'ret_buf' },
  mov('r12', 'rcx', 32),
  { op: 'alui', alu: 'and', w: 32, imm: KM_NOSLEEP, dst: 'rcx' },
  { br: 'ne', to: 'ret_null' },
  cmpl(-1, 'rax'), // ASSERT(rc == -1)
  { br: 'e', to: 'retry' },
  movl(KMEM_C_ASSERT_RC_LINE, 'rdx'),
  { leaStr: '../../common/os/kmem.c', dst: 'rsi' },
  { leaStr: 'rc == -1', dst: 'rdi' },
  { call: assfail },
  { label: 'retry' },
  mov('r12', 'rsi', 32),
  mov('rbx', 'rdi'),
  { call: kmem_cache_alloc }, // return (kmem_cache_alloc(cp, kmflag))
  { br: 'mp', to: 'out' },
  { label: 'ctor' },
  load(m('rbx', CACHE_CTOR), 'rax'),
  testl('rax', 64),
  { br: 'e', to: 'ret_buf' },
  mov('r12', 'rdx', 32),
  load(m('rbx', CACHE_PRIVATE), 'rsi'),
  mov('r14', 'rdi'),
  { callVia: 'rax' }, // cp->cache_constructor(buf, cp->cache_private, kmflag)
  testl('rax'),
  { br: 'e', to: 'ret_buf' },
  { op: 'alui', alu: 'add', w: 64, imm: 1, dst: m('rbx', CACHE_FAIL) },
  mov('r14', 'rsi'),
  mov('rbx', 'rdi'),
  { call: kmem_slab_free },
  { label: 'ret_null' },
  xorl('rax'),
  { br: 'mp', to: 'out' },
  { label: 'ret_buf' },
  mov('r14', 'rax'),
  { label: 'out' },
  ...epilogue('rbx', 'r12', 'r13', 'r14'),
]);

/* assfail(const char *a, const char *f, int l): panic("assertion failed: ...", a, f, l) → vpanic(fmt, alist) */
defineText(assfail, () => [
  ...prologue,
  { op: 'alui', alu: 'sub', w: 64, imm: 0x50, dst: 'rsp' },
  store('rdi', m('rbp', -0x28)),
  store('rsi', m('rbp', -0x20)),
  store('rdx', m('rbp', -0x18)),
  lea(m('rbp', -0x30), 'rsi'), // the va_list
  { leaStr: 'assertion failed: %s, file: %s, line: %d', dst: 'rdi' },
  { call: vpanic },
  ...epilogue(),
]);

/*
 * thread_start: pop the function, its argument and length thread_create()
 * pushed, and call it (then thread_exit(), which the simulator has no
 * symbol for: the bytes after the call are padding here).
 */
defineText(thread_start, () => [pop('rax'), pop('rdi'), pop('rsi'), mov('rsp', 'rbp'), { callVia: 'rax' }]);

export const WRITTEN_TEXT = [bd_strategy, bd_xfer_alloc, bd_xfer_ctor, kmem_cache_alloc, assfail, thread_start] as const;
