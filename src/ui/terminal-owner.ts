/*
 * Whether a child (a pager run by `! less`) owns the terminal. While it does,
 * the REPL draws nothing: the spinner stops turning and the busy line is not
 * shown, so ink does not paint over the pager's screen.
 */
export const terminalOwner = { child: false };
