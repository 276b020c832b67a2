/**
 * A failure the admin can fix: bad input, a missing file, an unreachable or refusing API.
 * The CLI prints `message` and `hint` without a stack trace; anything else is a bug.
 */
export class UserError extends Error {
  override readonly name = "UserError";

  constructor(
    message: string,
    /** What to do about it, printed on its own line. */
    readonly hint?: string,
    options?: { cause?: unknown; exitCode?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options?.exitCode ?? 1;
  }

  /** 1 for bad input; other codes where a command documents them (e.g. 3: plan blocked). */
  readonly exitCode: number;
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
