// Scripted system dialogs for the test host: a test queues the answer a person would give, the UI asks as usual.
import type { Dialogs } from '../../../main/ipc';

export class ScriptedDialogs implements Dialogs {
  readonly #open: Array<string[] | null> = [];
  readonly #folders: Array<string | null> = [];

  answerOpen(paths: string[] | null): void {
    this.#open.push(paths);
  }

  answerExportFolder(folder: string | null): void {
    this.#folders.push(folder);
  }

  async chooseOpen(): Promise<string[] | null> {
    return this.#open.shift() ?? null;
  }

  async chooseExportFolder(): Promise<string | null> {
    return this.#folders.shift() ?? null;
  }
}
