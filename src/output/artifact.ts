import type { ArtifactKind } from '../render.js';

/** One generated file: its path inside the output folder and its exact bytes. */
export interface Artifact {
  path: string;
  kind: ArtifactKind;
  content: string;
  /** Executable bit for scripts; part of what --check compares. */
  executable: boolean;
}
