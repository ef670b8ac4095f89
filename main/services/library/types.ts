// What the app needs from the file services: index what was opened, decode one item, write masks out.
import type { ExportFormat, ItemData, PatientSummary, SegmentStyle, StudyIndex } from '../../contracts';
import type { Priority } from './decode';

export type ItemSource =
  | { readonly kind: 'slice'; readonly path: string; readonly frameIndex: number; readonly seriesUid: string; readonly sliceIndex: number }
  | { readonly kind: 'photo'; readonly path: string };

export interface IndexedFiles {
  readonly patients: PatientSummary[];
  readonly photos: StudyIndex['photos'];
  readonly skipped: StudyIndex['skipped'];
  readonly sources: ReadonlyMap<string, ItemSource>;
}

export interface StudyProvider {
  index(realPaths: string[]): Promise<IndexedFiles>;
  load(source: ItemSource, itemId: string, priority?: Priority): Promise<ItemData>;
  /** Masks (one per item, 0 = background) written in the requested format, exactly these items; returns the written files. */
  exportMasks(
    format: ExportFormat,
    items: ReadonlyArray<{ source: ItemSource; mask: Uint8Array; width: number; height: number; edited: boolean }>,
    destination: string,
    overwrite: boolean,
    segments?: readonly SegmentStyle[],
    /** The reviewer's name, for SEG's ContentCreatorName. */
    reviewer?: string,
  ): Promise<string[]>;
}
