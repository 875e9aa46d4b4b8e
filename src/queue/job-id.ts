// Job ids for every backend: the enqueue time in base 36, then random hex, so ids sort roughly by age.
import { randomBytes } from "node:crypto";

export function newJobId(now: number): string {
  return `${now.toString(36)}${randomBytes(4).toString("hex")}`;
}
