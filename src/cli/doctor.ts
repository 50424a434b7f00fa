import type { Argv, CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';
import type { HostCheck } from '../host-check/check.js';
import { formatTable } from '../table.js';
import { out } from './console.js';
import { labOptions, type LabArgs } from './options.js';

type DoctorArgs = LabArgs & { json: boolean; fix: boolean };

const VERDICT_WORDS = { ok: 'ok', close: 'close', short: 'TOO LOW' } as const;

export async function formatHostCheck(check: HostCheck): Promise<string> {
  const { describeJudgement, remedyLines } = await import('../host-check/check.js');
  const count = check.toStart.length;
  const rows = check.limits.map((l) => [
    l.name,
    `${l.limit} ${l.unit}`,
    l.used === undefined ? '?' : String(l.used),
    `${l.needed} (${l.perNode} a node)`,
    Number.isFinite(l.room) ? String(l.room) : '-',
    VERDICT_WORDS[l.verdict],
  ]);
  const lines = [
    `host check for lab ${check.lab} (${check.provider}): ${count} machine${count === 1 ? '' : 's'} to start${count ? ` (${check.toStart.join(', ')})` : ''}`,
    ...formatTable(['LIMIT', 'NOW', 'IN USE', 'THEY NEED', 'ROOM FOR NODES', 'VERDICT'], rows),
  ];
  for (const l of check.limits.filter((j) => j.verdict !== 'ok')) {
    lines.push('', describeJudgement(l, count), ...(l.remedy ? remedyLines(l.remedy).map((r) => `  ${r}`) : []));
  }
  return lines.join('\n');
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe:
    "Check this host's limits against the lab before it starts: inotify, threads, keys, conntrack, ARP, memory, disk; for each, how many nodes it has room for and how to raise it",
  builder: (y) =>
    labOptions(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' }).option('fix', {
      type: 'boolean',
      default: false,
      describe: 'Set the sysctls that are too low or close to it (until the next reboot; prints how to keep them). Needs root',
    }) as Argv<DoctorArgs>,
  handler: async (args) => {
    const { doctor } = await import('../commands/doctor.js');
    const { check, raised } = await doctor({ spec: args.spec, out: args.out, fix: args.fix });
    if (args.json)
      out(JSON.stringify({ ...check, raised, limits: check.limits.map((l) => ({ ...l, room: Number.isFinite(l.room) ? l.room : null })) }, null, 2));
    else {
      if (raised.length) {
        const { SYSCTL_FILE } = await import('../host-check/check.js');
        const lines = raised.map((r) => r.replace('=', ' = '));
        out(
          `set until the next reboot: ${raised.join(', ')}; to keep them:\n  printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} | sudo tee -a ${SYSCTL_FILE}\n`,
        );
      }
      out(await formatHostCheck(check));
    }
    if (check.limits.some((l) => l.verdict === 'short')) process.exitCode = EXIT.hostLimit;
  },
};
