import { groupConfig } from "./groups";

export = groupConfig("unit", 2);
