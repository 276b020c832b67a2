import { validate } from "../core/validate";

/**
 * The parts of a Kubernetes Service the conflict check reads. Written by hand to match
 * schemas/k8s-services.schema.json, which checks exactly these keys.
 */
export interface K8sService {
  kind?: "Service";
  metadata: { namespace: string; name: string; annotations?: Record<string, string> | null };
  spec?: { type?: string; loadBalancerIP?: string; externalIPs?: string[] | null };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] | null } };
}

/** `kubectl get services -A -o json`. */
export interface K8sServiceList {
  apiVersion?: string;
  kind: "List" | "ServiceList";
  items: K8sService[];
}

/**
 * Checks the parsed output of `kubectl get services -A -o json`; a wrong shape is a UserError
 * that lists every problem with `origin` and its JSON path.
 */
export function parseServices(data: unknown, origin: string): K8sServiceList {
  return validate<K8sServiceList>(data, "k8s-services.schema.json", origin);
}
