// `s3-annotate info <paths> [--json]`: studies, series and slice counts, and every skipped file with its reason.
import { indexPaths, type DicomIndex } from '../../services/dicom/index.js';

export interface CommandIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** The `--json` contract: one object, stable keys (consumed by scripts). */
export interface InfoJson {
  readonly series: readonly {
    readonly patientID: string;
    readonly studyInstanceUID: string;
    readonly seriesInstanceUID: string;
    readonly modality: string;
    readonly description: string;
    readonly slices: number;
    readonly instances: number;
    readonly rows: number;
    readonly columns: number;
    readonly files: readonly string[];
  }[];
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

export function toInfoJson(index: DicomIndex): InfoJson {
  return {
    series: index.series.map((s) => ({
      patientID: s.patientID,
      studyInstanceUID: s.studyInstanceUID,
      seriesInstanceUID: s.seriesInstanceUID,
      modality: s.modality,
      description: s.description,
      slices: s.slices.length,
      instances: s.instances.length,
      rows: s.slices[0]?.rows ?? 0,
      columns: s.slices[0]?.columns ?? 0,
      files: s.instances.map((i) => i.path),
    })),
    skipped: index.skipped.map((k) => ({ path: k.path, reason: k.reason })),
  };
}

function formatText(index: DicomIndex): string {
  const lines: string[] = [];
  for (const p of index.patients) {
    lines.push(`Patient ${p.patientID || '(no ID)'}${p.patientName ? ` ${p.patientName}` : ''}`);
    for (const st of p.studies) {
      lines.push(`  Study ${st.studyInstanceUID || '(no UID)'}${st.studyDate ? ` ${st.studyDate}` : ''}${st.description ? ` "${st.description}"` : ''}`);
      for (const s of st.series) {
        const size = s.slices[0] ? `${s.slices[0].columns}×${s.slices[0].rows}` : '';
        lines.push(`    Series ${s.seriesInstanceUID || '(no UID)'} ${s.modality || '(no modality)'} "${s.description}" ${s.slices.length} slice(s) ${size}`);
      }
    }
  }
  lines.push(`${index.series.length} series from ${index.filesScanned} file(s); ${index.skipped.length} skipped`);
  for (const k of index.skipped) lines.push(`skipped ${k.path}: ${k.reason}`);
  return `${lines.join('\n')}\n`;
}

const USAGE = 'usage: s3-annotate info <files or folders…> [--json]\n';

export async function run(args: string[], io: CommandIO): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  const json = args.includes('--json');
  const paths = args.filter((a) => a !== '--json');
  if (paths.length === 0 || paths.some((a) => a.startsWith('--'))) {
    io.stderr.write(USAGE);
    return 2;
  }
  const index = await indexPaths(paths);
  if (json) io.stdout.write(`${JSON.stringify(toInfoJson(index))}\n`);
  else io.stdout.write(formatText(index));
  // Skipped files are reported, not fatal: exit 0 when anything loaded.
  if (index.series.length === 0) {
    io.stderr.write('no DICOM images found\n');
    return 1;
  }
  return 0;
}
