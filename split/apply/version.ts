import { isUserError } from "../../core/errors";
import type { Log } from "../../core/log";
import type { CsmClient } from "../../csm/api-client";

const VERSION_PATH = "/apis/sls/v1/version";

/** Reports writes by others made while uan-k3s writes one network. */
export interface WriteWatch {
  /** Warns when SLS counted more writes than the one uan-k3s made since the watch began. */
  check(network: string, ours: number): Promise<void>;
}

/**
 * Starts counting SLS writes with /version's Counter, which SLS increments on every write.
 * SLS has no If-Match, so a write by someone else between the re-read and the PUT would be
 * overwritten silently; the counter at least tells. A /version that cannot be read only
 * turns the check off.
 */
export async function watchWrites(
  client: Pick<CsmClient, "getJson">,
  log: Log,
): Promise<WriteWatch> {
  const start = await counter(client, log);
  return {
    check: async (network, ours) => {
      if (start === undefined) return;
      const end = await counter(client, log);
      if (end === undefined || end - start <= ours) return;
      log.warn(
        `SLS counted ${end - start - ours} write(s) by someone else while uan-k3s wrote ${network} ` +
          `(its /version Counter went from ${start} to ${end}). If one of them changed ${network} ` +
          "just before this write, that change is lost: ask who else is changing SLS, and compare " +
          `${network} with the backup. (A PUT retried after a lost answer also counts twice.)`,
      );
    },
  };
}

async function counter(client: Pick<CsmClient, "getJson">, log: Log): Promise<number | undefined> {
  try {
    const version = (await client.getJson(VERSION_PATH, { cached: false })) as {
      Counter?: unknown;
    } | null;
    if (typeof version?.Counter === "number") return version.Counter;
    log.info(`${VERSION_PATH} has no Counter; writes by others cannot be counted`);
  } catch (error) {
    if (!isUserError(error)) throw error;
    log.info(`cannot read ${VERSION_PATH} (${error.message}); writes by others cannot be counted`);
  }
  return undefined;
}
