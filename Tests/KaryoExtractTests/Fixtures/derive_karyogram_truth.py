#!/usr/bin/env python3
"""Derives the truth boxes of chromosomes 9 and 22 for the karyograms that carry no box annotations
(cabinh-8129A .K images, the NHGRI karyogram). Independent of Karyo's extractor; run once, then
every box was checked by eye on overlays (see README.md here). Needs numpy, scipy, Pillow.

  derive_karyogram_truth.py ../shared/data   (writes cabinh-karyogram-truth.json, nhgri-truth.json)

cabinh: the slot underlines are long (>= 80 px) one-pixel runs of dark pixels; they form 4 rows of
5/7/6/6 lines; 9 is the 4th line of row 2 and 22 the 4th of row 4 (the printed numbers under them
were read on the overlays). The chromosomes of a slot are the dark components (gray < 230) above
its line, between the previous row's numbers and the line, centred within the line's span.
NHGRI: no printed guides; the two 9s and two 22s were located by eye and given as regions below;
inside them, the components with gray < 235.
Within a slot, components overlapping in x are one chromosome (pieces split by pale bands);
homologs are ordered left to right; the box is the tight box [x, y, w, h].
"""
import json, sys, os
import numpy as np
from PIL import Image
from scipy import ndimage

def chromosomes(a, region, thr, min_area):
    x0, y0, x1, y1 = region
    sub = a[y0:y1 + 1, x0:x1 + 1] < thr
    lab, n = ndimage.label(sub, structure=np.ones((3, 3)))
    objs = []
    for i, sl in enumerate(ndimage.find_objects(lab)):
        area = int((lab[sl] == i + 1).sum())
        if area < min_area:
            continue
        objs.append([sl[1].start + x0, sl[0].start + y0, sl[1].stop - 1 + x0, sl[0].stop - 1 + y0, area])
    # merge pieces overlapping in x
    merged = True
    while merged:
        merged = False
        for i in range(len(objs)):
            for j in range(i + 1, len(objs)):
                a_, b_ = objs[i], objs[j]
                ox = min(a_[2], b_[2]) - max(a_[0], b_[0]) + 1
                if ox >= 0.5 * min(a_[2] - a_[0] + 1, b_[2] - b_[0] + 1):
                    objs[i] = [min(a_[0], b_[0]), min(a_[1], b_[1]), max(a_[2], b_[2]), max(a_[3], b_[3]), a_[4] + b_[4]]
                    del objs[j]
                    merged = True
                    break
            if merged:
                break
    objs.sort(key=lambda o: o[0])
    return [[o[0], o[1], o[2] - o[0] + 1, o[3] - o[1] + 1] for o in objs]

def underlines(a):
    on = a < 128
    lines = []
    for y in range(a.shape[0]):
        row = on[y]
        x = 0
        while x < len(row):
            if row[x]:
                e = x
                while e + 1 < len(row) and row[e + 1]:
                    e += 1
                if e - x + 1 >= 80 and (y + 3 >= a.shape[0] or on[y + 3, x:e + 1].mean() < 0.2):
                    lines.append((y, x, e))
                x = e + 1
            else:
                x += 1
    rows = []
    for l in sorted(lines):
        if rows and l[0] - rows[-1][-1][0] <= 3:
            if all(abs(l[1] - m[1]) > 5 for m in rows[-1]):
                rows[-1].append(l)
        else:
            rows.append([l])
    return [sorted(r, key=lambda l: l[1]) for r in rows]

def main(data):
    out = {}
    kdir = os.path.join(data, "metaphase-karyogram-pairs/cabinh-8129A/karyogram")
    for name in sorted(os.listdir(kdir)):
        a = np.asarray(Image.open(os.path.join(kdir, name)).convert("L")).astype(int)
        rows = underlines(a)
        assert [len(r) for r in rows] == [5, 7, 6, 6], (name, [len(r) for r in rows])
        boxes = []
        for label, r in (("9", 1), ("22", 3)):
            y, x0, x1 = rows[r][3]
            top = rows[r - 1][0][0] + 40  # below the previous row's printed numbers
            for b in chromosomes(a, (x0, top, x1, y - 2), 230, 150):
                boxes.append({"label": label, "box": {"x": b[0], "y": b[1], "width": b[2], "height": b[3]}})
        out[name] = boxes
    here = os.path.dirname(os.path.abspath(__file__))
    json.dump(out, open(os.path.join(here, "cabinh-karyogram-truth.json"), "w"), indent=1, sort_keys=True)
    nh = os.path.join(data, "wiki-karyograms/NHGRI_human_male_karyotype.png")
    a = np.asarray(Image.open(nh).convert("L")).astype(int)
    regions = {"9": (1380, 720, 1650, 1090), "22": (2300, 1960, 2540, 2230)}
    boxes = []
    for label, reg in regions.items():
        for b in chromosomes(a, reg, 235, 400):
            boxes.append({"label": label, "box": {"x": b[0], "y": b[1], "width": b[2], "height": b[3]}})
    json.dump({"NHGRI_human_male_karyotype.png": boxes}, open(os.path.join(here, "nhgri-truth.json"), "w"), indent=1)

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
