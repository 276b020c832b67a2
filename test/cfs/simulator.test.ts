import { expect } from "chai";
import { FAKE_BRANCH_COMMIT } from "../../simulator/cfs-routes";
import type { Simulator } from "../../simulator/server";
import { call, getToken, json, startSmall, type Answer } from "../simulator/helpers";
import { COS_SHA, CSM_SHA, SHA } from "./fixtures";
import { needs } from "../tools";

const V3 = "/apis/cfs/v3/configurations";
const V2 = "/apis/cfs/v2/configurations";
const URL_CSM = "https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git";
const URL_UAN = "https://api-gw-service-nmn.local/vcs/cray/uan-config-management.git";

describe("simulator: CFS configurations", function () {
  needs(this, "openssl");
  let sim: Simulator;
  let token: string;

  before(async () => {
    sim = await startSmall({
      cfsConfigurations: {
        seeded: { layers: [{ clone_url: URL_CSM, playbook: "site.yml", commit: CSM_SHA }] },
      },
    });
    token = await getToken(sim);
  });
  after(() => sim.stop());

  const put = (path: string, body: unknown): Promise<Answer> =>
    call(sim, path, { method: "PUT", token, body: JSON.stringify(body) });
  const get = (path: string): Promise<Answer> => call(sim, path, { token });

  /** A 400 problem+json whose detail includes `detail`; nothing stored. */
  async function refused(
    path: string,
    body: unknown,
    title: string,
    detail: string,
  ): Promise<void> {
    const before = sim.state.cfs.configurations.size;
    const answer = await put(path, body);
    expect(answer.status, answer.text).to.equal(400);
    expect(answer.headers["content-type"]).to.equal("application/problem+json");
    expect(json(answer)).to.deep.include({ type: "about:blank", title, status: 400 });
    expect((json(answer) as { detail: string }).detail).to.include(detail);
    expect(sim.state.cfs.configurations.size).to.equal(before);
  }

  it("serves pre-seeded configurations with their name and last_updated", async () => {
    const answer = await get(`${V3}/seeded`);
    expect(answer.status).to.equal(200);
    expect(json(answer)).to.include({ name: "seeded" });
    expect(json(answer))
      .to.have.property("last_updated")
      .that.matches(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("answers 404 problem+json for a configuration that does not exist", async () => {
    const answer = await get(`${V3}/nope`);
    expect(answer.status).to.equal(404);
    expect(json(answer)).to.deep.equal({
      type: "about:blank",
      title: "Configuration not found",
      detail: "Configuration nope could not be found",
      status: 404,
    });
  });

  it("stores a v3 PUT in snake_case with server-set name and last_updated, and shows it camelCase in v2", async () => {
    const body = {
      description: "d",
      layers: [
        {
          name: "uan-k3s",
          clone_url: URL_UAN,
          playbook: "k3s.yml",
          commit: SHA,
          special_parameters: { ims_require_dkms: false },
        },
      ],
      additional_inventory: { clone_url: URL_CSM, commit: CSM_SHA },
    };
    const answer = await put(`${V3}/both`, body);
    expect(answer.status, answer.text).to.equal(200);
    const stored = sim.state.cfs.configurations.get("both");
    expect(stored).to.deep.include({ ...body, name: "both" });
    expect(stored).to.have.property("last_updated").that.is.a("string");
    expect(json(answer)).to.deep.equal(stored);
    const v2 = json(await get(`${V2}/both`)) as Record<string, unknown>;
    expect(v2).to.deep.equal({
      name: "both",
      description: "d",
      lastUpdated: stored?.last_updated,
      layers: [
        {
          name: "uan-k3s",
          cloneUrl: URL_UAN,
          playbook: "k3s.yml",
          commit: SHA,
          specialParameters: { imsRequireDkms: false },
        },
      ],
      additional_inventory: { cloneUrl: URL_CSM, commit: CSM_SHA },
    });
  });

  it("stores a v2 PUT in snake_case too", async () => {
    const answer = await put(`${V2}/from-v2`, {
      layers: [{ cloneUrl: URL_UAN, playbook: "k3s.yml", commit: SHA }],
    });
    expect(answer.status, answer.text).to.equal(200);
    expect(json(answer)).to.have.property("lastUpdated");
    expect(sim.state.cfs.configurations.get("from-v2")).to.deep.include({
      layers: [{ clone_url: URL_UAN, playbook: "k3s.yml", commit: SHA }],
    });
  });

  it("resolves a branch to a fake commit and keeps the branch, as the real server keeps both", async () => {
    const answer = await put(`${V3}/branchy`, {
      layers: [{ clone_url: URL_UAN, playbook: "k3s.yml", branch: "integration" }],
    });
    expect(answer.status).to.equal(200);
    expect((json(answer) as { layers: unknown[] }).layers[0]).to.deep.equal({
      clone_url: URL_UAN,
      playbook: "k3s.yml",
      branch: "integration",
      commit: FAKE_BRANCH_COMMIT,
    });
  });

  it("refuses branch and commit in one layer", async () => {
    await refused(
      `${V3}/x`,
      { layers: [{ clone_url: URL_UAN, playbook: "k3s.yml", branch: "main", commit: SHA }] },
      "Error handling branches",
      "Only branch or commit should be specified for each layer, not both.",
    );
    await refused(
      `${V2}/x`,
      { layers: [{ cloneUrl: URL_UAN, playbook: "k3s.yml", branch: "main", commit: SHA }] },
      "Error handling branches",
      "not both",
    );
  });

  it("refuses two layers with the same clone_url and playbook", async () => {
    const layer = { clone_url: URL_CSM, playbook: "site.yml", commit: CSM_SHA };
    await refused(
      `${V3}/x`,
      { layers: [layer, { ...layer, commit: COS_SHA }] },
      "Error with conflicting layers",
      "Two or more layers apply the same playbook from the same repo",
    );
  });

  it("refuses a commit that is not 40 lower-case hex digits", async () => {
    await refused(
      `${V3}/x`,
      { layers: [{ clone_url: URL_UAN, playbook: "k3s.yml", commit: SHA.toUpperCase() }] },
      "Bad Request",
      "does not match '^[a-f0-9]{40}$' - 'layers.0.commit'",
    );
  });

  it("refuses a layer name over 45 characters", async () => {
    await refused(
      `${V3}/x`,
      { layers: [{ name: "n".repeat(46), clone_url: URL_UAN, playbook: "k3s.yml", commit: SHA }] },
      "Bad Request",
      "is too long - 'layers.0.name'",
    );
  });

  it("refuses unknown fields, at the top and in layers, and the other version's spelling", async () => {
    await refused(
      `${V3}/x`,
      { layers: [], colour: "blue" },
      "Bad Request",
      "('colour' was unexpected)",
    );
    await refused(
      `${V3}/x`,
      { layers: [{ cloneUrl: URL_UAN, playbook: "k3s.yml", commit: SHA }] },
      "Bad Request",
      "('cloneUrl' was unexpected) - 'layers.0'",
    );
    await refused(
      `${V2}/x`,
      { layers: [{ cloneUrl: URL_UAN, playbook: "k3s.yml", commit: SHA, source: "s" }] },
      "Bad Request",
      "('source' was unexpected)",
    );
  });

  it("refuses read-only fields in a PUT", async () => {
    await refused(
      `${V3}/x`,
      { name: "x", layers: [] },
      "Bad Request",
      "Property is read-only - 'name'",
    );
    await refused(
      `${V2}/x`,
      { lastUpdated: "2025-01-01T00:00:00Z", layers: [] },
      "Bad Request",
      "read-only",
    );
  });

  it("refuses a v3 layer without a playbook, or with clone_url and source, and a configuration name over 60", async () => {
    await refused(
      `${V3}/x`,
      { layers: [{ clone_url: URL_UAN, commit: SHA }] },
      "Bad Request",
      "'playbook' is a required property",
    );
    await refused(
      `${V3}/x`,
      { layers: [{ clone_url: URL_UAN, source: "uan", playbook: "k3s.yml", commit: SHA }] },
      "Error handling source",
      "not both",
    );
    await refused(
      `${V3}/${"c".repeat(61)}`,
      { layers: [] },
      "Bad Request",
      "is too long - 'configuration_id'",
    );
  });

  it("lists configurations, v3 in pages", async () => {
    const all = json(await get(V3)) as { configurations: { name: string }[]; next: unknown };
    expect(all.next).to.equal(null);
    const names = all.configurations.map((configuration) => configuration.name);
    expect(names).to.deep.equal([...names].sort());
    expect(names).to.include("seeded");
    const page = json(await get(`${V3}?limit=1&after_id=${names[0]}`)) as typeof all;
    expect(page.configurations.map((configuration) => configuration.name)).to.deep.equal([
      names[1],
    ]);
    expect(page.next).to.deep.equal({ limit: 1, after_id: names[1] });
    const v2 = json(await get(V2)) as { name: string }[];
    expect(v2.map((configuration) => configuration.name)).to.deep.equal(names);
  });

  it("deletes a configuration with 204, and 404s after", async () => {
    await put(`${V3}/doomed`, { layers: [] });
    const deleted = await call(sim, `${V3}/doomed`, { method: "DELETE", token });
    expect(deleted.status).to.equal(204);
    expect(deleted.text).to.equal("");
    expect(sim.state.cfs.configurations.has("doomed")).to.equal(false);
    expect((await call(sim, `${V2}/doomed`, { method: "DELETE", token })).status).to.equal(404);
  });

  it("is behind the gateway's token check", async () => {
    expect((await call(sim, `${V3}/seeded`)).status).to.equal(401);
  });
});
