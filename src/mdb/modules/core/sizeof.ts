/*
 * ::sizeof and ::offsetof — type sizes and member offsets from the dump's
 * layouts: `sizeof (kmem_cache_t) = 0x380`,
 * `offsetof (kthread_t, t_state) = 0x10, sizeof (...->t_state) = 0x4`.
 */
import { addresses, defineDcmd, text } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';
import { hexBase } from '../../render/number.js';

function typeArg(args: Array<string | bigint>): { name: string; rest: Array<string | bigint> } {
  const s = args.map((a) => (typeof a === 'string' ? a : undefined));
  if (s[0] === undefined) throw new UsageError();
  if (args.length >= 2 && /^(struct|union|enum)$/.test(s[0]) && s[1] !== undefined) return { name: `${s[0]} ${s[1]}`, rest: args.slice(2) };
  // "kmem_cache_t *" may arrive as two words
  if (s[1] === '*') return { name: `${s[0]} *`, rest: args.slice(2) };
  return { name: s[0], rest: args.slice(1) };
}

export const sizeof = defineDcmd({
  name: 'sizeof',
  synopsis: 'type',
  address: 'none',
  summary: 'print the size of a type',
  help: `Prints the size in bytes of a structure (by typedef name or struct tag),
a pointer type or a basic C type.

EXAMPLES
  > ::sizeof kmem_cache_t
  sizeof (kmem_cache_t) = 0x380`,
  options: {},
  run(ctx, _addr, _opts, args) {
    const { name, rest } = typeArg(args);
    if (rest.length > 0) throw new UsageError();
    const size = ctx.target.types.sizeOf(name);
    if (size === undefined) throw new MdbError(`failed to look up type ${name}: unknown type name`);
    if (ctx.pipedInto) return addresses([BigInt(size)]);
    return text(`sizeof (${name}) = ${hexBase(BigInt(size))}\n`, { data: { type: name, size } });
  },
});

export const offsetof = defineDcmd({
  name: 'offsetof',
  synopsis: 'type member',
  address: 'none',
  summary: 'print the offset of a given struct or union member',
  help: `Prints where a member lies in a structure, and its size. The member may
be a path: cache_full.ml_total, bc_stack[3].

EXAMPLES
  > ::offsetof kmem_cache_t cache_bufsize
  offsetof (kmem_cache_t, cache_bufsize) = 0x88, sizeof (...->cache_bufsize) = 8`,
  options: {},
  run(ctx, _addr, _opts, args) {
    const { name, rest } = typeArg(args);
    if (rest.length !== 1 || typeof rest[0] !== 'string') throw new UsageError();
    const def = ctx.target.types.need(name);
    const m = ctx.target.types.resolve(def, rest[0]);
    if (ctx.pipedInto) return addresses([BigInt(m.offset)]);
    return text(`offsetof (${name}, ${rest[0]}) = ${hexBase(BigInt(m.offset))}, sizeof (...->${rest[0]}) = ${hexBase(BigInt(m.size))}\n`, {
      data: { type: name, member: rest[0], offset: m.offset, size: m.size },
    });
  },
});
