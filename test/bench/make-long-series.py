#!/usr/bin/python3
"""Builds a long CT series for the series bench from public slices: /usr/bin/python3 make-long-series.py OUT_DIR [N]

The LIDC-IDRI chest slices (39, three patients) walked forwards and backwards, then the abdominal series' 20 slices
(mostly below the lungs) the same way, until N slices (default 150, about two thirds chest as in a chest CT that
reaches the upper abdomen). Every file gets one new study, series and frame of reference, its own SOP Instance UID,
the first file's orientation and pixel spacing, and a position 1.25 mm further along. Pixel data is copied as it is
(explicit little endian and JPEG 2000 mixed in one series, which DICOM allows). Written outside the repository.
"""
import os, sys, glob
import pydicom
from pydicom.uid import generate_uid

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.normpath(os.path.join(here, '../../../shared/data'))
out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 150
os.makedirs(out, exist_ok=True)

def ordered(folder):
    files = [pydicom.dcmread(f, stop_before_pixels=True) for f in glob.glob(os.path.join(folder, '*.dcm'))]
    files.sort(key=lambda d: float(d.ImagePositionPatient[2]))
    return [d.filename for d in files]

chest = sum((ordered(os.path.join(data, 'ct/lidc', p)) for p in ['LIDC-IDRI-0001', 'LIDC-IDRI-0002', 'LIDC-IDRI-0003']), [])
abdomen = ordered(os.path.join(data, 'dicom/ct-abdomen-j2k-series'))

def walk(files, count):
    seq, forward = [], True
    while len(seq) < count:
        seq.extend(files if forward else files[::-1])
        forward = not forward
    return seq[:count]

n_chest = round(n * 2 / 3)
sources = walk(chest, n_chest) + walk(abdomen, n - n_chest)
study, series, frame = generate_uid(), generate_uid(), generate_uid()
first = pydicom.dcmread(chest[0], stop_before_pixels=True)
for k, src in enumerate(sources):
    d = pydicom.dcmread(src)
    sop = generate_uid()
    d.StudyInstanceUID, d.SeriesInstanceUID, d.FrameOfReferenceUID, d.SOPInstanceUID = study, series, frame, sop
    d.file_meta.MediaStorageSOPInstanceUID = sop
    # Some sources carry the SOP Class only in the file meta; a SEG must reference it from the data set.
    d.SOPClassUID = d.file_meta.MediaStorageSOPClassUID
    d.PatientID, d.PatientName = 'BENCH-LONG', 'Bench^Long'
    d.SeriesDescription = f'bench: {n} slices assembled from LIDC-IDRI and an abdominal CT'
    d.ImageOrientationPatient = list(first.ImageOrientationPatient)
    d.PixelSpacing = list(first.PixelSpacing)
    z = -k * 1.25
    d.ImagePositionPatient = [float(first.ImagePositionPatient[0]), float(first.ImagePositionPatient[1]), z]
    d.SliceLocation = z
    d.InstanceNumber = k + 1
    d.save_as(os.path.join(out, f'slice{k + 1:04d}.dcm'), write_like_original=False)
print(f'{len(sources)} slices in {out} ({n_chest} chest, {n - n_chest} abdomen)')
