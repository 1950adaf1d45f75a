#!/usr/bin/env python3
"""Derive the map outlines of crates/serve/data/borders.tsv from Natural Earth.

Source: the npm package world-atlas 2.0.2 (TopoJSON of Natural Earth 4.1.0 Admin 0
countries, 1:50m; Natural Earth is public domain). Fetch the package once (it is not needed at run time) with
    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
then run
    python3 scripts/map/build.py package/countries-50m.json > crates/serve/data/borders.tsv

Keeps North Korea, China, Russia, South Korea and Japan, decodes the TopoJSON arcs,
clamps points to a box around North Korea (edges outside the drawn view) and drops
rings that lie wholly outside it. One ring per line: country, then lon,lat pairs.
"""
import json
import sys

KEEP = {"North Korea": "KP", "China": "CN", "Russia": "RU", "South Korea": "KR", "Japan": "JP"}
# Clamp box (degrees): a margin around the view of 123.3..131.2 E, 37.2..43.4 N.
LON0, LON1, LAT0, LAT1 = 121.0, 134.0, 35.5, 45.0


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs, idxs):
    pts = []
    for i in idxs:
        a = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        if pts:
            a = a[1:]
        pts.extend(a)
    return pts


def main(path):
    topo = json.load(open(path))
    arcs = decode_arcs(topo)
    print("# Map outlines for Lantern. Derived by scripts/map/build.py; do not edit by hand.")
    print("# Made with Natural Earth (public domain), via the world-atlas 2.0.2 npm package (countries-50m).")
    print("# country\tlon,lat points of one ring, clamped to the box "
          f"{LON0}..{LON1} E, {LAT0}..{LAT1} N")
    for g in topo["objects"]["countries"]["geometries"]:
        code = KEEP.get(g["properties"].get("name"))
        if not code:
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        for poly in polys:
            for r in poly:
                pts = ring(arcs, r)
                if not any(LON0 < x < LON1 and LAT0 < y < LAT1 for x, y in pts):
                    continue
                out = []
                for x, y in pts:
                    p = (round(min(max(x, LON0), LON1), 3), round(min(max(y, LAT0), LAT1), 3))
                    if not out or out[-1] != p:
                        out.append(p)
                if len(out) >= 3:
                    print(code + "\t" + " ".join(f"{x},{y}" for x, y in out))


if __name__ == "__main__":
    main(sys.argv[1])
