import type { Severity, SpecProblem } from '../errors.js';
import { CNI, defaultCniPlugin } from '../cni.js';
import { KIT_KUBERNETES_VERSIONS, KIT_RKE_VERSION, RKE_KUBERNETES_VERSIONS } from '../kit/components.js';
import type { LabModel } from '../model.js';
import { contains, mustParseCidr, overlaps, parseCidr, parseIp } from '../net.js';
import { CLUSTER_CIDR, SERVICE_CIDR } from '../lab-network.js';
import { PROVIDERS } from '../providers/index.js';
import { servicesOn } from '../host-services/services/index.js';
import { problemAt, type YamlSource, type SourcePath } from '../input/source.js';
import type { SpecDocument } from './types.js';
import { RKE_ROLES } from '../vocabulary.js';

/** Checks beyond the schema, modelled on what RKE and the providers would reject later, and slower. */
export function checkSemantics(spec: SpecDocument, model: LabModel, source: YamlSource): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const report = (severity: Severity, at: SourcePath, message: string, hint?: string): void => {
    problems.push(problemAt(source, severity, at, message, hint));
  };

  for (const role of RKE_ROLES) {
    if (!model.nodes.some((n) => n.roles.includes(role))) {
      report('error', ['nodes'], `no node has the ${role} role; RKE needs at least one`, `add \`${role}\` to the roles of a node`);
    }
  }
  const etcd = model.nodes.filter((n) => n.roles.includes('etcd')).length;
  if (etcd > 0 && etcd % 2 === 0) {
    report('warning', ['nodes'], `${etcd} etcd nodes: an even count tolerates no more failures than ${etcd - 1}`, `use ${etcd - 1} or ${etcd + 1} etcd nodes`);
  }

  checkApiEndpoint(model, report);

  const byName = new Map<string, number>();
  const byIp = new Map<string, string>();
  const byMachine = new Map(model.nodes.map((n) => [n.machineName, n.name]));
  for (const node of model.nodes) {
    if (node.added) continue; // checkApiEndpoint says why its name is taken
    if (byName.has(node.name))
      report('error', [...node.source, 'name'], `duplicate node name ${node.name}`, 'every node (and every NAME-N of a group) needs its own name');
    byName.set(node.name, 1);
    const taken = RESERVED_HOST_NAMES.get(node.name);
    if (taken !== undefined)
      report('error', [...node.source, 'name'], `a node cannot be named ${node.name}: ${taken}`, 'give the node a name of its own, such as cp or worker');
    const machineOf = byMachine.get(node.name);
    if (machineOf !== undefined) {
      report(
        'error',
        [...node.source, 'name'],
        `node ${node.name} has the name of node ${machineOf}'s machine (the lab's name, a dash, the node's name)`,
        `rename one of them: on the host, and in Docker's DNS with the docker provider, ${node.name} names ${machineOf}`,
      );
    }
    if (node.ip === '') continue;
    const owner = byIp.get(node.ip);
    if (owner !== undefined)
      report(
        'error',
        [...node.source, 'ip'],
        `${node.name} has IP ${node.ip}, which ${owner} already has`,
        'give each node its own address, or leave `ip` out to have one assigned',
      );
    byIp.set(node.ip, node.name);
  }

  const cidrResult = parseCidr(model.network.cidr);
  if (cidrResult.ok) {
    const cidr = cidrResult.cidr;
    for (const node of model.nodes) {
      const ip = parseIp(node.ip);
      if (ip === undefined) continue;
      if (!contains(cidr, ip)) {
        report(
          'error',
          [...node.source, 'ip'],
          `${node.name}'s IP ${node.ip} is outside the private network ${cidr.text}`,
          'pick an address inside network.cidr, or change network.cidr',
        );
      } else if (ip === cidr.network || ip === cidr.network + cidr.size - 1 || ip === cidr.network + 1) {
        report(
          'error',
          [...node.source, 'ip'],
          `${node.name}'s IP ${node.ip} is the network, broadcast or host address of ${cidr.text}`,
          'node addresses start at .2; kubelab assigns from .10',
        );
      }
    }
    const facts = PROVIDERS[model.provider.type];
    const nat = mustParseCidr(facts.natCidr);
    if (overlaps(cidr, nat)) {
      report(
        'error',
        ['network', 'cidr'],
        `${cidr.text} collides with ${facts.natName} ${facts.natCidr}, which every machine has as its first interface`,
        'use a separate private network such as 192.168.56.0/24',
      );
    }
    for (const [range, what] of [
      [CLUSTER_CIDR, 'pod network'],
      [SERVICE_CIDR, 'service network'],
    ] as const) {
      if (overlaps(cidr, mustParseCidr(range)))
        report('error', ['network', 'cidr'], `${cidr.text} overlaps RKE's ${what} ${range}`, 'use a private network outside 10.42.0.0/15');
    }
    const range = facts.privateNetworkRange;
    if (range && !withinRange(cidr.network, cidr.size, range.cidr)) report('warning', ['network', 'cidr'], range.why, range.hint);
  }

  if (!PROVIDERS[spec.provider.type].usesBox && spec.box !== undefined) {
    report(
      'warning',
      ['box'],
      `the ${spec.provider.type} provider starts an image, not a box; \`box\` is ignored`,
      `set provider.${spec.provider.type}.image instead`,
    );
  }
  checkImages(spec, model, report);
  checkHostServices(model, source, report);
  checkReachableFromNodes(spec, model, report);
  if (CNI[model.cni.plugin].picksOwnAddress && model.images.system !== 'kit') {
    report(
      'warning',
      ['cni', 'plugin'],
      "calico picks each node's address itself, and may pick the NAT interface, which has the same address on every machine",
      'prefer canal or flannel, which kubelab binds to the private interface',
    );
  }
  if (spec.proxy && spec.proxy.http === undefined && spec.proxy.https === undefined) {
    report('error', ['proxy'], 'proxy has neither `http` nor `https`', 'set proxy.http (and usually proxy.https to the same URL), or remove `proxy`');
  }
  for (const node of model.nodes) {
    if (node.memoryMiB > 0 && node.memoryMiB < 1024 && (node.roles.includes('controlplane') || node.roles.includes('etcd'))) {
      report(
        'warning',
        [...node.source, 'memory'],
        `${node.name} has ${node.memoryMiB} MiB; etcd and the control plane need about 1.5 GiB to be stable`,
        'give control-plane and etcd nodes 2G',
      );
    }
  }
  return problems;
}

