import { UserError } from "../core/errors";

/** `{{ name }}`, as the seed writes a variable in vars/uan_helm.yml. */
const VARIABLE = /\{\{ *([a-z_]+) *\}\}/g;

/**
 * `text` with the seed's `{{ variable }}` references replaced by their values, so that an
 * entry pasted from the seed (chart: "{{ haproxy_chart }}") means what it meant there. A
 * variable uan-k3s does not know is refused here, at generation time, rather than left for
 * Ansible to trip over.
 */
export function resolveSeedVariables(
  text: string,
  variables: Readonly<Record<string, string>>,
  where: string,
): string {
  return text.replace(VARIABLE, (_, name: string) => {
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (value === undefined) {
      throw new UserError(
        `${where}: {{ ${name} }} is not a variable uan-k3s knows (${Object.keys(variables).join(", ")})`,
        "Write the value itself.",
      );
    }
    return value;
  });
}
