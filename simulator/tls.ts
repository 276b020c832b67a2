import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../core/errors";
import { runProcess } from "../core/subprocess";

/** A throwaway CA and a server certificate it signed, in a private temporary directory. */
export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly keyFile: string;
  readonly certFile: string;
}

/**
 * Creates the PKI with the openssl CLI. EC P-256 keys take milliseconds, where RSA would
 * make every test suite wait. The certificate names 127.0.0.1 and localhost, so clients
 * verify it normally, with the CA as their only extra trust anchor.
 */
export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), "uan-k3s-sim-"));
  const pki = {
    dir,
    caFile: join(dir, "ca.pem"),
    keyFile: join(dir, "server.key"),
    certFile: join(dir, "server.pem"),
  };
  const caKey = join(dir, "ca.key");
  try {
    await newKey(caKey);
    await openssl([
      ...["req", "-x509", "-new", "-key", caKey, "-days", "2", "-out", pki.caFile],
      ...["-subj", "/CN=uan-k3s simulator test CA"],
      ...["-addext", "basicConstraints=critical,CA:TRUE"],
      ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    ]);
    await newKey(pki.keyFile);
    // `req -x509 -CA` (OpenSSL 3) issues the CA-signed certificate without a CSR file.
    await openssl([
      ...["req", "-x509", "-new", "-key", pki.keyFile, "-days", "2", "-out", pki.certFile],
      ...["-CA", pki.caFile, "-CAkey", caKey, "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
      ...["-addext", "basicConstraints=critical,CA:FALSE"],
      ...["-addext", "extendedKeyUsage=serverAuth"],
    ]);
  } catch (error) {
    removeTestPki(pki);
    throw error;
  }
  return pki;
}

export function removeTestPki(pki: TestPki): void {
  rmSync(pki.dir, { recursive: true, force: true });
}

async function newKey(file: string): Promise<void> {
  await openssl([
    ...["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
    ...["-out", file],
  ]);
  chmodSync(file, 0o600); // openssl does this too, but not every build: do not rely on it
}

async function openssl(args: string[]): Promise<void> {
  const hint = "The simulator needs the openssl command (OpenSSL 3) on PATH.";
  const result = await runProcess("openssl", args, { installHint: hint });
  if (result.code !== 0) {
    const why = result.timedOut ? "timed out" : result.stderr.trim() || `exit ${result.code}`;
    throw new UserError(`openssl failed to create the simulator's test certificates: ${why}`, hint);
  }
}
