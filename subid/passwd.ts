import { byCodeUnit } from "../core/order";
import { ID_LIMIT, NOBODY_UIDS } from "./defaults";
import { decimal, digitsAt, linesOf, plainAt, problemsError } from "./problems";

/** One account from a passwd-format file. */
export interface PasswdUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** 1-based line in the passwd file, for messages. */
  readonly line: number;
}

export interface Passwd {
  /** The file as the admin named it, for messages. */
  readonly file: string;
  /** Every account, in file order (system accounts too: their ids are real ids). */
  readonly users: readonly PasswdUser[];
}

/**
 * Parses `getent passwd` output or an LDAP export in the same format: `name:x:uid:gid:gecos:
 * home:shell`. Blank lines and `#` comments are skipped; a CR before the LF is tolerated
 * (exports made on Windows). Every malformed line and every user defined twice is listed in
 * one UserError naming `file:line`.
 */
export function parsePasswd(text: string, file: string): Passwd {
  const users: PasswdUser[] = [];
  const problems: string[] = [];
  const firstLine = new Map<string, number>();
  const lines = linesOf(text);
  for (let index = 0; index < lines.length; index += 1) {
    const line = index + 1;
    const content = lines[index].endsWith("\r") ? lines[index].slice(0, -1) : lines[index];
    if (content === "" || content.charCodeAt(0) === 35 /* # */) continue;
    const fast = fastUser(content, line);
    if (fast !== undefined && !firstLine.has(fast.name)) {
      firstLine.set(fast.name, line);
      users.push(fast);
      continue;
    }
    if (content.trim() === "") continue;
    const where = `${file}:${line}`;
    const fields = content.split(":");
    if (fields.length !== 7) {
      problems.push(
        `${where}: expected 7 colon-separated fields (name:x:uid:gid:gecos:home:shell), found ${fields.length}`,
      );
      continue;
    }
    const [name, , uidText, gidText] = fields;
    const problem = nameProblem(name) ?? idProblem("uid", uidText) ?? idProblem("gid", gidText);
    if (problem !== undefined) {
      problems.push(`${where}: ${problem}`);
      continue;
    }
    const first = firstLine.get(name);
    if (first !== undefined) {
      problems.push(`${where}: user ${name} is already defined on line ${first}`);
      continue;
    }
    firstLine.set(name, line);
    users.push({ name, uid: Number(uidText), gid: Number(gidText), line });
  }
  if (problems.length > 0) {
    throw problemsError(
      `${file} is not a valid passwd file (${problems.length} problem${problems.length === 1 ? "" : "s"})`,
      problems,
      "Give --passwd the output of 'getent passwd' (or an LDAP export in that format): name:x:uid:gid:gecos:home:shell, one user a line.",
    );
  }
  return { file, users };
}

/** The account on a plain valid line, or undefined for the checks below to explain. */
function fastUser(content: string, line: number): PasswdUser | undefined {
  const colons = [0, 0, 0, 0, 0, 0];
  let at = -1;
  for (let i = 0; i < 6; i += 1) {
    at = content.indexOf(":", at + 1);
    if (at < 0) return undefined;
    colons[i] = at;
  }
  if (content.indexOf(":", at + 1) >= 0) return undefined;
  const first = content.charCodeAt(0);
  if (first === 43 /* + */ || first === 45 /* - */ || !plainAt(content, 0, colons[0])) {
    return undefined;
  }
  const uid = digitsAt(content, colons[1] + 1, colons[2], true);
  const gid = digitsAt(content, colons[2] + 1, colons[3], true);
  if (uid < 0 || gid < 0 || uid >= ID_LIMIT || gid >= ID_LIMIT) return undefined;
  return { name: content.slice(0, colons[0]), uid, gid, line };
}

function nameProblem(name: string): string | undefined {
  if (name === "") return "empty user name";
  // NIS compat lines (+user, -user, +@netgroup) are not accounts; getent expands them.
  if (name.startsWith("+") || name.startsWith("-")) {
    return `${JSON.stringify(name)} is a NIS compat entry, not an account; use 'getent passwd' output`;
  }
  if (/\s/.test(name)) return `user name ${JSON.stringify(name)} contains white space`;
  return undefined;
}

