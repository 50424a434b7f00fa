import assert from 'node:assert/strict';
import fs from 'fs-extra';
import { readState } from '../../src/lab/state.js';
import type { FaultRecord } from '../../src/fault/types.js';
import { labAccess } from '../../src/lab/access.js';
import { labNodes, type LabNode } from '../../src/nodes/node.js';
import type { ScriptResult } from '../../src/nodes/ssh.js';
import { compileSpec } from '../../src/spec/index.js';

/**
 * Looking at a running lab's nodes the way the fault tests need: as root, over ssh with the lab's
 * own key on the private network (fast; `vagrant ssh` takes a second or more per call), through
 * the same node objects kubelab uses.
 */
export class LabNodes {
  private constructor(
    readonly outDir: string,
    private readonly nodes: ReadonlyMap<string, LabNode>,
  ) {}

  /** The nodes of the lab that `specFile` describes, brought up in `outDir`. */
  static async fromSpec(specFile: string, outDir: string): Promise<LabNodes> {
    const { model } = await compileSpec(specFile, outDir);
    return new LabNodes(outDir, new Map(labNodes(outDir, labAccess(model)).map((n) => [n.name, n])));
  }

  node(name: string): LabNode {
    const node = this.nodes.get(name);
    assert.ok(node, `no node ${name} in the lab`);
    return node;
  }

  get ips(): Record<string, string> {
    return Object.fromEntries([...this.nodes.values()].map((n) => [n.name, n.ip]));
  }

  get key(): string {
    return this.node([...this.nodes.keys()][0]!).ssh.key;
  }

  /** Runs `script` with `sudo bash -s` on the node; never throws. */
  async run(node: string, script: string, connectTimeoutSeconds = 5): Promise<ScriptResult> {
    return this.node(node).run(script, { connectTimeoutSeconds });
  }

  /** Runs `script` on the node and returns its trimmed output; fails the test when it fails. */
  async must(node: string, script: string): Promise<string> {
    const result = await this.run(node, script);
    assert.equal(result.code, 0, `on ${node}: ${script}\n${result.stdout}\n${result.stderr}`);
    return result.stdout.trim();
  }

  /** Whether ssh gets a shell on the node within a few seconds (a frozen node accepts, then never answers). */
  async answers(node: string): Promise<boolean> {
    return (await this.run(node, 'true', 3)).code === 0;
  }

