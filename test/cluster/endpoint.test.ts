import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiServerStates } from '../../src/cluster/endpoint.js';

/** The head and rows of haproxy 2.6's CSV page, as the endpoint's machine serves it (columns cut after status). */
const CSV = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight
kube-apiserver,FRONTEND,,,0,3,4096,12,0,0,0,0,0,,,,,OPEN,
kube-apiservers,cp-1,0,0,0,1,,4,0,0,,0,,0,0,0,0,UP,1
kube-apiservers,cp-2,0,0,0,1,,4,0,0,,0,,0,0,0,0,DOWN 1/2,1
kube-apiservers,cp-3,0,0,0,1,,4,0,0,,0,,0,0,0,0,DOWN,1
kube-apiservers,BACKEND,0,0,0,1,410,12,0,0,0,0,,0,0,0,0,UP,2
kube-apiservers,short,0
`;

test("haproxy's CSV page gives each API server's status; frontends, backends and short rows are left out", () => {
  assert.deepEqual(apiServerStates(CSV), { 'cp-1': 'UP', 'cp-2': 'DOWN 1/2', 'cp-3': 'DOWN' });
  assert.deepEqual(apiServerStates(''), {});
});
