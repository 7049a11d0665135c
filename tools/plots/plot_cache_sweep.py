#!/usr/bin/env python3
"""Plot the cache sweep of `engram bench memory --csv sweep.csv` as an SVG, by hand (no
matplotlib needed): hit rate (left axis) and throughput relative to all-in-RAM (right
axis) against cache size (log x), one line per policy.

usage: plot_cache_sweep.py sweep.csv out.svg [--title TEXT]
"""
import csv
import math
import sys

W, H = 720, 420
L, R, T, B = 70, 70, 40, 60  # margins
COLORS = {"lru": "#d62728", "tinylfu": "#1f77b4"}


def load(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append({"mb": float(r["cache_mb"]), "policy": r["policy"],
                         "hit": float(r["hit_rate"]), "ratio": float(r["ratio_vs_ram"])})
    if not rows:
        sys.exit(f"{path}: no rows")
    return rows


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    title = argv[argv.index("--title") + 1] if "--title" in argv else "Hot-row cache: hit rate and throughput vs cache size"
    rows = load(argv[1])
    mbs = sorted({r["mb"] for r in rows})
    x0, x1 = math.log10(mbs[0]), math.log10(mbs[-1])
    if x1 == x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    rmax = max(1.0, max(r["ratio"] for r in rows)) * 1.05
    px = lambda mb: L + (math.log10(mb) - x0) / (x1 - x0) * (W - L - R)
    py_hit = lambda v: T + (1 - v) * (H - T - B)
    py_ratio = lambda v: T + (1 - v / rmax) * (H - T - B)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="22" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>',
           f'<line x1="{W-R}" y1="{T}" x2="{W-R}" y2="{H-B}" stroke="black"/>']
    for mb in mbs:
        out.append(f'<line x1="{px(mb):.1f}" y1="{H-B}" x2="{px(mb):.1f}" y2="{H-B+5}" stroke="black"/>')
        out.append(f'<text x="{px(mb):.1f}" y="{H-B+18}" text-anchor="middle">{mb:g}</text>')
    out.append(f'<text x="{W/2}" y="{H-15}" text-anchor="middle">cache size (MB, log scale)</text>')
    for i in range(6):
        v = i / 5
        out.append(f'<text x="{L-8}" y="{py_hit(v)+4:.1f}" text-anchor="end">{v:.1f}</text>')
        out.append(f'<line x1="{L}" y1="{py_hit(v):.1f}" x2="{W-R}" y2="{py_hit(v):.1f}" stroke="#eee"/>')
        rv = rmax * v
        out.append(f'<text x="{W-R+8}" y="{py_ratio(rv)+4:.1f}">{rv:.2f}</text>')
    out.append(f'<text transform="translate(18,{H/2}) rotate(-90)" text-anchor="middle">hit rate (solid)</text>')
    out.append(f'<text transform="translate({W-14},{H/2}) rotate(90)" text-anchor="middle">throughput / all-in-RAM (dashed)</text>')
    for pol in sorted({r["policy"] for r in rows}):
        pts = sorted((r for r in rows if r["policy"] == pol), key=lambda r: r["mb"])
        c = COLORS.get(pol, "#2ca02c")
        hit = " ".join(f"{px(r['mb']):.1f},{py_hit(r['hit']):.1f}" for r in pts)
        rat = " ".join(f"{px(r['mb']):.1f},{py_ratio(r['ratio']):.1f}" for r in pts)
        out.append(f'<polyline points="{hit}" fill="none" stroke="{c}" stroke-width="2"/>')
        out.append(f'<polyline points="{rat}" fill="none" stroke="{c}" stroke-width="2" stroke-dasharray="6,4"/>')
        for r in pts:
            out.append(f'<circle cx="{px(r["mb"]):.1f}" cy="{py_hit(r["hit"]):.1f}" r="3" fill="{c}"/>')
            out.append(f'<circle cx="{px(r["mb"]):.1f}" cy="{py_ratio(r["ratio"]):.1f}" r="3" fill="white" stroke="{c}"/>')
    ly = T + 10
    for pol, c in COLORS.items():
        if any(r["policy"] == pol for r in rows):
            out.append(f'<line x1="{L+12}" y1="{ly}" x2="{L+36}" y2="{ly}" stroke="{c}" stroke-width="2"/>')
            out.append(f'<text x="{L+42}" y="{ly+4}">{pol}</text>')
            ly += 16
    out.append("</svg>")
    with open(argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv)