  /**
   * How many of `count` UDP datagrams sent from one node to another arrive. Arrivals are counted
   * by a rule at the end of the receiver's INPUT chain (after kubelab's drops), one per sender.
   */
  async udpArrivals(from: string, to: string, count = 20): Promise<number> {
    const tag = `klfault-count-${from}`;
    const rule = `INPUT -s ${this.node(from).ip}/32 -p udp --dport 40404 -m comment --comment ${tag}`;
    await this.must(to, `iptables -w -C ${rule} 2>/dev/null || iptables -w -A ${rule}\niptables -w -Z INPUT`);
    await this.must(from, `for _ in $(seq ${count}); do echo x > /dev/udp/${this.node(to).ip}/40404 || true; done`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const counted = await this.must(to, `iptables -w -L INPUT -v -x -n | awk '/\\/\\* ${tag} \\*\\// { print $1 }'`);
    await this.must(to, `iptables -w -D ${rule}`);
    return Number(counted);
  }

  /**
   * Every direction [sender, receiver] among `names` where none of `count` UDP datagrams arrives:
   * each receiver counts each sender's datagrams with a rule of its own at the end of INPUT (after
   * kubelab's drops); all nodes send and count at once.
   */
  async cutDirections(names: readonly string[], count = 5): Promise<string[]> {
    const tag = 'klfault-matrix-';
    const others = (name: string) => names.filter((n) => n !== name);
    const rule = (from: string) => `INPUT -s ${this.node(from).ip}/32 -p udp --dport 40405 -m comment --comment ${tag}${from}`;
    await Promise.all(
      names.map((to) =>
        this.must(
          to,
          [...others(to).map((from) => `iptables -w -C ${rule(from)} 2>/dev/null || iptables -w -A ${rule(from)}`), 'iptables -w -Z INPUT'].join('\n'),
        ),
      ),
    );
    await Promise.all(
      names.map((from) =>
        this.must(
          from,
          others(from)
            .map((to) => `for _ in $(seq ${count}); do echo x > /dev/udp/${this.node(to).ip}/40405 || true; done`)
            .join('\n'),
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cut: string[] = [];
    await Promise.all(
      names.map(async (to) => {
        // Counted, then the rules removed, in one visit.
        const counted = await this.must(
          to,
          [
            `iptables -w -L INPUT -v -x -n | awk 'match($0, /${tag}[^ ]+/) { print $1, substr($0, RSTART + ${tag.length}, RLENGTH - ${tag.length}) }'`,
            ...others(to).map((from) => `iptables -w -D ${rule(from)}`),
          ].join('\n'),
        );
        for (const line of counted.split('\n')) {
          const [arrived, from] = line.trim().split(' ');
          if (from !== undefined && Number(arrived) === 0) cut.push(`${from} -> ${to}`);
        }
      }),
    );
    return cut.sort();
  }

  /**
   * The percentage of pings lost (sent from `from` to `to` as root, `intervalSeconds` apart). After
   * the last ping, ping waits for the replies still out for twice the slowest round trip seen, or
   * the interval if longer (-W only when no reply came): a longer interval lets a late reply count.
   */
  async pingLoss(from: string, to: string, count: number, intervalSeconds = 0.01): Promise<number> {
    // A VM under emulation on a loaded host may answer after more than 1 s: with -W 1 a CI run counted 50 % lost between two such VMs, where nothing cut them.
    const output = await this.must(from, `ping -q -n -c ${count} -i ${intervalSeconds} -W 3 ${this.node(to).ip} || true`);
    const loss = /([0-9.]+)% packet loss/.exec(output)?.[1];
    assert.ok(loss !== undefined, output);
    return Number(loss);
  }

  /** Seconds that `bytes` take from one node to another (ssh between the nodes, timed on the sender). */
  async transferSeconds(from: string, to: string, bytes: number): Promise<number> {
    const ssh = `ssh -i /root/klfault-key -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR vagrant@${this.node(to).ip}`;
    const output = await this.must(
      from,
      `start=$(date +%s%N)\nhead -c ${bytes} /dev/zero | ${ssh} 'cat > /dev/null'\necho $(( ($(date +%s%N) - start) / 1000000 ))`,
    );
    return Number(output.split('\n').pop()) / 1000;
  }

  /** Puts the lab's key on a node, so that it can send data to the others over ssh. */
  async giveKey(node: string): Promise<void> {
    const key = await fs.readFile(this.key, 'utf8');
    await this.must(node, `install -m 0600 /dev/stdin /root/klfault-key <<'KEY'\n${key.trim()}\nKEY`);
  }

  /** What a fault could leave behind on a node: kubelab's chain and rules, its qdisc, its files and processes. */
  async traces(node: string): Promise<string> {
    return this.must(
      node,
      [
        'iptables -w -S | grep -i kubelab || true',
        'tc qdisc show dev eth1 | grep fa17 || true',
        'ls -d /run/kubelab-faults /var/lib/kubelab-faults 2>/dev/null || true',
        'find / -xdev -name .kubelab-fault 2>/dev/null || true',
        'find /mnt -name .kubelab-fault 2>/dev/null || true',
        "pgrep -a -f 'kubelab-(cpu-hog|mem-hog|clock-strobe)' || true",
      ].join('\n'),
    );
  }
}

/** The active faults as the state file has them, without asking kubelab (which would expire them). */
export async function recordedFaults(outDir: string): Promise<FaultRecord[]> {
  return (await readState(outDir)).faults;
}

/** Waits until `check` holds, polling; fails the test after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
