import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { UserError } from "../core/errors";

/** A throwaway CA and a server certificate it signed, in a private temporary directory. */
export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly keyFile: string;
  readonly certFile: string;
}

const run = promisify(execFile);

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
  try {
    await run("openssl", args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new UserError(
      `openssl failed to create the simulator's test certificates: ${stderr || (error as Error).message}`,
      "The simulator needs the openssl command (OpenSSL 3) on PATH.",
      { cause: error },
    );
  }
}
