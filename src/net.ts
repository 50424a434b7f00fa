/** IPv4 arithmetic on unsigned 32-bit integers; enough for private lab networks. */

export function parseIp(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Cidr {
  network: number;
  prefix: number;
  /** Number of addresses, network and broadcast included. */
  size: number;
  text: string;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: string };

export function parseCidr(text: string): CidrResult {
  const [ipText, prefixText, ...rest] = text.split('/');
  if (ipText === undefined || prefixText === undefined || rest.length > 0) return { ok: false, reason: 'expected ADDRESS/PREFIX' };
  const ip = parseIp(ipText);
  if (ip === undefined) return { ok: false, reason: `${ipText} is not an IPv4 address` };
  if (!/^[0-9]{1,2}$/.test(prefixText) || Number(prefixText) > 32) return { ok: false, reason: `/${prefixText} is not a prefix length (0-32)` };
  const prefix = Number(prefixText);
  if (prefix > 30) return { ok: false, reason: `/${prefix} leaves no room for nodes; use /30 or shorter` };
  const size = 2 ** (32 - prefix);
  if (ip % size !== 0) {
    return { ok: false, reason: `${text} has host bits set; the network is ${formatIp(ip - (ip % size))}/${prefix}` };
  }
  return { ok: true, cidr: { network: ip, prefix, size, text } };
}

export function netmask(prefix: number): string {
  return formatIp(2 ** 32 - 2 ** (32 - prefix));
}

export function contains(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.network && ip < cidr.network + cidr.size;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

export function mustParseCidr(text: string): Cidr {
  const result = parseCidr(text);
  if (!result.ok) throw new Error(`bad built-in CIDR ${text}: ${result.reason}`);
  return result.cidr;
}
