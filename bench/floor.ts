/**
 * The benchmark's floor: the least a plain Node script must do to print the same kind of
 * inventory as `uan-k3s-inventory --list`. It reads and parses the SLS dump and the HSM groups,
 * groups nodes by `<Role>` and `<Role>_<SubRole>` and by HSM label, builds the same core
 * hostvars and prints one JSON document, hosts in the order the dump lists them (issue 12's
 * floor: no sorting beyond insertion order; ours sorts naturally within that budget).
 * No shortcuts (it parses everything), no extras (no schema validation, no addresses, no
 * warnings, no unsafe marking), and no project imports, so that its startup is plain Node's.
 *
 * usage: node dist/bench/floor.js SLS_FILE HSM_FILE
 */
import { readFileSync } from "node:fs";

interface Hardware {
  Xname: string;
  Type: string;
  ExtraProperties?: { Role?: string; SubRole?: string; NID?: number; Aliases?: string[] | null };
}

interface Group {
  label: string;
  members?: { ids?: string[] | null };
}

interface HostVars {
  xname: string;
  hostname: string;
  aliases: string[];
  role?: string;
  subrole?: string;
  nid?: number;
  cray_cfs_image: boolean;
}

function main(slsFile: string, hsmFile: string): void {
  const dump = JSON.parse(readFileSync(slsFile, "utf8")) as {
    Hardware?: Record<string, Hardware> | null;
  };
  const hsm = JSON.parse(readFileSync(hsmFile, "utf8")) as Group[];

  const groups = new Map<string, string[]>();
  const add = (group: string, host: string): void => {
    const hosts = groups.get(group);
    if (hosts === undefined) groups.set(group, [host]);
    else hosts.push(host);
  };
  const hostvars = new Map<string, HostVars>();
  for (const hw of Object.values(dump.Hardware ?? {})) {
    if (hw.Type !== "comptype_node") continue;
    const props = hw.ExtraProperties ?? {};
    const aliases = props.Aliases ?? [];
    const vars: HostVars = {
      xname: hw.Xname,
      hostname: aliases[0] ?? hw.Xname,
      aliases,
      cray_cfs_image: false,
    };
    if (props.Role !== undefined) {
      vars.role = props.Role;
      add(props.Role, hw.Xname);
      if (props.SubRole !== undefined) add(`${props.Role}_${props.SubRole}`, hw.Xname);
    }
    if (props.SubRole !== undefined) vars.subrole = props.SubRole;
    if (props.NID !== undefined) vars.nid = props.NID;
    hostvars.set(hw.Xname, vars);
  }
  for (const group of hsm) {
    for (const id of group.members?.ids ?? []) add(group.label, id);
  }

  const document: Record<string, unknown> = {};
  for (const [name, hosts] of groups) document[name] = { hosts };
  document._meta = { hostvars: Object.fromEntries(hostvars) };
  process.stdout.write(`${JSON.stringify(document)}\n`);
}

if (require.main === module) {
  const [slsFile, hsmFile] = process.argv.slice(2);
  if (slsFile === undefined || hsmFile === undefined) {
    process.stderr.write("usage: node dist/bench/floor.js SLS_FILE HSM_FILE\n");
    process.exitCode = 2;
  } else {
    main(slsFile, hsmFile);
  }
}
