/**
 * How to get each program kubelab starts: the one place a missing program is explained, so that
 * every "X is not installed" ends with the same kind of instruction.
 */
interface HowToGet {
  /** What to install, as a person calls it. */
  what: string;
  /** Debian's package(s) that provide it. */
  debian?: string;
  /** Where it comes from elsewhere. */
  elsewhere?: string;
  /** What to do once it is installed. */
  then?: string;
}

const TOOLS: Readonly<Record<string, HowToGet>> = {
  vagrant: { what: 'Vagrant 2.2.19 or later', debian: 'vagrant', elsewhere: 'https://developer.hashicorp.com/vagrant/install' },
  ssh: { what: 'the OpenSSH client', debian: 'openssh-client' },
  'ssh-keygen': { what: 'the OpenSSH client', debian: 'openssh-client' },
  docker: { what: 'Docker', debian: 'docker.io', then: 'start it (systemctl start docker, or scripts/ensure-dockerd.sh)' },
  VBoxManage: { what: 'VirtualBox 7', elsewhere: 'https://www.virtualbox.org/wiki/Downloads' },
  virsh: { what: 'libvirt', debian: 'libvirt-daemon-system libvirt-clients', then: 'run `vagrant plugin install vagrant-libvirt`' },
  go: { what: 'Go 1.23 or later', elsewhere: 'https://go.dev/dl/' },
  gcc: { what: 'gcc', debian: 'gcc libc6-dev' },
  debootstrap: { what: 'debootstrap', debian: 'debootstrap' },
  tar: { what: 'tar', debian: 'tar' },
  gzip: { what: 'gzip', debian: 'gzip' },
  pigz: { what: 'pigz', debian: 'pigz' },
  ps: { what: 'procps', debian: 'procps' },
  bash: { what: 'bash', debian: 'bash' },
  'docker-registry': { what: "CNCF distribution's registry", debian: 'docker-registry' },
  skopeo: { what: 'skopeo', debian: 'skopeo' },
  'apt-cacher-ng': { what: 'apt-cacher-ng', debian: 'apt-cacher-ng' },
};

/**
 * What to type to get `tool` (a program name or a path to one), e.g. "install the OpenSSH client
 * (Debian: apt-get install openssh-client)".
 */
export function howToInstall(tool: string): string {
  const name = tool.split('/').pop() ?? tool;
  const known = TOOLS[name];
  if (!known) return `install ${name}, or put it on PATH`;
  const where = [
    known.debian === undefined ? undefined : `Debian: apt-get install ${known.debian}`,
    known.elsewhere === undefined ? undefined : known.debian === undefined ? known.elsewhere : `elsewhere: ${known.elsewhere}`,
  ]
    .filter((part) => part !== undefined)
    .join('; ');
  return `install ${known.what}${where ? ` (${where})` : ''}${known.then ? ` and ${known.then}` : ''}`;
}
