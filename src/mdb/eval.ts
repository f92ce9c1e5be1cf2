/*
 * Expression evaluation: unsigned 64-bit arithmetic on BigInt, every result
 * reduced mod 2^64 (so `0-1` is 0xffffffffffffffff), symbols read from the
 * target, `*expr` a pointer-sized read.
 */
import type { Expr } from './parse/ast.js';
import { MdbError, UnknownSymbolError } from './errors.js';
import type { Target } from './target.js';
import { U64_MASK } from './render/number.js';

/** What an expression can see: the target and the session's dot, increment and variables. */
export interface EvalEnv {
  target: Target;
  dot: bigint;
  /** the increment of the last format (what `+` and `^` add and subtract) */
  incr: bigint;
  /** the last address a command ran with (`&`) */
  lastDot: bigint;
  vars: Map<string, bigint>;
}

/**
 * Evaluates an expression without recursion: mdb's yacc grammar computes a
 * value as it reduces, so `1+1+...+1` of any length or ten thousand `~`
 * cost it no stack; a recursive walk of the tree would. A post-order walk
 * with an explicit stack of pending nodes and one of values does the same.
 */
export function evaluate(e: Expr, env: EvalEnv): bigint {
  // a node is pushed once to visit its operands, then again (marked) to combine them
  const todo: Array<{ e: Expr; combine: boolean }> = [{ e, combine: false }];
  const values: bigint[] = [];
  while (todo.length > 0) {
    const { e: n, combine } = todo.pop()!;
    if (n.kind === 'unary') {
      if (combine) values.push(unary(n.op, values.pop()!, env));
      else todo.push({ e: n, combine: true }, { e: n.arg, combine: false });
      continue;
    }
    if (n.kind === 'binary') {
      if (combine) {
        const b = values.pop()!;
        const a = values.pop()!;
        values.push(binary(n.op, a, b));
      } else todo.push({ e: n, combine: true }, { e: n.right, combine: false }, { e: n.left, combine: false });
      continue;
    }
    values.push(leaf(n, env));
  }
  return values[0]!;
}

function leaf(e: Exclude<Expr, { kind: 'unary' | 'binary' }>, env: EvalEnv): bigint {
  switch (e.kind) {
    case 'num':
      return e.value & U64_MASK;
    case 'sym': {
      const s = env.target.lookupSymbol(e.name);
      if (s) return s.addr;
      if (e.number !== undefined) return e.number;
      throw new UnknownSymbolError(e.name);
    }
    case 'var': {
      if (e.name === '.') return env.dot;
      const v = env.vars.get(e.name);
      if (v === undefined) throw new MdbError(`variable '${e.name}' not defined`);
      return v;
    }
    case 'dot':
      return env.dot;
    case 'lastdot':
      return env.lastDot;
    case 'incr':
      return (env.dot + env.incr) & U64_MASK;
    case 'decr':
      return (env.dot - env.incr) & U64_MASK;
  }
}

function unary(op: string, v: bigint, env: EvalEnv): bigint {
  switch (op) {
    case '-':
      return -v & U64_MASK;
    case '~':
      return v ^ U64_MASK;
    case '#':
      return v === 0n ? 1n : 0n;
    default:
      // `*` and `%`: the pointer-sized value at v (a dump has no separate object file)
      return env.target.readPtr(v);
  }
}

function binary(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case '*':
      return (a * b) & U64_MASK;
    case '%':
      if (b === 0n) throw new MdbError('attempted to divide by zero');
      return a / b;
    case '#':
      if (b === 0n) throw new MdbError('attempted to divide by zero');
      return a % b;
    case '+':
      return (a + b) & U64_MASK;
    case '-':
      return (a - b) & U64_MASK;
    case '<<':
      return b >= 64n ? 0n : (a << b) & U64_MASK;
    case '>>':
      return b >= 64n ? 0n : a >> b;
    case '==':
      return a === b ? 1n : 0n;
    case '!=':
      return a !== b ? 1n : 0n;
    case '&':
      return a & b;
    case '^':
      return a ^ b;
    default:
      return a | b;
  }
}
