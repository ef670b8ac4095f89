#!/usr/bin/python3
"""Comparison baselines for the robot user (evaluation only; the product never depends on Python).

OpenCV's GrabCut and scikit-image's random walker, each seeded with an automatic proposal and steered by clicks,
speaking the same JSON-lines protocol as `s3-annotate interactive` (issue 9 item 5):
  start: prints {"step":0,"mask":"<DIR>/<name>.step0.mask.png","seconds":S,"iterations":I} (the proposal itself);
  then reads one JSON object per line on stdin, {"prompt":"click","x":X,"y":Y,"label":"include"|"exclude"}
  ({"prompt":"undo"} drops the last click), writes <name>.step<N>.mask.png (0/255, the input's size) and prints its
  step line; a malformed line gets {"error":"..."} and the session goes on; end of input ends it with exit 0.

Each step reruns the method from the proposal with every click so far (deterministic, no hidden state).

Usage: baselines.py --method grabcut|random-walker --image IMG --out DIR [--proposal MASK.png] [--name NAME]
IMG is anything OpenCV reads (photos; CT slices as a lung-window PNG written by the caller).
"""
import argparse
import json
import os
import sys
import tempfile
import time

# OpenCV, NumPy, SciPy and scikit-image are imported in main(), after the arguments are checked: on a busy machine
# their import takes seconds, and a bad argument should be answered at once.
cv2 = np = ndimage = None

# Working sizes: the longest side is brought down to this (never up); masks come back at native size. GrabCut at
# 512 px and 5 iterations took 10 s per click on this shared 2-core machine (320 px, 3 iterations: 1.5 s).
GRABCUT_SIDE = 320
WALKER_SIDE = 384
# GrabCut: OpenCV's documented mask initialisation, a few EM iterations (OpenCV's sample runs 1 per call).
GRABCUT_ITERATIONS = 3
# Random walker: scikit-image's documented default beta; conjugate gradient with Jacobi preconditioner (no pyamg).
WALKER_BETA = 130
# Click disks: radius as a share of the working image's longest side (5 px at 512, RITM's click radius).
CLICK_RADIUS = 0.01
# Proposal seeds for the walker: the core inside and the band outside lie this share of the proposal's equivalent
# radius away from its outline (the uncertain margin in between is left to the walker).
SEED_MARGIN = 0.15


def fail(message):
    sys.stderr.write(f"baselines.py: {message}\n")
    sys.exit(2)


def read_image(path):
    if not os.path.isfile(path):
        fail(f"{path}: cannot read the image (no such file)")
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        fail(f"{path}: cannot read the image")
    return img


def read_mask(path, shape):
    m = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if m is None:
        fail(f"{path}: cannot read the proposal mask")
    if m.shape != shape:
        fail(f"{path}: proposal is {m.shape[1]}x{m.shape[0]}, the image {shape[1]}x{shape[0]}")
    return (m > 127).astype(np.uint8)


def write_mask(path, mask):
    """Atomically: a temporary file in the same folder, then rename."""
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".png", dir=os.path.dirname(path))
    os.close(fd)
    if not cv2.imwrite(tmp, (mask > 0).astype(np.uint8) * 255):
        os.unlink(tmp)
        fail(f"{path}: cannot write the mask")
    os.replace(tmp, path)


def scale_for(shape, side):
    return min(1.0, side / max(shape[0], shape[1]))


