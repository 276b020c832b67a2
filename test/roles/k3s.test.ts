import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { MARKER } from "../../generator/write/marker";
import { ansible, output, scratch, writeLocalInventory } from "./ansible";
import { renderFiles, renderTree } from "./render";
import { needs } from "../tools";

type Play = Record<string, unknown> & {
  name: string;
  hosts: string;
  roles?: string[];
  tasks?: Task[];
};
type Task = Record<string, unknown> & { name: string; block?: Task[] };

/** Reads Ansible YAML, accepting the !unsafe tag the vars files use. */
function readYaml<T>(path: string): T {
  const unsafe = { tag: "!unsafe", resolve: (value: string): string => value };
  return YAML.parse(readFileSync(path, "utf8"), { version: "1.1", customTags: [unsafe] }) as T;
}

/** Every task of a task list, blocks flattened. */
function allTasks(tasks: readonly Task[]): Task[] {
  return tasks.flatMap((task) => (task.block === undefined ? [task] : allTasks(task.block)));
}

/** The roles a play runs, whether through `roles:` or include_role tasks, in order. */
function rolesOf(play: Play): string[] {
  const included = (play.tasks ?? []).map(
    (task) => (task["ansible.builtin.include_role"] as { name: string } | undefined)?.name,
  );
  return [...(play.roles ?? []), ...included.filter((name) => name !== undefined)];
}

const OUR_ROLES = ["uan_helm", "uan_k3s_install", "uan_k3s_stage", "uan_metallb"];

describe("k3s.yml", function () {
  needs(this, "ansible-playbook");
  this.timeout(120_000);
  let tree: string;
  let plays: Play[];

  before(() => {
    tree = renderTree("split");
    plays = readYaml<Play[]>(join(tree, "k3s.yml"));
  });

  it("runs the plays of the seed procedure in order, on the right hosts", () => {
    expect(plays.map((play) => [play.hosts, rolesOf(play)])).to.deep.equal([
      ["all", []],
      ["Application:Compute:k3s_server:k3s_agent:&cfs_image", ["uan_k3s_stage", "uan_helm"]],
      ["k3s_server:!cfs_image", ["uan_k3s_stage", "uan_helm", "uan_k3s_install"]],
      ["k3s_agent:!cfs_image", ["uan_k3s_stage", "uan_k3s_install"]],
      ["k3s_server:!cfs_image", ["uan_metallb", "uan_haproxy"]],
      ["k3s_server:k3s_agent:!cfs_image", ["uan_podman", "uan_sshd"]],
    ]);
    expect(plays[4]?.run_once).to.equal(true);
  });

  it("stages on running nodes only when uan_k3s_stage_without_image is true", () => {
    for (const play of [plays[2], plays[3]]) {
      const staging = (play?.tasks ?? []).filter((task) =>
        /^uan_(k3s_stage|helm)$/.test(
          (task["ansible.builtin.include_role"] as { name: string }).name,
        ),
      );
      expect(staging).to.have.length.greaterThan(0);
      for (const task of staging) expect(task.when).to.equal("uan_k3s_stage_without_image | bool");
    }
  });

  it("loads the vars files each play needs, and sets KUBECONFIG where kubectl and helm run", () => {
    for (const play of plays.slice(1)) {
      for (const file of play.vars_files as string[]) readYaml(join(tree, file));
    }
    expect(plays[4]?.vars_files).to.deep.equal(["vars/uan_k3s.yml", "vars/uan_helm.yml"]);
    expect(plays[5]?.vars_files).to.deep.equal([
      "vars/uan_k3s.yml",
      "vars/uan_sshd.yml",
      "vars/uan_podman.yml",
    ]);
    for (const play of [plays[2], plays[4]])
      expect(play?.environment).to.deep.equal({ KUBECONFIG: "{{ k3s_config }}" });
  });

  it("puts every image customization host in cfs_image, not only the first (group_by, not add_host)", async () => {
    const dir = scratch("group-by");
    const out = join(dir, "groups.json");
    const check = {
      name: "Report the groups",
      hosts: "localhost",
      gather_facts: false,
      tasks: [
        {
          name: "Write the groups",
          "ansible.builtin.copy": {
            content:
              "{{ {'image': groups['cfs_image'] | default([]) | sort, 'node': groups['cfs_node'] | default([]) | sort} | to_json }}",
            dest: out,
            mode: "0644",
          },
        },
      ],
    };
    writeFileSync(join(dir, "play.yml"), YAML.stringify([plays[0], check]));
    const inventory = writeLocalInventory(dir, {
      localhost: {},
      image1: { cray_cfs_image: true },
      image2: { cray_cfs_image: "true" },
      node1: { cray_cfs_image: false },
      node2: {},
    });
    const result = await ansible(dir, "ansible-playbook", ["-i", inventory, "play.yml"]);
    expect(result.code, output(result)).to.equal(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).to.deep.equal({
      image: ["image1", "image2"],
      node: ["localhost", "node1", "node2"],
    });
  });
});

