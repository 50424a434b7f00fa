/**
 * The provisioning steps and their arguments are described once (generators/provision.ts) and run
 * two ways: by the Vagrantfile, whose Ruby computes the arguments at `vagrant up`, and by kubelab
 * itself over ssh. Every golden spec's Vagrantfile is loaded by Ruby and held to the description.
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { provisionArgs, stepsFor } from '../../generators/provision.js';
import { generateCase, goldenCases } from '../support/golden.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';
import { mustRun, requireTool } from '../support/tools.js';

const PROVISIONERS_RB = path.join(repoRoot, 'test', 'support', 'vagrantfile-provisioners.rb');

describe('provisioning: one description, the Vagrantfile runs it as written', () => {
  for (const c of goldenCases) {
    test(`${c.name}: each machine's provisioners and their arguments`, async (t) => {
      if (!requireTool(t, 'ruby', 'loads the Vagrantfile')) return;
      const { outDir, model } = await generateCase(c, await tempDir(`provision-args-${c.name}`));
      // Blanks around the key, as an editor may leave them: both sides must drop them alike.
      const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKubelabTestKeyOnly kubelab@test';
      await fs.outputFile(path.resolve(outDir, model.ssh.publicKeyPath), `\n${publicKey}  \n`);
      const ran = await mustRun('ruby', [PROVISIONERS_RB, path.join(outDir, 'Vagrantfile')]);
      const expected = Object.fromEntries(
        model.nodes.map((node) => [node.name, stepsFor(model, node).map((s) => [s.name, s.path, ...provisionArgs(s, node, publicKey)])]),
      );
      assert.deepEqual(JSON.parse(ran), expected);
    });
  }
});
