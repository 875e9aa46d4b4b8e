// Whether a page may be read: its host must be, and resolve only to, public internet addresses.
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { VenomError, transientError } from "../../errors.js";

/** Every address a host name stands for (a literal address stands for itself). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

// A page URL comes from search results or the model, both steerable by an issue's author: these ranges would
// let them read the host's own services, the LAN or a cloud metadata endpoint (169.254.169.254) instead.
const IPV4_NOT_PUBLIC: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this network"; 0.0.0.0 reaches the host itself
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT, also some clouds' metadata (100.100.100.200)
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved and broadcast
];
const IPV6_NOT_PUBLIC: Array<[string, number]> = [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // old site-local
  ["ff00::", 8], // multicast
];
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of IPV4_NOT_PUBLIC) NOT_PUBLIC.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of IPV6_NOT_PUBLIC) NOT_PUBLIC.addSubnet(network, prefix, "ipv6");
// IPv4-mapped (::ffff:127.0.0.1) and NAT64 (64:ff9b::7f00:1) addresses are judged by the IPv4 address inside.
const NAT64 = new BlockList();
NAT64.addSubnet("64:ff9b::", 96, "ipv6");

/** True for an address on the public internet; false for loopback, private, link-local, reserved or not an address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NOT_PUBLIC.check(address, "ipv4");
  if (family !== 6) return false;
  if (NAT64.check(address, "ipv6")) return isPublicAddress(lastIpv4(address));
  // BlockList matches an IPv4-mapped address against the IPv4 ranges itself.
  return !NOT_PUBLIC.check(address, "ipv6");
}

/** The system resolver (what fetch itself uses), every address it knows. */
export const resolveWithDns: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Refuses a URL whose host is, or resolves to, an address that is not public. Called for the first URL and
 * again for every redirect, so a public page cannot send the reader on to `http://127.0.0.1/`.
 */
export async function assertPublicHost(url: URL, resolve: ResolveHost = resolveWithDns): Promise<void> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const literal = isIP(hostname) !== 0;
  let addresses: string[];
  try {
    addresses = literal ? [hostname] : await resolve(hostname);
  } catch (error) {
    throw transientError(`${url.host} could not be resolved (${(error as { code?: string }).code ?? "DNS error"}); check the URL.`, { cause: error });
  }
  if (addresses.length === 0) throw transientError(`${url.host} could not be resolved (no address); check the URL.`);
  const refused = addresses.find((address) => !isPublicAddress(address));
  if (refused !== undefined) {
    throw new VenomError(
      "user",
      `Refused to read ${url.host}: it ${literal ? "is" : `resolves to ${refused}, which is`} a loopback, private or reserved address; only public web pages can be read.`,
    );
  }
}

/** `64:ff9b::7f00:1` → `127.0.0.1`: the low 32 bits of an IPv6 address. */
function lastIpv4(address: string): string {
  const tail = address.slice(address.lastIndexOf(":") + 1);
  if (isIP(tail) === 4) return tail;
  const groups = address.split(":");
  const low = Number.parseInt(groups.at(-1) || "0", 16);
  const high = Number.parseInt(groups.at(-2) || "0", 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}
