import { run } from "../cli/inventory-script";
import { useEmbeddedPackageFiles } from "./sea-files";

/**
 * The program of the single executable run as uan-k3s-inventory (a symlink, as the RPM
 * installs it): the inventory script Ansible runs on every command, bundled apart from the
 * rest of uan-k3s so that those runs parse a quarter of the code.
 */

useEmbeddedPackageFiles();
run();
