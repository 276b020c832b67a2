import { isUserError } from "../core/errors";
import { shellQuote } from "../core/shell";

export type Status = "pass" | "warn" | "fail" | "skip";

/** One line of the checklist: what was checked, how it went, and what to do about it. */
export interface Check {
  readonly id: string;
  readonly title: string;
  readonly status: Status;
  readonly detail: string;
  readonly fix?: string;
}

export const pass = (id: string, title: string, detail: string): Check => ({
  id,
  title,
  status: "pass",
  detail,
});

export const warn = (id: string, title: string, detail: string, fix: string): Check => ({
  id,
  title,
  status: "warn",
  detail,
  fix,
});

export const fail = (id: string, title: string, detail: string, fix?: string): Check => ({
  id,
  title,
  status: "fail",
  detail,
  fix,
});

export const skip = (id: string, title: string, why: string, fix?: string): Check => ({
  id,
  title,
  status: "skip",
  detail: why,
  ...(fix === undefined ? {} : { fix }),
});

/** The message of a UserError, the hint as its fix; anything else is a bug and is rethrown. */
export function failure(id: string, title: string, error: unknown): Check {
  if (!isUserError(error)) throw error;
  return fail(id, title, error.message, error.hint);
}

/** A fix command as it is typed: each word shell-quoted where it needs it. */
export const command = (...words: readonly string[]): string => words.map(shellQuote).join(" ");
