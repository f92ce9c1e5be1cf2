/*
 * The device tree (uts/common/os/devcfg.c, sys/ddi_impldefs.h): one
 * struct dev_info per node, kmem_zalloc'd by i_ddi_alloc_node() and linked
 * under its parent at the tail of devi_child's sibling list (link_node()),
 * then taken through the node states by the attach path:
 *
 *   DS_PROTO → DS_LINKED (link_node) → DS_BOUND (ndi_devi_bind_driver: the
 *   binding name's major, devi_next on the driver's dn_head list) →
 *   DS_INITIALIZED (e_ddi_assign_instance: the driver's next instance) →
 *   DS_PROBED → DS_ATTACHED (devi_attach(): the driver's attach(9E) runs) →
 *   DS_READY
 *
 * The drivers' names and majors are the devnames[] array (devnamesp, devcnt)
 * as /etc/name_to_major gives them; mdb's ::prtconf names a node's driver
 * from devnamesp[devi_major] (mdb_devinfo2driver()). The model has the nodes
 * the #2911 path goes through: the root nexus (i86pc, bound to rootnex), the
 * pseudo nexus, the PCI bus, one virtio block function per disk (vioblk) and
 * the blkdev child each vioblk attaches (bd_attach_handle()).
 *
 * Not modelled: property lists (devi_sys/drv/hw_prop_ptr stay NULL, so
 * ::prtconf -v prints none), the other nodes a real PC has (cpus, isa, fw,
 * options, scsi_vhci, ...), multipathing.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import type { KGen } from '../../machine/thread.js';
import { illumosLayouts } from '../dump/layouts.js';
import { kmemAlloc, KM_SLEEP, type Kmem } from '../kmem/kmem.js';
import { FILL_ZERO } from '../../../dump/format.js';

/** enum ddi_node_state (sys/ddi_impldefs.h) */
export const DS_PROTO = 0;
export const DS_LINKED = 1;
export const DS_BOUND = 2;
export const DS_INITIALIZED = 3;
export const DS_PROBED = 4;
export const DS_ATTACHED = 5;
export const DS_READY = 6;

/** devi_flags (sys/ddi_impldefs.h) */
export const DEVI_MADE_CHILDREN = 0x2;
export const DEVI_ATTACHED_CHILDREN = 0x4;

/**
 * /etc/name_to_major as the model's drivers have it: each driver's major
 * is its index in devnames[] (devcnt entries).
 */
export const NAME_TO_MAJOR: readonly string[] = ['cn', 'rootnex', 'pseudo', 'ip', 'logindmux', 'icmp', 'fas', 'pci', 'vioblk', 'blkdev', 'zfs'];

export interface DevInfo {
  addr: Kva;
  parent: DevInfo | null;
  children: DevInfo[];
  /** devi_node_name, devi_binding_name, devi_addr (the unit address, or null) */
  nodeName: Kva;
  bindingName: Kva;
  unitAddr: Kva;
  names: { node: string; binding: string; unit: string | null };
  /** devi_instance (-1 until e_ddi_assign_instance(); the root keeps -1) */
  instance: number;
  /** devi_major (DDI_MAJOR_T_NONE until bound) */
  major: number;
  /** devi_node_state */
  nodeState: number;
  /** devi_state, devi_flags */
  state: number;
  flags: number;
  /** devi_ref: opens of the device (spec_open) */
  ref: number;
  /** devi_driver_data: ddi_set_driver_private() */
  driverData: Kva;
  /** devi_next: the next node bound to the same driver */
  next: DevInfo | null;
}

export interface DevNames {
  /** dn_name */
  name: Kva;
  text: string;
  /** dn_head: the first node bound to this driver */
  head: DevInfo | null;
  /** dn_instance: the next instance number */
  instance: number;
}

export interface DevTree {
  /** top_devinfo */
  top: DevInfo;
  /** every node, in allocation order */
  nodes: DevInfo[];
  /** devnamesp[0 .. devcnt-1], and devnamesp itself */
  devnames: DevNames[];
  devnamesp: Kva;
}

/** DDI_MAJOR_T_NONE */
const MAJOR_NONE = 0xffffffff;

