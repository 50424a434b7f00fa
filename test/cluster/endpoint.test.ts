import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiServerStates, parseEndpointChecks } from '../../src/cluster/endpoint.js';

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

test("haproxy's checks are read back from its configuration; what it leaves out or garbles is haproxy's default, and said so", () => {
  const written = [
    'defaults',
    '  timeout check 2000ms',
    'backend kube-apiservers',
    '  default-server check check-ssl verify none inter 2000ms fall 3 rise 2 on-marked-down shutdown-sessions',
  ].join('\n');
  assert.deepEqual(parseEndpointChecks(written), {
    intervalMs: 2000,
    timeoutMs: 2000,
    fall: 3,
    rise: 2,
    source: 'inter 2000ms, fall 3, rise 2, timeout check 2000ms',
  });
  const edited = parseEndpointChecks('  timeout check 1s\n  default-server check inter 500 fall 5 # faster\n');
  assert.deepEqual([edited.intervalMs, edited.timeoutMs, edited.fall, edited.rise], [500, 1000, 5, 2]);
  assert.match(edited.source, /rise 2 \(haproxy's default\)/);
  const garbled = parseEndpointChecks('default-server inter soon fall -1\n');
  assert.deepEqual([garbled.intervalMs, garbled.timeoutMs, garbled.fall], [2000, 2000, 3], 'no timeout check: haproxy waits as long as inter');
});
