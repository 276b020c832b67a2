import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../core/errors";
import { readTextFile } from "../core/fs";
import { redactServerText, redactUrlQuery } from "../core/secrets";
import { runProcess } from "../core/subprocess";
import { SUBID_KINDS, UPLOAD_BUCKET, uploadCommands, type SubidKind } from "../subid";
import { failure, fail, pass, skip, warn, type Check } from "./check";

const ID = "subid-uploaded";
const TITLE = "subuid and subgid are uploaded where the nodes fetch them";

/** How long one `cray artifacts get` may take (it logs in to S3 first). */
const CRAY_TIMEOUT_MS = 60_000;

export interface UploadedCheckInput {
  readonly subuid?: string;
  readonly subgid?: string;
  /** The config's podman.subuid_url and podman.subgid_url. */
  readonly urls: Readonly<Partial<Record<SubidKind, string>>>;
  /** Whether the cray CLI is on PATH. */
  readonly cray: boolean;
  /** GETs a URL as the nodes do: the body, or undefined for a 404; throws a UserError. */
  readonly fetchUrl: (url: string, what: string) => Promise<string | undefined>;
}

/** One file as uploaded: where it is, and its text (undefined: nothing there). */
interface Uploaded {
  readonly where: string;
  readonly text: string | undefined;
}

/**
 * The local subuid and subgid are what the nodes get at their next CFS run: the URLs of the
 * config when it sets either (as the uan_podman role does, the bucket is then not read), else
 * the objects of S3 bucket `user`, read with `cray artifacts get`. Reads only.
 */
export async function checkUploaded(input: UploadedCheckInput): Promise<Check[]> {
  const { subuid, subgid } = input;
  if (subuid === undefined && subgid === undefined) return [];
  if (subuid === undefined || subgid === undefined)
    return [skip(ID, TITLE, "give both --subuid and --subgid")];
  const files = { subuid, subgid };
  const fromUrls = SUBID_KINDS.some((kind) => input.urls[kind] !== undefined);
  if (!fromUrls && !input.cray) {
    return [
      skip(
        ID,
        TITLE,
        "what is uploaded cannot be read: uan-k3s.yaml sets no podman.subuid_url or " +
          `podman.subgid_url, and the cray CLI (for the S3 bucket ${UPLOAD_BUCKET}) is not on PATH`,
        "Run doctor where the cray CLI is set up (a management node, after cray auth login).",
      ),
    ];
  }
  const fix =
    uploadCommands(files).join(" && ") +
    (fromUrls ? "   # or put them wherever podman.subuid_url and podman.subgid_url point" : "");
  try {
    const lines: string[] = [];
    let differs = false;
    let missing = false;
    for (const kind of SUBID_KINDS) {
      const uploaded = fromUrls ? await fromUrl(input, kind) : await fromBucket(kind);
      const local = readTextFile(files[kind], `${kind} file`);
      if (uploaded.text === undefined) {
        missing = true;
        lines.push(`${kind}: ${uploaded.where}: nothing uploaded`);
      } else if (uploaded.text !== local) {
        differs = true;
        lines.push(
          `${kind}: ${uploaded.where} differs from ${files[kind]} ` +
            `(${lineCount(uploaded.text)} lines there, ${lineCount(local)} here)`,
        );
      } else {
        lines.push(`${kind}: ${uploaded.where} is the same as ${files[kind]}`);
      }
    }
    const detail = lines.join("\n");
    // A node that fetches an old file gives users the old ranges: their storage breaks.
    if (differs) return [fail(ID, TITLE, detail, fix)];
    if (missing) return [warn(ID, TITLE, detail, fix)];
    return [pass(ID, TITLE, detail)];
  } catch (error) {
    return [failure(ID, TITLE, error)];
  }
}

async function fromUrl(input: UploadedCheckInput, kind: SubidKind): Promise<Uploaded> {
  const what = `podman.${kind}_url`;
  const url = input.urls[kind];
  // The role sets the other file from its URL and this one from nowhere.
  if (url === undefined) return { where: `${what} is not set`, text: undefined };
  return { where: `${what} ${redactUrlQuery(url)}`, text: await input.fetchUrl(url, what) };
}

/** `cray artifacts get user KIND FILE` into a private directory; a 404 is nothing uploaded. */
async function fromBucket(kind: SubidKind): Promise<Uploaded> {
  const where = `object ${kind} of S3 bucket ${UPLOAD_BUCKET}`;
  const dir = mkdtempSync(join(tmpdir(), "uan-k3s-doctor-"));
  try {
    const file = join(dir, kind);
    const args = ["artifacts", "get", UPLOAD_BUCKET, kind, file];
    const result = await runProcess("cray", args, { timeoutMs: CRAY_TIMEOUT_MS });
    if (result.code === 0) return { where, text: readTextFile(file, `${kind} from cray`) };
    // cray leaves the message of boto3's ClientError on stderr: "(404) ... HeadObject ...".
    const said =
      redactServerText(result.stderr.trim() || result.stdout.trim()) || `exit ${result.code}`;
    if (/\(404\)|NoSuchKey|Not Found/i.test(said)) return { where, text: undefined };
    throw new UserError(
      `cray artifacts get ${UPLOAD_BUCKET} ${kind} ` +
        (result.timedOut ? `did not finish in ${CRAY_TIMEOUT_MS / 1000} s` : `failed: ${said}`),
      "Log the cray CLI in (cray auth login; on a new host, cray init first), then run doctor again.",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lineCount(text: string): number {
  return text.split("\n").filter((line) => line !== "").length;
}
