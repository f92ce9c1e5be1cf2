/*
 * The one error a dump file can cause. Whatever is wrong with a dump (a
 * missing file, a foreign file, a flipped bit, a row reference out of range)
 * reaches the user as a single line naming the file and the problem:
 *
 *   cannot open /tmp/x.dump: bad magic (not an mddb dump)
 *
 * so the CLI can print `err.message` as is and exit. Code that reads or writes
 * dumps turns every other exception (zlib errors, RangeErrors from typed-array
 * construction, JSON syntax errors) into a DumpError before it escapes.
 */

/** What was being done when the problem showed: the verb of the message. */
export type DumpAction = 'open' | 'write' | 'encode' | 'build' | 'read';

export class DumpError extends Error {
  override readonly name = 'DumpError';
  /** what is wrong, without the "cannot open FILE: " prefix */
  readonly reason: string;
  /** the dump file, when there is one */
  readonly file: string | undefined;
  readonly action: DumpAction;

  constructor(reason: string, file?: string, action: DumpAction = 'open') {
    const why = oneLine(reason);
    super(`cannot ${action} ${file === undefined ? 'dump' : oneLine(file)}: ${why}`);
    this.reason = why;
    this.file = file;
    this.action = action;
  }

  /** The same problem, attributed to `file` (validation does not know the file name). */
  at(file: string | undefined, action: DumpAction): DumpError {
    return new DumpError(this.reason, file, action);
  }
}

/**
 * Any thrown value as a DumpError about `file`. A DumpError keeps its reason;
 * anything else is described by its message, since it means the bytes broke an
 * assumption the checks did not catch and the user still deserves one line.
 */
export function toDumpError(e: unknown, file: string | undefined, action: DumpAction): DumpError {
  if (e instanceof DumpError) return e.file === file && e.action === action ? e : e.at(file, action);
  const msg = e instanceof Error ? e.message : String(e);
  return new DumpError(action === 'open' ? `corrupt dump (${msg})` : msg, file, action);
}

/**
 * Control characters (a newline from a nested error, or a corrupt name)
 * would break the one-line promise; show them escaped instead.
 */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** A file-system error as the few words a user needs ("no such file", "permission denied"). */
export function fsReason(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'ERR_FS_FILE_TOO_LARGE':
      return 'file is too large to read (2 GiB or more)';
    default: {
      const msg = e instanceof Error ? e.message : String(e);
      return code ? `${code}: ${msg}` : msg;
    }
  }
}
