/*
 * ::status — what is being debugged (the kvm target's status): the dump and
 * the machine it came from, the operating system, the panic message, and
 * what the dump holds, as kt_status_dcmd() prints them: on illumos the image
 * uuid, and the panic string (empty for a live dump, savecore -L).
 */
import { defineDcmd, text } from '../../dcmd.js';
import { UsageError } from '../../errors.js';
import { dumpPath, readPanic } from '../illumos/panic/helpers.js';

/** utsname's release and version from "SunOS 5.11 illumos-2012.10 DEBUG": ["5.11", "illumos-2012.10 DEBUG"]. */
export function releaseAndVersion(kernelVersion: string): [string, string] {
  const words = kernelVersion.trim().split(/\s+/);
  if (words.length >= 3) return [words[1]!, words.slice(2).join(' ')];
  if (words.length === 2) return [words[0]!, words[1]!];
  return [kernelVersion, ''];
}

export default defineDcmd({
  name: 'status',
  synopsis: '',
  address: 'none',
  summary: 'print summary of current target',
  help: `Prints what is being debugged: the crash dump and the host it came from,
the operating system release, version and platform, the panic message, and
what the dump contains. An illumos dump also gives the OS image's UUID; a
live dump (taken with savecore -L on a running system) has an empty panic
message. A FreeBSD dump says instead whether it was taken on a hang and
where, or that it is the simulator's live dump of a run that neither
panicked nor hung (FreeBSD before 14.0 could not take one).

EXAMPLES
  > ::status
  debugging crash dump dumps/illumos-2911.dump (64-bit) from build-kvm
  operating system: 5.11 illumos-2012.10 DEBUG (i86pc)
  image uuid: 38489eb3-0ba2-431f-b2fd-bb63d3e9fccb
  panic message: assertion failed: rc == -1, file: ../../common/os/kmem.c, line: 2598
  dump content: kernel pages only`,
  options: {},
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const h = ctx.target.header;
    const path = dumpPath(ctx);
    const bits = ctx.pointerSize * 8;
    const [release, version] = releaseAndVersion(h.kernelVersion);
    const panic = readPanic(ctx.target);
    const lines = [`debugging crash dump ${path === undefined ? '' : path + ' '}(${bits}-bit) from ${h.hostname}`, `operating system: ${release} ${version} (${h.platform})`];
    const entry = h.entry;
    let uuid: string | null = null;
    if (h.os === 'illumos') {
      // kt_status_dcmd(): the dump header's image uuid, then its panic string (empty for a live dump)
      const sym = ctx.target.lookupSymbol('dump_osimage_uuid');
      try {
        if (sym) uuid = ctx.target.readString(sym.addr, 37) || null;
      } catch {
        uuid = null;
      }
      lines.push(`image uuid: ${uuid ?? '(not set)'}`);
      lines.push(`panic message: ${panic ? panic.message : ''}`);
    } else if (panic) lines.push(`panic message: ${panic.message}`);
    else if (entry) lines.push(`hang: no panic; the debugger was entered (${entry.reason}) on CPU ${entry.cpu}, thread ${entry.thread}, and the dump taken there`);
    // FreeBSD had no live dumps then (livedump came in 14.0): say whose snapshot this is
    else lines.push('live dump: no panic; the simulator wrote the running system when the scenario ended (this FreeBSD had no live dumps)');
    lines.push('dump content: kernel pages only');
    return text(lines.map((l) => l + '\n').join(''), {
      data: {
        dump: path ?? null,
        bits,
        hostname: h.hostname,
        release,
        version,
        platform: h.platform,
        imageUuid: uuid,
        dumpKind: h.dumpKind,
        panic: panic ? { message: panic.message, thread: panic.thread, cpu: panic.cpu } : null,
        entry: entry ? { reason: entry.reason, thread: entry.thread, cpu: entry.cpu } : null,
        content: 'kernel pages only',
      },
    });
  },
});
