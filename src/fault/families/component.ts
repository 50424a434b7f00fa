import { containerOf, programOf, RKE_COMPONENTS, whereRkeRuns, type RkeComponent } from '../../cluster/rke.js';
import { NODE_OPTION, nodesOption } from '../cli-values.js';
import { FaultInputError } from '../errors.js';
import type { FaultFamily, KindCommand } from '../family.js';
import { script, sh } from '../steps.js';
import type { FaultRecord } from '../types.js';

/** What RKE runs as Docker containers on the nodes, `docker`, the container runtime itself, and the endpoint's haproxy. */
export const COMPONENTS = [...RKE_COMPONENTS, 'docker', 'haproxy'] as const;
export type Component = RkeComponent | 'docker' | 'haproxy';

export interface ComponentParams {
  kind: 'kill' | 'stop-component' | 'pause';
  component: Component;
  nodes: string[];
}
type ComponentFault = FaultRecord<ComponentParams>;

/**
 * Kubernetes components, which RKE runs as Docker containers on the nodes, and Docker itself.
 * kill is a crash: SIGKILL to the container's main process, so that Docker's restart policy acts
 * as on a real crash (RKE's containers restart always; `docker kill` would count as a manual stop
 * and keep them down). stop-component is a clean stop. Undo starts the component again when it is
 * not running. pause stops the component's own processes with SIGSTOP and leaves everything else
 * on the node running (freeze stops the whole node): the process holds its sockets and its state
 * but answers nothing, as in a long stall; undo continues them (SIGCONT).
 */

/** Bash: the node's process ids of the component's own program in its container `$C`, one per line. */
const programPids = (component: RkeComponent): string =>
  `{ docker top "$C" -eo pid,comm 2> /dev/null || true; } | awk -v program=${sh(programOf(component))} 'NR > 1 && $2 == program { print $1 }'`;

/** Why a component to stop may be stopped already. */
const STOPPED_HINT = 'kubelab fault list shows whether a fault stopped it';

/**
 * Components that are systemd services on the machines, not RKE's containers: Docker itself on
 * every Kubernetes node, and haproxy, the lab's API endpoint, on the loadbalancer machine.
 */
const SERVICES = {
  docker: {
    what: 'the Docker daemon',
    short: 'Docker',
    where: 'every Kubernetes node',
    // The socket too, or the next client would start the daemon again.
    units: ['docker.socket', 'docker.service'],
    main: 'docker.service',
  },
  haproxy: {
    what: "haproxy (the lab's API endpoint)",
    short: 'haproxy',
    where: 'the loadbalancer machine, in a lab with an API endpoint',
    units: ['haproxy.service'],
    main: 'haproxy.service',
  },
} as const;
type ServiceComponent = keyof typeof SERVICES;
type Service = (typeof SERVICES)[ServiceComponent];
const isService = (component: Component): component is ServiceComponent => component in SERVICES;

/** What each kind does, in its words, to a component that is a container (`$C`) and to one that is a service. */
const ACTIONS: Record<ComponentParams['kind'], { purpose: string; container: (component: RkeComponent) => string; service: (service: Service) => string }> = {
  kill: {
    purpose: 'kill',
    container: () => 'kill -KILL "$(docker inspect --type container --format \'{{.State.Pid}}\' "$C")"',
    // A crash: systemd may restart it after a while, as its unit's Restart= says.
    service: (service) => `systemctl kill --signal=SIGKILL ${service.main}`,
  },
  'stop-component': {
    purpose: 'stop',
    container: () => 'docker stop "$C" > /dev/null',
    service: (service) =>
      service.units.length > 1 ? `systemctl stop ${service.units.join(' ')} 2> /dev/null || systemctl stop ${service.main}` : `systemctl stop ${service.main}`,
  },
  pause: {
    purpose: 'pause the processes of',
    container: (component) => `PIDS=$(${programPids(component)})
[ -n "$PIDS" ] || refuse ${sh(`no ${programOf(component)} process runs in the container`)} ${sh(STOPPED_HINT)}
# shellcheck disable=SC2086 # one word per process
kill -STOP $PIDS
# shellcheck disable=SC2086
echo "paused ${programOf(component)}: process(es)" $PIDS`,
    // Every process of the unit: haproxy's master alone paused would leave its workers serving.
    service: (service) => `systemctl kill --kill-whom=all --signal=SIGSTOP ${service.main}`,
  },
};

function containerInject(fault: ComponentFault, component: RkeComponent): string {
  const action = ACTIONS[fault.params.kind];
  return script(
    fault.id,
    `${action.purpose} the container ${component}`,
    `
C=${sh(containerOf(component))}
if ! docker inspect --type container "$C" > /dev/null 2>&1; then
  refuse "no container is named $C here" ${sh(`RKE runs ${component} on ${whereRkeRuns(component)}, once Kubernetes is installed (kubelab apply)`)}
fi
if [ "$(docker inspect --type container --format '{{.State.Running}}' "$C")" != true ]; then
  refuse "$C is not running" ${sh(STOPPED_HINT)}
fi
${action.container(component)}
`,
  );
}

