// A small built-in terminology for DICOM SEG segments (SNOMED CT), as Slicer offers: what a segment is, coded.
import { ANATOMICAL_STRUCTURE, MORPHOLOGICALLY_ABNORMAL, type Code } from './model.js';

/**
 * Codes from DICOM PS3.16: CID 7150 (Segmentation Property Categories) for the categories, CID 7159 (Lesion
 * Segmentation Type) and CID 6104 for Lesion 52988006, Nodule 27925004, Mass 4147007, Neoplasm 108369006,
 * Cyst 367643001; SNOMED CT body structures for Lung 39607008, Heart 80891009, Liver 10200004, Skin 39937001
 * (as the bvdh/dicom-terminology-in-fhir rendering of PS3.16 lists them).
 */
export interface Term {
  /** Stable id the renderer sends back (never a free-text code). */
  readonly id: string;
  readonly name: string;
  readonly category: Code;
  readonly type: Code;
  /** Default display colour (sRGB). */
  readonly color: readonly [number, number, number];
}

const sct = (value: string, meaning: string): Code => ({ value, scheme: 'SCT', meaning });
const anatomy = (id: string, name: string, value: string, color: Term['color']): Term => ({ id, name, category: ANATOMICAL_STRUCTURE, type: sct(value, name), color });
const finding = (id: string, name: string, value: string, color: Term['color']): Term => ({ id, name, category: MORPHOLOGICALLY_ABNORMAL, type: sct(value, name), color });

export const TERMS: readonly Term[] = [
  anatomy('lung', 'Lung', '39607008', [128, 174, 128]),
  anatomy('heart', 'Heart', '80891009', [206, 110, 84]),
  anatomy('liver', 'Liver', '10200004', [221, 130, 101]),
  anatomy('skin', 'Skin', '39937001', [177, 122, 101]),
  finding('lesion', 'Lesion', '52988006', [255, 77, 79]),
  finding('nodule', 'Nodule', '27925004', [250, 173, 20]),
  finding('mass', 'Mass', '4147007', [179, 127, 235]),
  finding('neoplasm', 'Neoplasm', '108369006', [235, 47, 150]),
  finding('cyst', 'Cyst', '367643001', [64, 169, 255]),
];

export function termById(id: string): Term | undefined {
  return TERMS.find((t) => t.id === id);
}

/** What S3-Net's target is, coded: the lungs on CT, the lesion on a photograph; the name is what users read. */
export function targetTerm(target: 'lung' | 'lesion'): { term: Term; name: string } {
  return target === 'lung' ? { term: termById('lung')!, name: 'Lungs' } : { term: termById('lesion')!, name: 'Lesion' };
}
