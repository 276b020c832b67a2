import { expect } from "chai";
import { parseServices } from "../../split";
import { userErrorFrom } from "./helpers";

// Trimmed from `kubectl get services -A -o json`: kubectl wraps the items in a v1 List.
const kubectlOutput = {
  apiVersion: "v1",
  kind: "List",
  metadata: { resourceVersion: "" },
  items: [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "cray-ims-sshd", namespace: "ims", uid: "5c0e", labels: { app: "ims" } },
      spec: {
        type: "LoadBalancer",
        clusterIP: "10.26.1.2",
        ports: [{ port: 22, protocol: "TCP", targetPort: 22 }],
      },
      status: { loadBalancer: { ingress: [{ ip: "10.102.4.200", ipMode: "VIP" }] } },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kubernetes", namespace: "default" },
      spec: { type: "ClusterIP", clusterIP: "10.16.0.1" },
      status: { loadBalancer: {} },
    },
  ],
};

describe("parseServices", () => {
  it("accepts kubectl's output, unknown keys and all, and returns it as is", () => {
    expect(parseServices(kubectlOutput, "services.json")).to.equal(kubectlOutput);
  });

  it("accepts an empty list and the API's own ServiceList", () => {
    expect(parseServices({ kind: "List", items: [] }, "s.json").items).to.deep.equal([]);
    expect(parseServices({ kind: "ServiceList", items: [] }, "s.json").kind).to.equal(
      "ServiceList",
    );
  });

  const wrong: [string, unknown, string[]][] = [
    ["not an object", [], ["services.json: / must be object"]],
    ["no items", { kind: "List" }, ["services.json: / must have required property 'items'"]],
    [
      "a single Service instead of a list",
      kubectlOutput.items[0],
      [
        "services.json: / must have required property 'items'",
        "services.json: /kind must be equal to one of the allowed values",
      ],
    ],
    [
      "pods instead of services",
      { kind: "List", items: [{ kind: "Pod", metadata: { name: "p", namespace: "n" } }] },
      ['services.json: /items/0/kind must be equal to one of the allowed values: "Service"'],
    ],
    [
      "a service without a namespace (kubectl without -A keeps it, but not hand-made data)",
      { kind: "List", items: [{ metadata: { name: "a" } }] },
      ["services.json: /items/0/metadata must have required property 'namespace'"],
    ],
    [
      "an ingress that is not a list, and an IP that is not a string",
      {
        kind: "List",
        items: [
          {
            metadata: { name: "a", namespace: "n" },
            status: { loadBalancer: { ingress: { ip: "1.2.3.4" } } },
          },
          {
            metadata: { name: "b", namespace: "n" },
            status: { loadBalancer: { ingress: [{ ip: 5 }] } },
          },
        ],
      },
      [
        "services.json: /items/0/status/loadBalancer/ingress must be array,null",
        "services.json: /items/1/status/loadBalancer/ingress/0/ip must be string",
      ],
    ],
  ];
  for (const [what, data, messages] of wrong) {
    it(`refuses ${what}, naming the JSON path`, () => {
      const error = userErrorFrom(() => parseServices(data, "services.json"));
      for (const message of messages) expect(error.message).to.include(message);
      expect(error.hint).to.include("k8s-services.schema.json");
    });
  }
});
