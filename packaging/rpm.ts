import { mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INSTALLED, type Release } from "./layout";
import { must } from "./run";

/**
 * The RPM, built with rpmbuild from the install tree `stage` (its bin/ and share/ go under
 * /usr). Reproducible: rpmbuild takes the build time and every file time from
 * SOURCE_DATE_EPOCH, and the build host is a fixed name.
 */
export async function buildRpm(release: Release, stage: string, work: string): Promise<void> {
  const top = join(work, "rpm");
  mkdirSync(join(top, "SPECS"), { recursive: true });
  const spec = join(top, "SPECS", "uan-k3s.spec");
  writeFileSync(spec, specText(release, stage));
  await must(
    "rpmbuild",
    [
      "-bb",
      "--quiet",
      "--target",
      "x86_64-linux",
      ...defines({
        _topdir: top,
        _buildhost: "uan-k3s-release",
        use_source_date_epoch_as_buildtime: "1",
        clamp_mtime_to_source_date_epoch: "1",
        // gzip, which every SLES rpm reads.
        _binary_payload: "w6.gzdio",
      }),
      spec,
    ],
    { env: { ...process.env, SOURCE_DATE_EPOCH: String(release.epoch) } },
  );
  const built = join(top, "RPMS", "x86_64");
  for (const name of readdirSync(built)) renameSync(join(built, name), join(release.out, name));
}

function defines(macros: Record<string, string>): string[] {
  return Object.entries(macros).flatMap(([name, value]) => ["--define", `${name} ${value}`]);
}

function specText({ info }: Release, stage: string): string {
  const files = Object.values(INSTALLED).map((path) => `/usr/${path}`);
  return `# Written by packaging/rpm.ts for npm run release.
Name:           uan-k3s
Version:        ${info.version}
Release:        1
Summary:        Configure UANs for K3s from SLS and HSM: inventory, subnet split, roles, CFS layer
License:        MIT
# The executable carries its own Node; only glibc (2.28 or later) and libstdc++ are needed.
ExclusiveArch:  x86_64
# Nothing to strip or to split into debuginfo: the executable is an official Node build
# with the application injected, which stripping would remove.
%global debug_package %{nil}
%global __os_install_post %{nil}
%global _build_id_links none

%description
Automates HPE's "Configuring a UAN for K3s" procedure on HPE Cray EX systems: the Ansible
inventory of the UANs from SLS and HSM (uan-k3s-inventory), the MetalLB K3s subnet split, the
generated Ansible roles and the CFS layer. Built from commit ${info.commit}.

%install
mkdir -p %{buildroot}/usr
cp -a ${stage}/. %{buildroot}/usr/

%files
%defattr(-,root,root,-)
${files.join("\n")}
`;
}
