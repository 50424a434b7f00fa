import type { ProxyModel } from './model.js';

/** The spec's proxy as environment variables, in both cases: programs read one or the other. */
export function proxyVariables(proxy: ProxyModel | undefined): { name: string; value: string }[] {
  if (!proxy) return [];
  const env: { name: string; value: string }[] = [];
  if (proxy.http) env.push({ name: 'HTTP_PROXY', value: proxy.http }, { name: 'http_proxy', value: proxy.http });
  if (proxy.https) env.push({ name: 'HTTPS_PROXY', value: proxy.https }, { name: 'https_proxy', value: proxy.https });
  const noProxy = proxy.noProxy.join(',');
  env.push({ name: 'NO_PROXY', value: noProxy }, { name: 'no_proxy', value: noProxy });
  return env;
}
