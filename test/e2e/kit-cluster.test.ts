/**
 * Everything that needs a real Kubernetes cluster, on one: the offline kit built from source,
 * `kubelab apply` with the real rke on five docker-provider machines (test/e2e/kit-cluster/lab.ts),
 * then, in turn, Kubernetes asked whether it works, the services on the host, snapshots, recovery
 * from faults, every kind of fault, the built-in scenarios, the end of a lab, and last a new,
 * production-shaped lab from the same stores: three controlplane nodes behind the lab's API endpoint. Bringing a
 * cluster up takes minutes: one, shared in this order (each section leaves it healthy), keeps CI
 * inside its budget. Runs when Docker and Vagrant are available; in CI their absence is a failure.
 */
import { after, before, describe } from 'node:test';
import { dockerLabUnavailable } from '../support/docker-lab.js';
import { clusterBasics } from './kit-cluster/basics.js';
import { faults } from './kit-cluster/faults.js';
import { haEndpoint } from './kit-cluster/ha-endpoint.js';
import { hostServices, packageCache } from './kit-cluster/host-services.js';
import { KitCluster } from './kit-cluster/lab.js';
import { lifecycle } from './kit-cluster/lifecycle.js';
import { recovery } from './kit-cluster/recovery.js';
import { scenarios } from './kit-cluster/scenarios.js';
import { snapshots } from './kit-cluster/snapshots.js';

const unavailable = await dockerLabUnavailable();
if (unavailable && process.env.CI) throw new Error(`the cluster end-to-end test cannot run in CI: ${unavailable}`);

describe('one real RKE cluster from the offline kit, shared in turn', { skip: unavailable, timeout: 120 * 60_000 }, () => {
  const lab = new KitCluster();
  before(() => lab.up());
  after(() => lab.down());

  clusterBasics(lab);
  hostServices(lab);
  // Before any fault is injected: the snapshot tests name the first fault's id.
  snapshots(lab);
  recovery(lab);
  faults(lab);
  // Late, when the other lane (test/run.ts) has no VM under emulation left to take the CPU from the
  // timing they measure.
  scenarios(lab);
  packageCache(lab);
  lifecycle(lab);
  // On the lab lifecycle brings up last: three controlplane nodes behind the API endpoint.
  haEndpoint(lab);
});
