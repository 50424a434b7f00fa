import { KubeConfig } from '@kubernetes/client-node';
import path from 'node:path';
import { KubelabError, SpecError } from '../errors.js';
import { parseYaml, readInputFile, type InputKind } from './source.js';

const AGAIN = '`kubelab apply` writes it again';

const KUBECONFIG_KIND: InputKind = {
  what: 'kubeconfig',
  // RKE's holds three certificates and a key: a few kilobytes.
  maxBytes: 1024 * 1024,
  maxText: '1 MiB',
  tooLargeHint: `RKE writes a kubeconfig of a few kilobytes: is this the lab's? ${AGAIN}`,
  missingHint: 'kubelab apply writes it when it installs Kubernetes',
  folderHint: () => `remove the folder: ${AGAIN}`,
  unreadableHint: 'check that the file is readable',
  fail: (problems) => new SpecError(problems, 'the kubeconfig'),
};

/** A kubeconfig's text, read the way every file kubelab reads is, and known to parse as YAML that ends. */
export async function readKubeconfigText(file: string): Promise<string> {
  const text = await readInputFile(file, KUBECONFIG_KIND);
  try {
    parseYaml(file, text, { message: 'the kubeconfig is empty', hint: AGAIN });
  } catch (error) {
    if (error instanceof SpecError) throw KUBECONFIG_KIND.fail(error.problems);
    throw error;
  }
  return text;
}

/**
 * A kubeconfig, read the way every file kubelab reads is (bounded, regular files only, its YAML
 * parsed by kubelab's guarded parser first), then handed to the Kubernetes client. Use it instead
 * of KubeConfig.loadFromFile, which reads whatever the path holds, for as long as it lasts.
 */
export async function loadKubeconfigFile(file: string): Promise<KubeConfig> {
  const text = await readKubeconfigText(file);
  const config = new KubeConfig();
  try {
    config.loadFromString(text);
  } catch (error) {
    throw new KubelabError(`${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`, {
      hint: `it is not a kubeconfig the Kubernetes client understands: ${AGAIN}`,
    });
  }
  // What loadFromFile does after reading: certificate files named in it are relative to its folder.
  config.makePathsAbsolute(path.dirname(file));
  return config;
}