function idProblem(what: "uid" | "gid", text: string): string | undefined {
  const value = decimal(text);
  if (value === undefined) return `${what} ${JSON.stringify(text)} is not a decimal number`;
  // 2^32 - 1 is (uid_t) -1, "no id"; nothing above fits in 32 bits.
  if (value >= ID_LIMIT) return `${what} ${text} is out of range (at most ${ID_LIMIT - 1})`;
  return undefined;
}

/** Whether `user` gets ranges: uid >= `minUid`, and not nobody/nfsnobody. */
export function isEligible(user: PasswdUser, minUid: number): boolean {
  return user.uid >= minUid && user.uid !== NOBODY_UIDS[0] && user.uid !== NOBODY_UIDS[1];
}

/**
 * The users who get ranges (see isEligible), sorted by uid, then name, so that new ranges do
 * not depend on the order of the passwd file.
 */
export function eligibleUsers(passwd: Passwd, minUid: number): PasswdUser[] {
  return passwd.users
    .filter((user) => isEligible(user, minUid))
    .sort((a, b) => a.uid - b.uid || byCodeUnit(a.name, b.name));
}

/**
 * The distinct ids of `which` in `passwd` (all accounts), ascending. A typed array: sorted
 * numerically, natively, fast.
 */
export function realIds(passwd: Passwd, which: "uid" | "gid" | "both"): Uint32Array {
  const { users } = passwd;
  const ids = new Uint32Array(which === "both" ? 2 * users.length : users.length);
  let i = 0;
  for (const user of users) {
    if (which !== "gid") ids[i++] = user.uid;
    if (which !== "uid") ids[i++] = user.gid;
  }
  ids.sort();
  let distinct = 0;
  for (let j = 0; j < ids.length; j += 1) {
    if (j === 0 || ids[j] !== ids[j - 1]) ids[distinct++] = ids[j];
  }
  return ids.subarray(0, distinct);
}

/**
 * Who owns a subid entry: subuid(5) allows a user name or a numeric uid. A name wins over a
 * uid (a name made of digits is the name). A uid shared by several accounts means the one
 * whose name sorts first, so that the answer does not depend on the order of the file.
 */
export function ownerResolver(passwd: Passwd): (owner: string) => PasswdUser | undefined {
  const byName = new Map<string, PasswdUser>();
  for (const user of passwd.users) byName.set(user.name, user);
  // Numeric owners are rare: index by uid only when one turns up.
  let byUid: Map<number, PasswdUser> | undefined;
  return (owner) => {
    const named = byName.get(owner);
    if (named !== undefined) return named;
    const uid = decimal(owner);
    if (uid === undefined) return undefined;
    if (byUid === undefined) {
      byUid = new Map();
      for (const user of passwd.users) {
        const other = byUid.get(user.uid);
        if (other === undefined || user.name < other.name) byUid.set(user.uid, user);
      }
    }
    return byUid.get(uid);
  };
}

/** What the checks and the planner look up in passwd, computed once per run. */
export interface PasswdIndex {
  readonly passwd: Passwd;
  readonly minUid: number;
  /** The users who get ranges, by uid then name (see eligibleUsers). */
  readonly eligible: readonly PasswdUser[];
  readonly isEligible: (user: PasswdUser) => boolean;
  /** The account an owner (name or numeric uid) stands for (see ownerResolver). */
  readonly resolve: (owner: string) => PasswdUser | undefined;
  /** Real ids, ascending: uids, gids, and both together. */
  readonly ids: Readonly<Record<"uid" | "gid" | "both", Uint32Array>>;
}

export function indexPasswd(passwd: Passwd, minUid: number): PasswdIndex {
  const eligible = eligibleUsers(passwd, minUid);
  return {
    passwd,
    minUid,
    eligible,
    isEligible: (user) => isEligible(user, minUid),
    resolve: ownerResolver(passwd),
    ids: {
      uid: realIds(passwd, "uid"),
      gid: realIds(passwd, "gid"),
      both: realIds(passwd, "both"),
    },
  };
}
