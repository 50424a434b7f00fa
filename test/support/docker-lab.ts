import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { run, type RunResult } from '../../src/exec/run.js';
import { shellQuote } from '../../src/quote.js';
import { cliPath } from './paths.js';
import { tempDir } from './tmp.js';
import { mustRun } from './tools.js';

/** Whether this machine can run docker-provider labs, and if not, why. */
export async function dockerLabUnavailable(): Promise<string | undefined> {
  const works = async (file: string, args: string[]): Promise<boolean> => (await run(file, args).catch(() => undefined))?.ok === true;
  if (!(await works('docker', ['info', '--format', '{{.ServerVersion}}']))) return 'no running Docker daemon (scripts/ensure-dockerd.sh starts one)';
  if (!(await works('vagrant', ['--version']))) return 'vagrant is not installed';
  return undefined;
}

/**
 * The box image, built when it is missing or was built from other versions of its files (a few
 * minutes); a no-op otherwise.
 */
export async function ensureBox(image: string): Promise<void> {
  const built = await run(process.execPath, [cliPath, 'box', 'build', '--image', image], { stdio: 'inherit', timeoutMs: 0 });
  assert.ok(built.ok, `kubelab box build --image ${image} failed (exit ${String(built.exitCode)})`);
}

/** Runs kubelab in `cwd`; never throws, so tests can assert on failures too. */
export async function kubelab(cwd: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(process.execPath, [cliPath, ...args], { cwd, env: { ...env, TERM: 'dumb' }, timeoutMs: 0 });
}

/**
 * How `vagrant ssh NODE` reaches the node (`vagrant ssh-config`: address, port, user, key), asked
 * once per machine: a test then looks the way a person would, through Vagrant's own login, without
 * paying for Vagrant's start-up (seconds) on every command. A machine made again is asked again.
 */
const sshConfigs = new Map<string, Promise<string>>();

async function machineIds(outDir: string, node: string): Promise<string> {
  const dir = path.join(outDir, '.vagrant', 'machines', node);
  const providers = await fs.readdir(dir).catch(() => [] as string[]);
  const ids = await Promise.all(providers.map((p) => fs.readFile(path.join(dir, p, 'id'), 'utf8').catch(() => '')));
  return ids.join(',');
}

async function vagrantSshConfig(outDir: string, node: string): Promise<string> {
  const key = `${outDir}\0${node}\0${await machineIds(outDir, node)}`;
  let file = sshConfigs.get(key);
  if (!file) {
    file = (async () => {
      const result = await run('vagrant', ['ssh-config', node], { cwd: outDir, timeoutMs: 120_000 });
      if (!result.ok) throw new Error(`vagrant ssh-config ${node} failed (${result.exitCode}):\n${result.all}`);
      const config = path.join(await tempDir('ssh-config'), node);
      await fs.writeFile(config, result.stdout);
      return config;
    })();
    sshConfigs.set(key, file);
    file.catch(() => sshConfigs.delete(key));
  }
  return file;
}

/** A shell command on a node as `vagrant ssh` runs it (Vagrant's user, address and key), the way a person would look. */
export async function onNode(outDir: string, node: string, command: string): Promise<string> {
  const config = await vagrantSshConfig(outDir, node);
  // As `vagrant ssh -c` runs it: in a login shell (Vagrant's ssh.shell, "bash -l").
  const result = await run('ssh', ['-F', config, '-o', 'LogLevel=ERROR', node, `bash -l -c ${shellQuote(command)}`], { timeoutMs: 120_000 });
  if (!result.ok) throw new Error(`on ${node}: \`${command}\` failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout.trim();
}

/**
 * Makes a tiny image from scratch (no registry here) and saves it into the images folder, so the
 * test can check that provisioning loads it on every node.
 */
export async function savePreloadImage(dir: string, imagesDir: string, tag: string, file: string): Promise<void> {
  const rootfs = path.join(dir, 'rootfs');
  await fs.mkdirp(rootfs);
  await fs.writeFile(path.join(rootfs, 'hello.txt'), `preloaded ${tag}\n`);
  // A static /true gives the image something to run without a base image from a registry.
  await fs.writeFile(path.join(dir, 'true.c'), 'int main(void) { return 0; }\n');
  await mustRun('gcc', ['-static', '-Os', '-o', path.join(rootfs, 'true'), path.join(dir, 'true.c')]);
  await mustRun('sh', ['-c', `tar -C "${rootfs}" -c . | docker import --change 'CMD ["/true"]' - "${tag}"`]);
  await fs.mkdirp(imagesDir);
  const target = path.join(imagesDir, file);
  const save = file.endsWith('.gz') ? `docker save "${tag}" | gzip > "${target}"` : `docker save -o "${target}" "${tag}"`;
  await mustRun('sh', ['-c', save]);
  await run('docker', ['image', 'rm', tag]);
}

export async function dockerLines(args: string[]): Promise<string[]> {
  const stdout = await mustRun('docker', args, { timeoutMs: 120_000 });
  return stdout.split('\n').filter((l) => l.trim() !== '');
}

/**
 * `kubelab destroy` in `dir`, asserting that it removed every machine named `lab-…` (there were
 * `machines` of them), each one's volumes, and the Docker network of `subnetPrefix` ("192.168.231.");
 * returns what destroy printed.
 */
export async function destroyAndAssertClean(dir: string, lab: string, machines: number, subnetPrefix: string): Promise<RunResult> {
  const names = ['ps', '-a', '--filter', `name=${lab}-`, '--format', '{{.Names}}'];
  const containers = await dockerLines(names);
  assert.equal(containers.length, machines);
  const volumes = (await dockerLines(['inspect', '--format', '{{range .Mounts}}{{.Name}} {{end}}', ...containers]))
    .flatMap((l) => l.split(' '))
    .filter(Boolean);
  assert.ok(volumes.length >= machines, 'each node has its /var/lib/docker volume');
  const result = await kubelab(dir, ['destroy']);
  assert.equal(result.exitCode, 0, result.all);
  assert.deepEqual(await dockerLines(names), []);
  assert.deepEqual(
    (await dockerLines(['network', 'ls', '--format', '{{.Name}}'])).filter((n) => n.includes(subnetPrefix)),
    [],
  );
  const left = await dockerLines(['volume', 'ls', '-q']);
  assert.deepEqual(
    volumes.filter((v) => left.includes(v)),
    [],
  );
  return result;
}

/**
 * The lab registry without its pull-through cache, for the specs of labs the tests start: the
 * cache's upstream is Docker Hub, and a test sends nothing beyond the lab's own network.
 */
export const REGISTRY_WITHOUT_UPSTREAM = `registry:
  pullThrough:
    enabled: false
`;

/**
 * The spec of a three-machine docker-provider lab: cp (etcd, controlplane), worker-1 and worker-2.
 * `images` is where its system images come from: the kit (the docker provider's default) or
 * RKE's published images, for labs whose tests stop before `rke up`. `registry` 'off' makes every
 * node load the images folder's tarballs, instead of pulling from the lab registry.
 */
export function threeNodeDockerSpec(name: string, cidr: string, images: 'kit' | 'rancher', registry: 'lab' | 'off' = 'lab'): string {
  return `
name: ${name}
provider:
  type: docker
network:
  cidr: ${cidr}
defaults:
  cpus: 1
  memory: 1G
nodes:
  - name: cp
    roles: [etcd, controlplane]
  - name: worker
    count: 2
    roles: [worker]
images:
  system: ${images}
${registry === 'off' ? 'registry:\n  enabled: false\n' : REGISTRY_WITHOUT_UPSTREAM}`;
}
