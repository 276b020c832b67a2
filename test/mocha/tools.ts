import { groupConfig } from "./groups";

export = groupConfig("tools", 4);