describe("the roles uan_k3s_stage, uan_k3s_install, uan_helm, uan_metallb", () => {
  let tree: string;
  before(() => {
    tree = renderTree("split");
  });

  it("each have tasks, defaults, meta and a README", () => {
    const files = [...renderFiles("split").keys()];
    for (const role of OUR_ROLES)
      for (const file of ["tasks/main.yml", "defaults/main.yml", "meta/main.yml", "README.md"])
        expect(files, role).to.include(`roles/${role}/${file}`);
    expect(files).to.include("roles/uan_k3s_install/handlers/main.yml");
  });

  it("leave the site's values to the vars files: a default they override is only 'none'", () => {
    const vars: Record<string, unknown> = {};
    for (const file of ["uan_k3s", "uan_helm", "uan_sshd", "uan_podman"])
      Object.assign(vars, readYaml(join(tree, "vars", `${file}.yml`)));
    const none = (value: unknown): boolean =>
      value === "" || (Array.isArray(value) && value.length === 0);
    for (const role of [...OUR_ROLES, "uan_haproxy", "uan_podman", "uan_sshd"]) {
      const defaults = readYaml<Record<string, unknown>>(
        join(tree, "roles", role, "defaults", "main.yml"),
      );
      for (const key of Object.keys(defaults).filter((name) => name in vars))
        expect(none(defaults[key]), `${role}: ${key} is ${JSON.stringify(defaults[key])}`).to.equal(
          true,
        );
    }
  });

  it("use no collection, no json_query or ipaddr, no args: warn", () => {
    for (const [path, file] of renderFiles("split")) {
      const ours = OUR_ROLES.some((role) => path.startsWith(`roles/${role}/`)) || /^k3s/.test(path);
      if (!ours || path.endsWith(".md")) continue;
      expect(file.text, path).to.not.match(/\|\s*[\w.]*(json_query|ipaddr|ipv4|ipmath)\b/);
      expect(file.text, path).to.not.match(/community\.|kubernetes\.core|ansible\.utils/);
      expect(file.text, path).to.not.match(/^\s+warn:/m);
      for (const module of file.text.matchAll(/^\s+(?:- )?([a-z_]+\.[a-z_]+\.[a-z_]+):/gm))
        expect(module[1], path).to.match(/^ansible\.builtin\./);
    }
  });

  it("move the join token in memory, unlogged, and write it 0600", () => {
    const tasks = allTasks(
      readYaml<Task[]>(join(tree, "roles", "uan_k3s_install", "tasks", "main.yml")),
    );
    const read = tasks.filter((task) => "ansible.builtin.slurp" in task);
    expect(read).to.have.length(1);
    expect(read[0]?.no_log).to.equal(true);
    expect(read[0]?.delegate_to).to.equal("{{ uan_k3s_install_join }}");
    expect(tasks.some((task) => "ansible.builtin.fetch" in task)).to.equal(false);
    const write = tasks.filter(
      (task) =>
        (task["ansible.builtin.copy"] as { dest?: string } | undefined)?.dest ===
        "{{ k3s_join_token_file }}",
    );
    expect(write).to.have.length(1);
    expect(write[0]).to.include({ no_log: true, diff: false, notify: "Restart K3s" });
    expect(write[0]?.["ansible.builtin.copy"]).to.include({ mode: "0600" });
  });

  it("give every command a changed_when, and read-only commands check_mode: false", () => {
    for (const role of OUR_ROLES) {
      const tasks = allTasks(readYaml<Task[]>(join(tree, "roles", role, "tasks", "main.yml")));
      for (const task of tasks.filter((task) => "ansible.builtin.command" in task)) {
        expect(task, `${role}: ${task.name}`).to.have.property("changed_when");
        if (task.changed_when === false && task.until === undefined)
          expect(task.check_mode, `${role}: ${task.name}`).to.equal(false);
      }
    }
  });

  it("write unit files 0644 and restart K3s through a handler", () => {
    const tasks = allTasks(
      readYaml<Task[]>(join(tree, "roles", "uan_k3s_install", "tasks", "main.yml")),
    );
    const unit = tasks.find((task) => task.name === "Write the K3s unit file");
    expect(unit?.["ansible.builtin.template"]).to.include({ mode: "0644", src: "k3s.service.j2" });
    expect(unit?.notify).to.equal("Restart K3s");
    const handlers = readYaml<Task[]>(
      join(tree, "roles", "uan_k3s_install", "handlers", "main.yml"),
    );
    expect(handlers.map((handler) => handler.name)).to.deep.equal(["Restart K3s"]);
    expect(handlers[0]?.["ansible.builtin.systemd"]).to.include({ state: "restarted" });
  });
});

describe("rendering the roles", () => {
  it("gives the same bytes twice, for each fixture system", () => {
    for (const system of ["seed", "split", "chn", "pre12"] as const) {
      const first = renderFiles(system);
      const second = renderFiles(system);
      expect([...second.keys()], system).to.deep.equal([...first.keys()]);
      for (const [path, file] of first)
        expect(second.get(path), `${system} ${path}`).to.deep.equal(file);
    }
  });

  it("marks every file it renders, .j2 templates with a Jinja comment", () => {
    for (const [path, file] of renderFiles("split")) {
      if (!OUR_ROLES.some((role) => path.startsWith(`roles/${role}/`))) continue;
      const first = file.text.split("\n", 1)[0] ?? "";
      expect(first, path).to.include(MARKER);
      if (path.endsWith(".j2")) expect(first, path).to.match(/^\{# .* #\}$/);
    }
  });
});
