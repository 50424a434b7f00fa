import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dockerDriver } from '../../src/providers/docker/driver.js';

/** The last lines of a `vagrant up` that met the race, as CI recorded them on 2026-12-07. */
const RACED = [
  "Bringing machine 'lb' up with 'docker' provider...",
  '==> lb: Creating and configuring docker networks...',
  "A Docker command executed by Vagrant didn't complete successfully!",
  'The command run along with the output from the command is shown',
  'below.',
  '',
  'Command: ["docker", "inspect", "0a4af7fbf3b95c226a8511f9066f8f297144e4603ae4e626081159f93512188b", {:notify=>[:stdout, :stderr]}]',
  '',
  'Stderr: Error: No such object: 0a4af7fbf3b95c226a8511f9066f8f297144e4603ae4e626081159f93512188b',
  '',
  '',
  'Stdout: []',
];

describe('the docker provider', () => {
  test("knows Vagrant's race with containers removed while it inspects them, and nothing else", () => {
    assert.match(dockerDriver.raceIn?.(RACED) ?? '', /a container on the host went away/);
    // Without Docker's "No such object", or with another failure, there is no race.
    assert.equal(dockerDriver.raceIn?.(RACED.filter((line) => !line.startsWith('Stderr:'))), undefined);
    assert.equal(dockerDriver.raceIn?.(['Stderr: Error response from daemon: Conflict. The container name "/kl-cp" is already in use']), undefined);
    assert.equal(dockerDriver.raceIn?.([]), undefined);
  });
});
