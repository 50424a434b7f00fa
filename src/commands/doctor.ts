import { checkHost, raiseSysctls, type HostCheck } from '../host-check/check.js';
import { openLab, type Lab } from './lab.js';

/** The host judged against the lab's nodes whose machines do not run yet (a paused one holds what it took). */
export async function labHostCheck(lab: Lab, kubernetes = true): Promise<HostCheck> {
  // A provider that cannot be asked (its tool missing) has started nothing that kubelab knows of.
  const states = await Promise.all(lab.nodes.map((n) => n.state().catch(() => 'absent' as const)));
  const running = new Set(lab.nodes.filter((_, i) => states[i] === 'running' || states[i] === 'paused').map((n) => n.name));
  return checkHost(lab.model, running, kubernetes);
}

/** `kubelab doctor`: the check alone; with `fix`, the sysctls it proposes are set (until the next reboot), then it checks again. */
export async function doctor(options: { spec: string; out: string; fix: boolean }): Promise<{ check: HostCheck; raised: string[] }> {
  return openLab({ ...options, note: () => undefined }, async (lab) => {
    const first = await labHostCheck(lab);
    if (!options.fix) return { check: first, raised: [] };
    const raised = await raiseSysctls(first);
    return { check: raised.length ? await labHostCheck(lab) : first, raised };
  });
}