/** The loadbalancer machine: one, with no other role, with controlplane nodes behind it, at an address of its own. */
function checkApiEndpoint(model: LabModel, report: (severity: Severity, at: SourcePath, message: string, hint?: string) => void): void {
  const balancers = model.nodes.filter((n) => n.roles.includes('loadbalancer'));
  const added = balancers.find((n) => n.added);
  if (added) {
    const holder = model.nodes.find((n) => n.name === added.name && !n.added);
    if (holder) {
      report(
        'error',
        [...holder.source, 'name'],
        `the lab has ${model.apiEndpoint?.backends.length ?? 2} controlplane nodes, so kubelab adds the API endpoint's machine, named ${added.name}; node ${holder.name} has that name`,
        `rename node ${holder.name}, or declare the endpoint yourself: a node with \`roles: [loadbalancer]\` and a name of your choice`,
      );
    }
    const owner = model.nodes.find((n) => n.ip === added.ip && !n.added);
    if (owner && added.ip !== '') {
      report(
        'error',
        [...owner.source, 'ip'],
        `${owner.name} has IP ${owner.ip}, the address kubelab gives the API endpoint (${added.name}) of a lab with several controlplane nodes`,
        `give ${owner.name} another address, or declare the endpoint yourself (a node with \`roles: [loadbalancer]\`) with an \`ip\` of its own`,
      );
    }
  }
  for (const node of balancers) {
    if (node.roles.length > 1) {
      report(
        'error',
        [...node.source, 'roles'],
        `${node.name} has the loadbalancer role and ${node.roles.filter((r) => r !== 'loadbalancer').join(', ')}: the endpoint's machine runs haproxy only, and is no Kubernetes node`,
        'give the loadbalancer a node entry of its own, with `roles: [loadbalancer]`',
      );
    }
  }
  if (balancers.length > 1) {
    report(
      'error',
      [...balancers[1]!.source, 'roles'],
      `${balancers.length} nodes have the loadbalancer role (${balancers.map((n) => n.name).join(', ')}); a lab has one API endpoint`,
      'keep one node with `roles: [loadbalancer]` (without `count`)',
    );
  }
  if (balancers.length > 0 && model.apiEndpoint?.backends.length === 0) {
    report(
      'error',
      [...balancers[0]!.source, 'roles'],
      `the API endpoint ${balancers[0]!.name} has no controlplane node behind it`,
      'give at least one node the controlplane role, or remove the loadbalancer node',
    );
  }
}

/**
 * Node names that cannot be a host of their own, and why. A node's name is its machine's hostname,
 * RKE's hostname_override and an /etc/hosts line on every node, and provision/system.sh first
 * deletes every /etc/hosts line naming the node. Names with a dot (localhost.localdomain,
 * *.localhost) cannot pass the schema; systemd's _gateway and _outbound neither.
 */
const RESERVED_HOST_NAMES: ReadonlyMap<string, string> = new Map([
  // RFC 6761: resolvers (glibc's nss-myhostname, systemd-resolved, Go's) answer it with the loopback
  // address whatever /etc/hosts says, and provisioning would delete the box's own localhost line.
  ['localhost', 'every machine resolves localhost to itself (127.0.0.1, ::1)'],
  // Debian's /etc/hosts, on every kubelab box, gives these IPv6 loopback and multicast addresses: the
  // name would have two addresses, and provisioning would delete the box's line.
  ...['ip6-localhost', 'ip6-loopback', 'ip6-localnet', 'ip6-mcastprefix', 'ip6-allnodes', 'ip6-allrouters'].map(
    (name) => [name, `Debian's /etc/hosts on every machine already gives ${name} an IPv6 address of its own`] as const,
  ),
]);

