import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePasswd, parseSubidFile, type Passwd, type SubidFile } from "../../subid";

export { userErrorFrom } from "../split/helpers";

/** An account for passwdText: name and uid, gid defaulting to the uid. */
export type Account = readonly [name: string, uid: number, gid?: number];

/** `getent passwd` text for the accounts, in the order given. */
export function passwdText(accounts: readonly Account[]): string {
  return accounts
    .map(([name, uid, gid]) => `${name}:x:${uid}:${gid ?? uid}:${name}:/home/${name}:/bin/bash\n`)
    .join("");
}

export function passwdOf(accounts: readonly Account[], file = "passwd"): Passwd {
  return parsePasswd(passwdText(accounts), file);
}

export function subuidOf(text: string, file = "subuid"): SubidFile {
  return parseSubidFile(text, file, "subuid");
}

export function subgidOf(text: string, file = "subgid"): SubidFile {
  return parseSubidFile(text, file, "subgid");
}

/** A fresh directory per test, removed after it. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "uan-k3s-subid-"));
  });
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => dir!;
}

/** Writes `files` (name → text) into `dir`; returns their paths by name. */
export function writeFiles(dir: string, files: Record<string, string>): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], text);
  }
  return paths;
}

/** Hidden files left in `dir` (temporaries, backups). */
export function hiddenFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith("."));
}
