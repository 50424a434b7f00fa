/** What a line of `vagrant up` output says about the machine's progress, if anything. */
const PHASES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/Running provisioner: ([\w.-]+)/, (m) => `provisioning: ${m[1]}`],
  [/Importing base box|Cloning VM|Creating the container|Creating image|Creating domain/, () => 'creating'],
  [/Booting VM|Starting container|Starting domain|Waiting for machine to boot/, () => 'booting'],
  [/Machine booted and ready|Machine already provisioned/, () => 'booted'],
  [/Machine is already running|Container is already running|VM is already running/, () => 'already running'],
  [/Setting hostname/, () => 'setting hostname'],
  [/Configuring and enabling network interfaces|Creating and configuring docker networks/, () => 'configuring network'],
  [/Mounting shared folders|Syncing folders|Rsyncing folder/, () => 'syncing folders'],
];

export function phaseOf(line: string): string | undefined {
  for (const [pattern, describe] of PHASES) {
    const match = pattern.exec(line);
    if (match) return describe(match);
  }
  return undefined;
}
