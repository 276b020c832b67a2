import type { Log } from "../core/log";
import type { CsmClient } from "../csm/api-client";
import type { ApiOptions } from "../csm/api-source";
import type { HsmSource, SlsSource } from "../csm/source";
import type { SourceSettings } from "./settings";

/** How to reach the CSM API, from the settings. */
export function apiOptions(settings: SourceSettings): ApiOptions {
  return {
    gateway: settings.apiGateway,
    caCertFile: settings.caCert,
    insecure: settings.insecure,
    allowHttp: settings.allowHttp,
    tokenFile: settings.tokenFile,
    token: settings.token,
    clientId: settings.clientId,
    clientSecretFile: settings.clientSecretFile,
    timeoutMs: settings.timeout * 1000,
    retries: settings.retries,
    cache:
      settings.cacheTtl > 0 && settings.cacheDir !== undefined
        ? { dir: settings.cacheDir, ttlSeconds: settings.cacheTtl, refresh: settings.refresh }
        : undefined,
  };
}

/**
 * The sources the settings ask for. With --sls-file everything comes from files (HSM groups
 * from --hsm-file, or none), so a run on a laptop never reaches for a CSM system. Without it,
 * SLS comes from the API, and HSM from --hsm-file if given, else from the API too.
 */
export function openSources(
  settings: SourceSettings,
  log: Log,
): { sls: SlsSource; hsm: HsmSource } {
  // Each branch loads only its own modules: file runs never load axios.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const files = require("../csm/file-source") as typeof import("../csm/file-source");
  if (settings.slsFile !== undefined) {
    return {
      sls: new files.FileSlsSource(settings.slsFile),
      hsm:
        settings.hsmFile === undefined ? files.NO_HSM : new files.FileHsmSource(settings.hsmFile),
    };
  }
  const api = require("../csm/api-source") as typeof import("../csm/api-source");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sources = api.createApiSources(apiOptions(settings), log);
  return settings.hsmFile === undefined
    ? sources
    : { sls: sources.sls, hsm: new files.FileHsmSource(settings.hsmFile) };
}

/** The client CFS configurations are read (and written) through, from the settings. */
export function cfsClient(settings: SourceSettings, log: Log): CsmClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require("../csm/api-client") as typeof import("../csm/api-client");
  // Configurations are read to be written back, or to be compared: never from a cache.
  return api.createCsmClient(apiOptions({ ...settings, refresh: true, cacheTtl: 0 }), log);
}

/**
 * GETs a file the nodes download themselves (podman.subuid_url), with the settings' CA bundle,
 * timeout and retries; see csm/api-client's fetchFile. `what` names the URL in messages.
 */
export function fetchFile(
  url: string,
  what: string,
  settings: SourceSettings,
  log: Log,
): Promise<string | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require("../csm/api-client") as typeof import("../csm/api-client");
  const { caCert, timeout, retries } = settings;
  return api.fetchFile(url, { caCertFile: caCert, timeoutMs: timeout * 1000, retries, what }, log);
}
