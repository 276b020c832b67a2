/**
 * Test only, never imported by uan-k3s: loaded into a child process with
 * `node --require dist/test/crash/preload.js`, it breaks the file system at one chosen call.
 *
 *   UAN_K3S_TEST_KILL_AFTER=rename:N  SIGKILL (as the OOM killer or a power cut would) right
 *                                     after the Nth fs.renameSync returns
 *   UAN_K3S_TEST_KILL_AFTER=any:N     the same after the Nth call that changes the file system
 *                                     (rename, rm, rmdir, mkdir, writeFile)
 *   UAN_K3S_TEST_ENOSPC_AT=N          the Nth fs.writeFileSync and every later one fail with
 *                                     ENOSPC, as on a full disk
 *
 */
// The module object itself, not a copy of its bindings: uan-k3s's modules call through it.
import fs from "node:fs";

const CHANGING = ["renameSync", "rmSync", "rmdirSync", "mkdirSync", "writeFileSync"] as const;
type Changing = (typeof CHANGING)[number];

const fsObject = fs as unknown as Record<Changing, (...args: unknown[]) => unknown>;
const [kind, nth] = (process.env.UAN_K3S_TEST_KILL_AFTER ?? ":").split(":");
const enospcAt = Number(process.env.UAN_K3S_TEST_ENOSPC_AT ?? "0");
let changes = 0;
let writes = 0;

for (const name of CHANGING) {
  const original = fsObject[name];
  fsObject[name] = function (this: unknown, ...args: unknown[]): unknown {
    if (name === "writeFileSync" && enospcAt > 0 && (writes += 1) >= enospcAt) {
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
        code: "ENOSPC",
        errno: -28,
        syscall: "write",
      });
    }
    const result = original.apply(this, args);
    if (kind === "any" || (kind === "rename" && name === "renameSync")) {
      if ((changes += 1) === Number(nth)) process.kill(process.pid, "SIGKILL");
    }
    return result;
  };
}