type Report = (severity: Severity, at: SourcePath, message: string, hint?: string) => void;

/** What RKE v1.8.5 can install at all, and what the offline kit has images for. */
function checkImages(spec: SpecDocument, model: LabModel, report: Report): void {
  const version = model.kubernetesVersion;
  const knownToRke = RKE_KUBERNETES_VERSIONS.includes(version);
  if (!knownToRke) {
    report('error', ['kubernetesVersion'], `RKE ${KIT_RKE_VERSION} does not know Kubernetes ${version}`, `use one of ${RKE_KUBERNETES_VERSIONS.join(', ')}`);
  }
  if (model.images.system !== 'kit') return;
  const rancher = "`images.system: rancher` to pull RKE's published images (the nodes need internet)";
  // When the spec did not ask for the kit, say where it came from.
  const why = spec.images.system === undefined ? '; the docker provider uses the kit unless images.system says otherwise' : '';
  if (knownToRke && !KIT_KUBERNETES_VERSIONS.includes(version)) {
    report(
      'error',
      ['kubernetesVersion'],
      `the offline kit has no images for Kubernetes ${version}`,
      `use one of the kit's versions, ${KIT_KUBERNETES_VERSIONS.join(', ')}, or ${rancher}${why}`,
    );
  }
  const notInKit = CNI[model.cni.plugin].notInKit;
  if (notInKit !== undefined) report('error', ['cni', 'plugin'], notInKit, `use \`cni.plugin: ${defaultCniPlugin(true)}\`, or ${rancher}${why}`);
  if (model.rkeVersion !== KIT_RKE_VERSION) {
    report(
      'error',
      ['rke', 'version'],
      `the offline kit builds RKE ${KIT_RKE_VERSION}, not ${model.rkeVersion}`,
      `use \`rke.version: ${KIT_RKE_VERSION}\` (or leave it out), or ${rancher}${why}`,
    );
  }
  if (model.images.delivery === 'none') {
    report(
      'error',
      ['provider', 'syncedFolder'],
      "with the lab registry off, syncedFolder none shares no images folder, so the offline kit's images never reach the nodes",
      `turn \`registry.enabled\` back on, use another provider.syncedFolder, or ${rancher}${why}`,
    );
  }
}

/**
 * The host services each need a port of their own on the host's address. A clash is reported at
 * the port the spec sets, not at one left at its default.
 */
function checkHostServices(model: LabModel, source: YamlSource, report: Report): void {
  const taken = new Map<number, { at: SourcePath; what: string; written: boolean }>();
  for (const { service, settings } of servicesOn(model.hostServices)) {
    const at = [...service.specAt, 'port'];
    const what = service.title;
    const written = valueAt(source.data, at) !== undefined;
    const owner = taken.get(settings.port);
    if (owner !== undefined) {
      const [blamed, other] = written || !owner.written ? [{ at, what }, { ...owner }] : [owner, { at, what, written }];
      const byDefault = other.written ? '' : ' by default';
      report(
        'error',
        blamed.at,
        `${blamed.what} would listen on port ${settings.port}, which ${other.what} has${byDefault}`,
        'give each service on the host its own port',
      );
    }
    taken.set(settings.port, { at, what, written });
  }
}

function valueAt(data: unknown, at: SourcePath): unknown {
  let value = data;
  for (const key of at) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[key] : undefined;
  return value;
}

/**
 * Addresses the nodes are told to use but cannot reach: the host's loopback is each machine's own.
 * The registry's upstream is fetched by the host, so it may be on loopback.
 */
function checkReachableFromNodes(spec: SpecDocument, model: LabModel, report: Report): void {
  const urls: [SourcePath, string | undefined][] = [
    [['proxy', 'http'], spec.proxy?.http],
    [['proxy', 'https'], spec.proxy?.https],
    [['registryMirror', 'url'], spec.registryMirror?.url],
  ];
  for (const [at, text] of urls) {
    const host = text === undefined ? undefined : hostOf(text);
    if (host === undefined || !isLoopback(host)) continue;
    report(
      'error',
      at,
      `the nodes cannot reach ${host}: on a machine it is the machine itself, not the host`,
      `use an address the machines reach, such as the host's address on the private network, ${model.hostServices.address}`,
    );
  }
}

function hostOf(text: string): string | undefined {
  try {
    return new URL(text).hostname;
  } catch {
    return undefined; // normalize has reported it
  }
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost') || bare === '::1' || bare === '::') return true;
  const ip = parseIp(bare);
  return ip !== undefined && (ip >>> 24 === 127 || ip === 0);
}

function withinRange(network: number, size: number, range: string): boolean {
  const outer = mustParseCidr(range);
  return network >= outer.network && network + size <= outer.network + outer.size;
}