/** i_ddi_alloc_node(): kmem_zalloc(sizeof (struct dev_info), KM_SLEEP), the names set, DS_PROTO */
function* allocNode(k: Kernel, km: Kmem, node: string, unit: string | null): KGen<DevInfo> {
  const size = illumosLayouts().structs.get('struct dev_info')!.size;
  const b = yield* kmemAlloc(km, size, KM_SLEEP);
  if (b === null) throw new Error('simulator: no memory for a dev_info at boot');
  if (typeof b !== 'number') b.fill = FILL_ZERO;
  return {
    addr: typeof b === 'number' ? b : b.addr,
    parent: null,
    children: [],
    // the node name is the caller's string (kmem'd in the real kernel; a
    // kernel string here), the binding name a driver alias until bound
    nodeName: k.kstring(node),
    bindingName: 0,
    unitAddr: unit === null ? 0 : k.kstring(unit),
    names: { node, binding: '', unit },
    instance: -1,
    major: MAJOR_NONE,
    nodeState: DS_PROTO,
    state: 0,
    flags: 0,
    ref: 0,
    driverData: 0,
    next: null,
  };
}

/** link_node(): the new node goes at the tail of its parent's children; DS_LINKED */
function linkNode(parent: DevInfo, dip: DevInfo): void {
  dip.parent = parent;
  parent.children.push(dip);
  dip.nodeState = DS_LINKED;
}

/**
 * ndi_devi_bind_driver() → bind_node(): the binding name (the alias that
 * matched) and its driver's major; the node joins the driver's dn_head list
 * (at its tail, in_drvlist order); DS_BOUND.
 */
function bindNode(k: Kernel, tree: DevTree, dip: DevInfo, binding: string, driver: string): void {
  const major = NAME_TO_MAJOR.indexOf(driver);
  if (major < 0) throw new Error(`simulator: driver ${driver} is not in name_to_major`);
  dip.bindingName = k.kstring(binding);
  dip.names.binding = binding;
  dip.major = major;
  const dn = tree.devnames[major]!;
  if (!dn.head) dn.head = dip;
  else {
    let n = dn.head;
    while (n.next) n = n.next;
    n.next = dip;
  }
  dip.nodeState = DS_BOUND;
}

/**
 * The attach path of one node: bind, e_ddi_assign_instance() (the driver's
 * next instance: DS_INITIALIZED), probe (DS_PROBED), devi_attach() running
 * the driver's attach entry point (DS_ATTACHED), then DS_READY. The parent
 * says it made and attached children (config_grand_children()).
 */
export function* ddiAttachNode(
  k: Kernel,
  km: Kmem,
  tree: DevTree,
  parent: DevInfo,
  node: { name: string; unit: string | null; binding: string; driver: string },
  attach: (dip: DevInfo) => KGen<void> = function* () {},
): KGen<DevInfo> {
  const dip = yield* allocNode(k, km, node.name, node.unit);
  tree.nodes.push(dip);
  linkNode(parent, dip);
  bindNode(k, tree, dip, node.binding, node.driver);
  const dn = tree.devnames[dip.major]!;
  dip.instance = dn.instance++;
  dip.nodeState = DS_INITIALIZED;
  dip.nodeState = DS_PROBED;
  yield* attach(dip);
  dip.nodeState = DS_ATTACHED;
  dip.nodeState = DS_READY;
  parent.flags |= DEVI_MADE_CHILDREN | DEVI_ATTACHED_CHILDREN;
  return dip;
}

/**
 * i_ddi_init_root() and impl_setup_ddi(): devnamesp from name_to_major, then
 * top_devinfo, the root node, named for the platform ("i86pc") and bound to
 * rootnex, whose attach (rootnex_attach()) runs in `attach`; the root keeps
 * instance -1. The pseudo nexus is its first child.
 */
export function* ddiInitRoot(k: Kernel, km: Kmem, platform: string, attach: (dip: DevInfo) => KGen<void>): KGen<DevTree> {
  // impl_setup_ddi() → make_devname(): devnamesp = kmem_zalloc(devcnt * sizeof (struct devnames))
  const devnames: DevNames[] = NAME_TO_MAJOR.map((text) => ({ name: k.kstring(text), text, head: null, instance: 0 }));
  const dnSize = illumosLayouts().structs.get('struct devnames')!.size;
  const dnb = yield* kmemAlloc(km, dnSize * devnames.length, KM_SLEEP);
  if (dnb === null) throw new Error('simulator: no memory for devnames at boot');
  if (typeof dnb !== 'number') dnb.fill = FILL_ZERO;
  const top = yield* allocNode(k, km, platform, null);
  const tree: DevTree = { top, nodes: [top], devnames, devnamesp: typeof dnb === 'number' ? dnb : dnb.addr };
  bindNode(k, tree, top, platform, 'rootnex');
  top.nodeState = DS_PROBED;
  yield* attach(top);
  top.nodeState = DS_READY;
  yield* ddiAttachNode(k, km, tree, top, { name: 'pseudo', unit: null, binding: 'pseudo', driver: 'pseudo' });
  return tree;
}

/** spec_open() of the device a node stands for: devi_ref counts the opens */
export function ddiOpen(dip: DevInfo): void {
  dip.ref++;
}