def resize_mask(mask, shape):
    return cv2.resize(mask.astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


def click_disks(clicks, shape, scale):
    """(include, exclude) 0/1 masks at the working size: a disk per click."""
    inc = np.zeros(shape, np.uint8)
    exc = np.zeros(shape, np.uint8)
    radius = max(2, int(round(CLICK_RADIUS * max(shape))))
    for c in clicks:
        centre = (int(c["x"] * scale), int(c["y"] * scale))
        cv2.circle(inc if c["label"] == "include" else exc, centre, radius, 1, -1)
    return inc, exc


def grabcut(image, proposal, clicks):
    """GrabCut initialised from the mask: the proposal probable foreground, the rest probable background, click disks
    definite foreground / background; GRABCUT_ITERATIONS iterations on a copy no longer than GRABCUT_SIDE."""
    s = scale_for(image.shape, GRABCUT_SIDE)
    small = cv2.resize(image, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else image
    shape = small.shape[:2]
    prop = resize_mask(proposal, shape)
    mask = np.where(prop > 0, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    inc, exc = click_disks(clicks, shape, s)
    mask[inc > 0] = cv2.GC_FGD
    mask[exc > 0] = cv2.GC_BGD
    fg = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    if not fg.any() or fg.all():
        # GrabCut needs both classes to fit its two colour models; nothing to separate yet.
        out = fg.astype(np.uint8)
    else:
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.setRNGSeed(1)
        cv2.grabCut(small, mask, None, bgd, fgd, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
        out = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    return resize_mask(out, image.shape[:2]), GRABCUT_ITERATIONS


def walker(image, proposal, clicks):
    """Random walker on RGB in [0, 1]: seeds are the click disks, the proposal's core (label 1) and a band well
    outside it (label 2). A click says the proposal is wrong around it: proposal seeds of the other label are cleared
    within the click's distance to the proposal's outline plus the margin, so the walker may move the outline there."""
    s = scale_for(image.shape, WALKER_SIDE)
    small = cv2.resize(image, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else image
    shape = small.shape[:2]
    prop = resize_mask(proposal, shape)
    seeds = np.zeros(shape, np.int32)
    area = int(prop.sum())
    if area > 0:
        margin = max(2.0, SEED_MARGIN * np.sqrt(area / np.pi))
        inside = ndimage.distance_transform_edt(prop)
        outside = ndimage.distance_transform_edt(1 - prop)
        seeds[inside > margin] = 1
        seeds[outside > margin] = 2
        yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
        for c in clicks:
            cx, cy = min(shape[1] - 1, int(c["x"] * s)), min(shape[0] - 1, int(c["y"] * s))
            reach = (outside[cy, cx] if c["label"] == "include" else inside[cy, cx]) + margin
            near = (xx - cx) ** 2 + (yy - cy) ** 2 <= reach ** 2
            seeds[near & (seeds == (2 if c["label"] == "include" else 1))] = 0
    else:
        # No proposal: the image border is background (the target lies inside the picture).
        seeds[0, :] = seeds[-1, :] = seeds[:, 0] = seeds[:, -1] = 2
    inc, exc = click_disks(clicks, shape, s)
    seeds[inc > 0] = 1
    seeds[exc > 0] = 2
    if not (seeds == 1).any():
        return np.zeros(image.shape[:2], np.uint8), 0
    if not (seeds == 2).any():
        return np.ones(image.shape[:2], np.uint8), 0
    data = cv2.cvtColor(small, cv2.COLOR_BGR2RGB).astype(np.float64) / 255.0
    from skimage.segmentation import random_walker

    labels = random_walker(data, seeds, beta=WALKER_BETA, mode="cg_j", channel_axis=-1)
    return resize_mask((labels == 1).astype(np.uint8), image.shape[:2]), 1


METHODS = {"grabcut": grabcut, "random-walker": walker}


def parse_prompt(line, shape):
    try:
        p = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON: {e.msg}")
    if not isinstance(p, dict) or "prompt" not in p:
        raise ValueError('expected an object with "prompt"')
    if p["prompt"] == "undo":
        return p
    if p["prompt"] != "click":
        raise ValueError(f'prompt "{p["prompt"]}" is not supported by this baseline (click, undo)')
    x, y, label = p.get("x"), p.get("y"), p.get("label")
    if not isinstance(x, (int, float)) or not isinstance(y, (int, float)) or isinstance(x, bool) or isinstance(y, bool):
        raise ValueError("click needs numeric x and y")
    if not (0 <= x < shape[1] and 0 <= y < shape[0]):
        raise ValueError(f"click ({x}, {y}) is outside the {shape[1]}x{shape[0]} image")
    if label not in ("include", "exclude"):
        raise ValueError('label must be "include" or "exclude"')
    return {"prompt": "click", "x": float(x), "y": float(y), "label": label}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", required=True, choices=sorted(METHODS))
    ap.add_argument("--image", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--proposal")
    ap.add_argument("--name")
    args = ap.parse_args()
    for path, what in ((args.image, "image"), (args.proposal, "proposal mask")):
        if path is not None and not os.path.isfile(path):
            fail(f"{path}: cannot read the {what} (no such file)")
    global cv2, np, ndimage
    import cv2
    import numpy as np
    from scipy import ndimage

    image = read_image(args.image)
    shape = image.shape[:2]
    proposal = read_mask(args.proposal, shape) if args.proposal else np.zeros(shape, np.uint8)
    os.makedirs(args.out, exist_ok=True)
    name = args.name or os.path.splitext(os.path.basename(args.image))[0]
    method = METHODS[args.method]
    clicks = []

    def emit(step, mask, seconds, iterations):
        path = os.path.join(args.out, f"{name}.step{step}.mask.png")
        write_mask(path, mask)
        print(json.dumps({"step": step, "mask": path, "seconds": round(seconds, 4), "iterations": iterations}), flush=True)

    emit(0, proposal, 0.0, 0)
    step = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            p = parse_prompt(line, shape)
        except ValueError as e:
            print(json.dumps({"error": str(e)}), flush=True)
            continue
        if p["prompt"] == "undo":
            if not clicks:
                print(json.dumps({"error": "nothing to undo"}), flush=True)
                continue
            clicks.pop()
        else:
            clicks.append(p)
        started = time.perf_counter()
        mask, iterations = method(image, proposal, clicks) if clicks else (proposal, 0)
        step += 1
        emit(step, mask, time.perf_counter() - started, iterations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
