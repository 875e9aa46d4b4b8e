// Worker ids carry host and pid, so a restarted process can take back at once what its dead predecessor held.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/** True when `owner` (`host:pid:…`) names a process on this host that no longer runs. */
export function isDeadLocalOwner(owner: string): boolean {
  const [host, pidText] = owner.split(":");
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
