import { expect } from "chai";
import { parseConfig } from "../../cli/config";
import { isUserError, type UserError } from "../../core/errors";

/** The UserError parseConfig raises for `yaml`, read as uan-k3s.yaml. */
function refused(yaml: string): UserError {
  try {
    parseConfig(yaml, "uan-k3s.yaml");
  } catch (error) {
    if (isUserError(error)) return error;
    throw error;
  }
  throw new Error(`accepted: ${yaml}`);
}

const INIT_HINT =
  "`uan-k3s init --output uan-k3s.example.yaml` writes every setting with its default and description.";

describe("config errors in words", () => {
  it("a value outside a list of words: the key, what it got, what is allowed, the setting's description", () => {
    const error = refused("hostnames: fqdn\n");
    expect(error.message).to.equal(
      'uan-k3s.yaml: hostnames: got "fqdn"; allowed: one of "xname", "alias"',
    );
    expect(error.hint).to.match(/^hostnames: Inventory host names: xname .*\n/);
    expect(error.hint?.endsWith(INIT_HINT)).to.equal(true);
  });

  it("an anyOf is one line listing each alternative, never 'must match a schema in anyOf'", () => {
    const scope = refused("scope: 7\n");
    expect(scope.message).to.equal(
      'uan-k3s.yaml: scope: got 7; allowed: one of "all", "k3s", or a list',
    );
    expect(scope.hint).to.match(/^scope: Which hosts the inventory serves/);
    const check = refused("haproxy:\n  - name: x\n    check: 5\n");
    expect(check.message).to.equal(
      "uan-k3s.yaml: haproxy[0].check: got 5; allowed: a mapping of settings, or false",
    );
    expect(check.hint).to.match(/^haproxy\[0\]\.check: Health check of each backend/);
  });

  it("inside an anyOf branch the value has the shape of, the branch's own errors", () => {
    const wrongKey = refused("sshd:\n  - name: uai\n    port: 9000\n    podman: {imag: x}\n");
    expect(wrongKey.message.split("\n")).to.deep.equal([
      'uan-k3s.yaml: sshd[0].podman: missing the setting "image"',
      'uan-k3s.yaml: sshd[0].podman: unknown setting "imag" (did you mean image?); allowed here: image, storage_root, hostname, userns, network, cgroup_manager, pull, x11, extra_args',
    ]);
    const deep = refused("sshd:\n  - name: uai\n    port: 9000\n    podman: {image: 5}\n");
    expect(deep.message).to.equal("uan-k3s.yaml: sshd[0].podman.image: got 5; allowed: text");
    expect(deep.message).not.to.include("anyOf");
  });

  it("bounds, types and unknown keys, with the whole file's allowed keys and a near one", () => {
    expect(refused("sshd:\n  - name: a\n    port: 70000\n").message).to.equal(
      "uan-k3s.yaml: sshd[0].port: got 70000; allowed: a whole number of at most 65535, or text",
    );
    expect(refused("timeout: -1\n").message).to.equal(
      "uan-k3s.yaml: timeout: got -1; allowed: a whole number of at least 1",
    );
    expect(refused("sshd: {}\n").message).to.equal(
      "uan-k3s.yaml: sshd: got a mapping; allowed: a list",
    );
    const typo = refused("relase: {}\n");
    expect(typo.message).to.match(
      /^uan-k3s\.yaml: \(the whole file\): unknown setting "relase" \(did you mean release\?\); allowed here: sls_file, hsm_file, /,
    );
    expect(refused("frobnicate: 1\n").message).not.to.include("did you mean");
    // The whole file's description would explain nothing: the hint is init's alone.
    expect(typo.hint).to.equal(INIT_HINT);
  });

  it("an item of a list is explained by the list's description; no hint names a repository path", () => {
    const error = refused("scope: [k3s_server, 'a b']\n");
    expect(error.message).to.equal(
      'uan-k3s.yaml: scope[1]: got "a b"; allowed: text matching ^[a-zA-Z_][a-zA-Z0-9_]+$',
    );
    expect(error.hint).to.match(/^scope\[1\]: Which hosts the inventory serves/);
    for (const yaml of ["hostnames: fqdn\n", "scope: 7\n", "relase: {}\n", "k3s: {servers: 5}\n"])
      expect(refused(yaml).hint).not.to.include("schemas/");
  });
});
