import { getAsset } from "node:sea";
import { embedPackageFiles, type PackageFile } from "../core/package-files";
import { PACKAGE_FILES_ASSET } from "./layout";

/**
 * Points core/package-files.ts at the copy the release embedded: the executable has no package
 * directory beside it. Read on first use only.
 */
export function useEmbeddedPackageFiles(): void {
  embedPackageFiles(() => JSON.parse(getAsset(PACKAGE_FILES_ASSET, "utf8")) as PackageFile[]);
}
