import { Writable } from 'node:stream';
import { kubeClient, type ProbeRun, type Stop } from './probe.js';

/**
 * Follows a probe pod's log through the API, line by line with the API's time stamp (RFC 3339)
 * before each, for as long as the run lasts: a broken stream (the API went away, the pod's node
 * did) is followed again a second later from the last line seen, which may come once more.
 */
export function followPodLog<O>(run: ProbeRun<O>, pod: string, container: string, onLine: (stamp: string, rest: string) => void): Stop {
  let stopped = false;
  let since: string | undefined;
  let abort: AbortController | undefined;
  const take = (line: string): void => {
    const space = line.indexOf(' ');
    if (space < 0) return;
    since = line.slice(0, space);
    onLine(since, line.slice(space + 1).trim());
  };
  const follow = async (): Promise<void> => {
    const { Log } = await kubeClient();
    while (!stopped) {
      let partial = '';
      const ended = new Promise<void>((resolve) => {
        const sink = new Writable({
          write(chunk: Buffer, _encoding, callback) {
            const lines = (partial + chunk.toString('utf8')).split('\n');
            partial = lines.pop() ?? '';
            lines.forEach(take);
            callback();
          },
        });
        sink.on('finish', resolve);
        new Log(run.config)
          .log(run.namespace, pod, container, sink, () => resolve(), { follow: true, timestamps: true, ...(since ? { sinceTime: since } : {}) })
          .then(
            (controller) => (abort = controller),
            () => resolve(),
          );
      });
      await ended;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  void follow();
  return () => {
    stopped = true;
    abort?.abort();
  };
}