function containerUndo(fault: ComponentFault, component: RkeComponent): string {
  if (fault.params.kind === 'pause') {
    return script(
      fault.id,
      `continue the processes of the container ${component}`,
      `
C=${sh(containerOf(component))}
PIDS=$(${programPids(component)})
if [ -z "$PIDS" ]; then
  echo "no ${programOf(component)} process runs in $C: nothing to continue"
else
  # shellcheck disable=SC2086 # one word per process
  kill -CONT $PIDS
fi
`,
    );
  }
  return script(
    fault.id,
    `start the container ${component} again`,
    `
C=${sh(containerOf(component))}
if ! docker inspect --type container "$C" > /dev/null 2>&1; then
  echo "$C no longer exists: nothing to start"
elif [ "$(docker inspect --type container --format '{{.State.Running}}' "$C")" = true ]; then
  echo "$C is running already"
else
  docker start "$C" > /dev/null
fi
`,
  );
}

function serviceInject(fault: ComponentFault, component: ServiceComponent): string {
  const action = ACTIONS[fault.params.kind];
  const service = SERVICES[component];
  return script(
    fault.id,
    `${action.purpose} ${service.what}`,
    `
systemctl cat ${service.main} > /dev/null 2>&1 || refuse ${sh(`${service.short} does not run here`)} ${sh(`${service.short} runs on ${service.where}`)}
systemctl is-active --quiet ${service.main} || refuse ${sh(`${service.short} is not running`)} ${sh(STOPPED_HINT)}
${action.service(service)}
`,
  );
}

function serviceUndo(fault: ComponentFault, component: ServiceComponent): string {
  const service = SERVICES[component];
  if (fault.params.kind === 'pause') {
    return script(
      fault.id,
      `continue ${service.what}`,
      `systemctl kill --kill-whom=all --signal=SIGCONT ${service.main} 2> /dev/null || echo ${sh(`${service.short} is not running: nothing to continue`)}`,
    );
  }
  return script(
    fault.id,
    `start ${service.what} again`,
    `
${service.units
  .filter((unit) => unit !== service.main)
  .map((unit) => `systemctl start ${unit} 2> /dev/null || true\n`)
  .join('')}systemctl start ${service.main}
`,
  );
}

/**
 * Continues every stopped process of the components, recorded or not: the services first, since
 * `docker top` waits on a paused Docker daemon. SIGCONT does nothing to a running process.
 */
const SWEEP = `
for unit in ${Object.values(SERVICES)
  .map((service) => service.main)
  .join(' ')}; do
  systemctl kill --kill-whom=all --signal=SIGCONT "$unit" 2> /dev/null || true
done
for C in ${RKE_COMPONENTS.map(containerOf).join(' ')}; do
  { docker top "$C" -eo pid,stat 2> /dev/null || true; } | awk 'NR > 1 && $2 ~ /^T/ { print $1 }' | while read -r pid; do
    kill -CONT "$pid" && echo "continued process $pid of $C"
  done
done`;

const command = (kind: ComponentParams['kind'], describe: string): KindCommand<ComponentParams> => ({
  kind,
  describe,
  positional: { name: 'component', describe: COMPONENTS.join(', ') },
  options: NODE_OPTION,
  parse: (values, lab) => {
    const component = String(values.component);
    if (!(COMPONENTS as readonly string[]).includes(component)) {
      throw new FaultInputError(`${JSON.stringify(component)} is not a component kubelab knows`, `choose from ${COMPONENTS.join(', ')}`);
    }
    return { kind, component: component as Component, nodes: nodesOption(values, lab) };
  },
});

export const componentFamily: FaultFamily<ComponentParams> = {
  name: 'component',
  summary: 'kill, stop or pause components',
  kinds: ['kill', 'stop-component', 'pause'],
  scope: 'node',
  holdsNodeDown: false,
  stopsApi: ({ component }) => (component === 'kube-apiserver' ? ['api-server'] : component === 'haproxy' ? ['endpoint'] : []),
  commands: [
    command('kill', "Kill (SIGKILL) a Kubernetes component, docker itself, or the API endpoint's haproxy on nodes (undo: start it)"),
    command('stop-component', "Stop a Kubernetes component, docker itself, or the API endpoint's haproxy on nodes cleanly (undo: start it)"),
    command('pause', "Pause (SIGSTOP) a component's processes on nodes; the rest of the node runs on (undo: SIGCONT)"),
  ],
  targets: (params) => ({ targets: params.nodes }),
  plan: (fault) => {
    const { component } = fault.params;
    const inject = isService(component) ? serviceInject(fault, component) : containerInject(fault, component);
    const undo = isService(component) ? serviceUndo(fault, component) : containerUndo(fault, component);
    return fault.targets.map((node) => ({ node, inject: { type: 'script', script: inject }, undo: { type: 'script', script: undo } }));
  },
  describe: (params) => `${params.kind} ${params.component} on ${params.nodes.join(', ')}`,
  sweep: () => SWEEP,
  // One component, once per node: kill, stop-component and pause of it clash; different components do not.
  conflict: (candidate, other, nodes, what) =>
    candidate.params.component === other.params.component ? `${candidate.params.component} on ${nodes.join(', ')} is already under ${what}` : undefined,
};
