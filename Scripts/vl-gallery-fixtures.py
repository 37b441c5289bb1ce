#!/usr/bin/env python3
"""Reference fixtures for Sources/VegaLite: what Vega-Lite's own renderer draws for each spec.

Needs only the pinned reference renderer (vl-convert: Deno + resvg, Vega-Lite 6.4 inside):

    pip install vl-convert-python==1.9.0.post1

Usage (from the repository root):

    python3 Scripts/vl-gallery-fixtures.py [--png-dir DIR] [FOLDER ...]

FOLDER defaults to Tests/VegaLiteTests/Fixtures/gallery and Tests/VegaLiteTests/Fixtures/npy.
A folder holds specs either in FOLDER/specs/*.vl.json or directly as FOLDER/*.vl.json; the
fixtures go to FOLDER/expected/. Specs whose data include a `.npy` URL are skipped: vl-convert
cannot read them (the npy folder's CSV twin holds the expected values for both).
With --png-dir, vl-convert's PNG render (scale 1) of each spec is also written there as
NAME.png (for looking at, not committed). Re-running gives the same bytes.

Data: vl-convert silently ignores local data URLs (it draws an empty chart), so every relative
URL is inlined before rendering, exactly as Rederive's reference script
(vl_convert_reference.py, `inline_data`) does: JSON as parsed "values", CSV/TSV as the raw file
text with format.type, so that Vega parses the text as it would parse the file.

For each spec NAME this writes
  expected/NAME.json      values read from vl-convert's SVG (format below);
  expected/NAME.vg.json   the compiled Vega (vl_convert.vegalite_to_vega of the spec as stored,
                          data URLs not inlined), only when under 200 KB.

Format of expected/NAME.json (keys sorted; every number rounded to 1e-4, whole numbers written
as integers; all read from the SVG):
  "source": {"spec", "renderer", "vega_lite"}   what made the fixture.
  "svg": {"width", "height"}            the SVG's overall size (px; includes padding 5).
  "views": [{"index", "name", "x", "y", "width", "height"}]
      every plot area that holds marks, in document order: a single view's root frame, a facet
      cell, a concat/repeat child. `name` is the Vega group mark's name from the SVG class
      ("root", "cell", "concat_0_group", "trellis_barley_cell", ...); facet cells share a name
      and are told apart by index and x/y. x, y: the plot area's top-left corner in SVG
      pixels (the sum of the enclosing groups' translates; informational: it depends on the
      layout of axes and legends). width, height: the plot area in Vega units, read from the
      group's background path "M{o},{o}h{W}v{H}h{-W}Z" (o is 0.5 when the view has a
      stroke: Vega shifts the outline for crisp lines; the group's origin is its translate,
      not o). These equal the compiled Vega's width/height (or the cell's) for these specs.
  "marks": one entry per SVG mark group of role "mark", in document order:
      {"type": Vega mark type (symbol, rect, line, area, rule, text, ...), "name": the Vega mark
       name (e.g. "marks", "layer_1_marks", "child_marks"), "view": index into "views",
       "count": number of Vega items, "items": [...]}.
      Every item also has "color": its fill (or its stroke when unfilled, as for point and
      line marks) as drawn, "#rrggbb" or a CSS name. Vega-Lite's default colours only matter
      where the spec names its colours (a scheme, a value, config): Rederive's own palette
      applies otherwise.
      Positions are normalised to the view's plot area: nx = (x - left) / width,
      ny = (y - top) / height, in Vega's orientation (y grows downwards), so 0..1 inside.
      - symbol (point, circle, square): {"x", "y", "shape"}: the symbol's centre (its
        translate) and which of Vega's shapes its path draws (circle, square, cross, diamond,
        triangle-up/down/left/right; "path" for anything else), and "size", Vega's size
        (area) channel value, (the path's width)^2, as Vega draws every shape with half-width
        sqrt(size)/2 (paths are written to 3 decimals, so about 1e-2 relative).
      - rect (bar, rect, tick): {"x", "y", "w", "h"}: the top-left corner and the size
        (w / width, h / height), from the path "M{x},{y}h{w}v{h}h{-w}Z".
      - rule: {"x", "y", "x2", "y2"}: the two endpoints (the translate, then translate plus
        the line's x2/y2).
      - text: {"x", "y", "text"} (+ "angle" in degrees when rotated): the point where the
        text's alphabetic baseline is anchored: Vega's x+dx, y+dy moved by Vega's own baseline
        shift, round(0.79*fontSize) for "top", round(0.3*fontSize) for "middle",
        round(-0.21*fontSize) for "bottom", 0 for "alphabetic" (along the rotated y axis when
        the text is rotated: Vega writes "translate(x,y) rotate(a) translate(0,shift)").
        Which end of the text sits there is the SVG text-anchor (Vega's align), recorded as
        "anchor" (start/middle/end).
      - line: one item per drawn path (a series): {"points": [[x, y], ...]}, the path's
        vertices; "count" is the total number of vertices, i.e. Vega's item count; "dash":
        the stroke-dasharray in px when the line is dashed (strokeDash).
      - area: one item per path: {"points": [...]}: the upper edge left to right, then the
        baseline back (d3's area path); "count" is half the vertices, Vega's item count.
  "axes": one entry per axis that draws labels or a title, in document order:
      {"axis": "x" or "y", "orient": "bottom"/"top"/"left"/"right", "title": text or null,
       "labels": [tick label texts in Vega's order (ascending scale value), one per tick
                  value Vega chose, including those its labelOverlap then hid; empty labels,
                  which draw nothing, are left out],
       "hidden": [indices into "labels" of the labels Vega's overlap removal hid (drawn with
                  opacity 0): which ones depends on the font's widths, so a renderer with other
                  fonts may thin differently; the tick values themselves do not depend on it],
       "ticks": [tick positions along the axis (x from the left, y from the top),
                 normalised to the axis length, from the
                 tick rules (as drawn: Vega rounds them to whole pixels, tickRound); empty if
                 the axis draws no ticks; with tickBand "extent" one more than the labels]}.
      x or y comes from the SVG's aria-label ("X-axis ..."/"Y-axis ..."); the orient from the
      side of the axis line the labels (or the title) sit on. The axis length is the width
      (x) or height (y) of the group the axis belongs to: the view for axes inside a view,
      the header cell for a facet's shared axes (row_header / column_footer groups).
      Grid-only axes (facet cells draw their grid that way) are left out.
  "axis_titles": [{"axis": "x"/"y", "text"}]  and  "tick_labels": [{"axis", "labels",
      "visible"}] ("visible": the labels not hidden): the same as "axes", for convenience.
  "title": [{"role": "title" or "subtitle", "text"}]: the chart's own title (root level).
  "header_titles": [...]: facet header titles (the row/column/facet field title).
  "header_labels": [...]: facet header labels (row/column headers), in document order.
  "cell_titles": [...]: titles drawn inside views (a wrapped facet's labels, a concat
      child's title), in document order.
  "legend_titles": [title per legend, null if none], "legend_labels": [[labels] per legend],
      "legend_types": ["symbol" or "gradient" per legend], in document order.
  "legend_sides": per legend, where its box sits against the view that holds it: "right",
      "left", "top", "bottom" (wholly outside on that side, as its orient asks) or "inside"
      (a corner orient); null when it belongs to no view.
Multi-line texts (tspans) are joined with "\\n".
"""
import argparse, copy, json, math, os, re, sys
import xml.etree.ElementTree as ET

import vl_convert as vlc

VL_VERSION = "6.4"
PIN = "1.9.0.post1"
SVG_NS = "{http://www.w3.org/2000/svg}"
NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
MAX_VG_BYTES = 200_000


# ---------------------------------------------------------------- data (as the reference does)

def inline_data(node, spec_dir):
    """A copy of the spec with every relative data URL replaced by the file's contents.
    Equivalent to `inline_data` in the reference script vl_convert_reference.py."""
    if isinstance(node, list):
        return [inline_data(x, spec_dir) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        url = value.get("url") if key == "data" and isinstance(value, dict) else None
        if isinstance(url, str) and "://" not in url:
            path = os.path.normpath(os.path.join(spec_dir, url))
            fmt = dict(value.get("format", {}))
            ext = os.path.splitext(path)[1].lower()
            kind = fmt.get("type") or {".csv": "csv", ".tsv": "tsv", ".json": "json"}[ext]
            inlined = {k: v for k, v in value.items() if k not in ("url", "format")}
            if kind == "json":
                with open(path, encoding="utf-8") as f:
                    inlined["values"] = json.load(f)
                fmt.pop("type", None)
            else:
                with open(path, encoding="utf-8") as f:
                    inlined["values"] = f.read()
                fmt["type"] = kind
            if fmt:
                inlined["format"] = fmt
            out[key] = inlined
        else:
            out[key] = inline_data(value, spec_dir)
    return out


def data_urls(node):
    if isinstance(node, list):
        return [u for x in node for u in data_urls(x)]
    if not isinstance(node, dict):
        return []
    urls = []
    for key, value in node.items():
        if key == "data" and isinstance(value, dict) and isinstance(value.get("url"), str):
            urls.append(value["url"])
        else:
            urls.extend(data_urls(value))
    return urls


# ---------------------------------------------------------------- SVG reading

def tag(el):
    return el.tag[len(SVG_NS):] if el.tag.startswith(SVG_NS) else el.tag


def classes(el):
    return (el.get("class") or "").split()


def translate_of(el):
    """The leading translate(x,y) of an element's transform (0,0 if none)."""
    m = re.match(r"\s*translate\(\s*(" + NUM + r")\s*[, ]\s*(" + NUM + r")?\s*\)", el.get("transform") or "")
    if not m:
        if el.get("transform"):
            raise ValueError("unexpected transform %r" % el.get("transform"))
        return 0.0, 0.0
    return float(m.group(1)), float(m.group(2) or 0.0)


def text_anchor_of(el):
    """Where a text's alphabetic baseline anchor sits, in its parent's coordinates. Vega writes
    "translate(x,y)" with its baseline shift folded into y, or, for rotated text,
    "translate(x,y) rotate(a) translate(0,shift)"; the shift is then along the rotated axis."""
    tr = el.get("transform") or ""
    steps = re.findall(r"(translate|rotate)\(([^)]*)\)", tr)
    if re.sub(r"(translate|rotate)\([^)]*\)|\s", "", tr):
        raise ValueError("unexpected text transform %r" % tr)
    x = y = 0.0
    angle = 0.0
    for op, args in steps:
        v = [float(a) for a in re.findall(NUM, args)]
        if op == "rotate":
            if len(v) != 1:
                raise ValueError("unexpected rotate in %r" % tr)
            angle += v[0]
        else:
            tx, ty = v[0], (v[1] if len(v) > 1 else 0.0)
            c, s_ = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            x, y = x + c * tx - s_ * ty, y + s_ * tx + c * ty
    return x, y


def rotation_of(el):
    m = re.search(r"rotate\(\s*(" + NUM + r")", el.get("transform") or "")
    return float(m.group(1)) if m else 0.0


def text_of(el):
    spans = [t for t in el if tag(t) == "tspan"]
    if spans:
        return "\n".join("".join(s.itertext()) for s in spans)
    return "".join(el.itertext())


def background_size(item):
    """Width and height of a group item from its background path M{o},{o}h{W}v{H}h{-W}Z."""
    for child in item:
        if tag(child) == "path" and child.get("class") == "background":
            m = re.fullmatch(r"M(" + NUM + r"),(" + NUM + r")h(" + NUM + r")v(" + NUM + r")h(" + NUM + r")Z",
                             child.get("d"))
            if not m:
                raise ValueError("unexpected background path %r" % child.get("d"))
            return float(m.group(3)), float(m.group(4))
    raise ValueError("group item without background path")


def group_items(group):
    """The item <g>s of a mark-group <g> (each has a translate and a background path)."""
    return [c for c in group if tag(c) == "g"]


def item_content(item):
    """The <g> inside a group item that holds its child marks."""
    kids = [c for c in item if tag(c) == "g"]
    return kids[0] if kids else None


def role(el):
    for c in classes(el):
        if c.startswith("role-"):
            return c[5:]
    return None


def mark_type(el):
    for c in classes(el):
        if c.startswith("mark-"):
            return c[5:]
    return None


def group_name(el):
    names = [c for c in classes(el) if not c.startswith("mark-") and not c.startswith("role-")]
    return names[0] if names else None


def is_pathgroup(name):
    """Vega-Lite wraps each series of a line/area in a group named "pathgroup" ("*_pathgroup")."""
    return name is not None and (name == "pathgroup" or name.endswith("_pathgroup"))


def parse_points(d):
    """Vertices of an M/L path (as Vega writes lines and areas), as [[x, y], ...]."""
    tokens = re.findall(r"[A-Za-z]|" + NUM, d)
    pts, cmd, i, moves = [], None, 0, 0
    while i < len(tokens):
        t = tokens[i]
        if t.isalpha():
            cmd = t
            i += 1
            if cmd in "Zz":
                continue
            if cmd not in "ML":
                raise ValueError("unsupported path command %r in %r" % (cmd, d[:80]))
            if cmd == "M":
                moves += 1
            continue
        pts.append([float(tokens[i]), float(tokens[i + 1])])
        i += 2
    if moves != 1:
        raise ValueError("path with %d subpaths: %r" % (moves, d[:80]))
    return pts


def color_of(el):
    """An item's colour as drawn: its fill, or its stroke when it has no fill; rgb() and #rgb
    become lowercase #rrggbb, CSS names stay as written."""
    c = el.get("fill")
    if not c or c in ("none", "transparent"):
        c = el.get("stroke")
    if not c:
        return None
    m = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,[^)]*)?\)", c)
    if m:
        return "#%02x%02x%02x" % tuple(int(m.group(i)) for i in (1, 2, 3))
    if re.fullmatch(r"#[0-9a-fA-F]{3}", c):
        return "#" + "".join(ch * 2 for ch in c[1:]).lower()
    return c.lower()


def symbol_shape(d):
    """Which of Vega's named symbol shapes a symbol path draws (its path is centred on 0,0)."""
    if re.search(r"[Aa]", d):
        return "circle"
    if re.fullmatch(r"M(" + NUM + r"),\1h(" + NUM + r")v\2h-\2Z", d):
        return "square"
    try:
        pts = parse_points(d)
    except ValueError:
        return "path"
    if len(pts) > 1 and pts[-1] == pts[0]:
        pts = pts[:-1]
    if len(pts) == 3:
        far = max(pts, key=lambda p: p[0] * p[0] + p[1] * p[1])
        apex = [p for p in pts if abs(p[0]) < 1e-6 or abs(p[1]) < 1e-6]
        a = apex[0] if len(apex) == 1 else far
        if abs(a[0]) < 1e-6:
            return "triangle-up" if a[1] < 0 else "triangle-down"
        return "triangle-left" if a[0] < 0 else "triangle-right"
    return {4: "diamond", 12: "cross"}.get(len(pts), "path")


def symbol_size(d):
    """Vega's `size` of a symbol (its area channel): Vega draws every named shape with
    half-width r = sqrt(size)/2, so size = (path width)^2."""
    if re.search(r"[Aa]", d):
        return (2 * abs(float(re.match(r"M(" + NUM + ")", d).group(1)))) ** 2
    xs = [float(v) for v in re.findall(r"(?:[ML])(" + NUM + ")", d)]
    m = re.fullmatch(r"M(" + NUM + r"),\1h(" + NUM + r")v\2h-\2Z", d)
    if m:
        return float(m.group(2)) ** 2
    return (max(xs) - min(xs)) ** 2 if xs else None


RECT = re.compile(r"M(" + NUM + r"),(" + NUM + r")h(" + NUM + r")v(" + NUM + r")h(" + NUM + r")Z")


def legend_side(x, y, size, view):
    """Where a legend box (top-left x, y; size) sits against the view it belongs to: "right",
    "left", "top", "bottom" (wholly outside on that side) or "inside"; None without a view."""
    if view is None:
        return None
    w, h = size
    eps = 1e-6
    if x >= view["x"] + view["w"] - eps:
        return "right"
    if x + w <= view["x"] + eps:
        return "left"
    if y + h <= view["y"] + eps:
        return "top"
    if y >= view["y"] + view["h"] - eps:
        return "bottom"
    return "inside"


class Extractor:
    def __init__(self, root):
        self.root = root
        self.views = []          # dicts, in order of first use
        self.view_ids = {}       # id(item element) -> index
        self.marks, self.axes, self.titles = [], [], []
        self.header_titles, self.header_labels, self.cell_titles = [], [], []
        self.legends = []

    # ctx: dict(ox, oy, view (item el, x, y, w, h, name) or None, scope: one of
    #      None/"legend"/"axis"/"header"/"headertitle", owner_len: (w, h) of the enclosing item)
    def run(self):
        self.visit(self.root, 0.0, 0.0, {"view": None, "scope": None, "size": (0.0, 0.0), "depth": 0})

    def visit(self, el, ox, oy, ctx):
        t = tag(el)
        if t != "g":
            for c in el:
                if tag(c) == "g":
                    self.visit(c, ox, oy, ctx)
            return
        dx, dy = translate_of(el)
        ox, oy = ox + dx, oy + dy
        mt, r = mark_type(el), role(el)
        if mt == "group":
            self.visit_group(el, ox, oy, ctx, r)
            return
        if mt is not None:
            self.visit_leaf_marks(el, ox, oy, ctx, mt, r)
            return
        for c in el:
            if tag(c) == "g":
                self.visit(c, ox, oy, ctx)

    def visit_group(self, el, ox, oy, ctx, r):
        name = group_name(el)
        for item in group_items(el):
            ix, iy = translate_of(item)
            x, y = ox + ix, oy + iy
            size = background_size(item)
            sub = dict(ctx, size=size, depth=ctx["depth"] + 1)
            if r == "legend":
                self.legends.append({"title": None, "labels": [], "type": "symbol",
                                     "side": legend_side(x, y, size, ctx["view"])})
                sub["scope"] = "legend"
            elif r == "axis":
                sub["scope"] = "axis"
                self.axes.append({"el": el, "x": x, "y": y, "len": ctx["size"], "title": None,
                                  "labels": [], "label_pos": [], "hidden": [], "ticks": [],
                                  "title_pos": None})
            elif r in ("row-header", "column-header", "facet-header"):
                sub["scope"] = "header"
            elif r in ("row-title", "column-title", "facet-title"):
                sub["scope"] = "headertitle"
            elif r in ("frame", "scope") and ctx["scope"] is None and not is_pathgroup(name):
                sub["view"] = {"el": item, "x": x, "y": y, "w": size[0], "h": size[1], "name": name}
                sub["scope"] = None
            elif r == "scope" and is_pathgroup(name):
                # a series wrapper: one item per series, covering its view exactly
                v = ctx["view"]
                if not (v and abs(x - v["x"]) < 1e-9 and abs(y - v["y"]) < 1e-9
                        and size == (v["w"], v["h"])):
                    raise ValueError("path group item does not cover its view")
            content = item_content(item)
            if content is not None:
                for c in content:
                    if tag(c) == "g":
                        self.visit(c, x, y, sub)

    def view_index(self, view):
        key = id(view["el"])
        if key not in self.view_ids:
            self.view_ids[key] = len(self.views)
            self.views.append({"index": len(self.views), "name": view["name"], "x": view["x"], "y": view["y"],
                               "width": view["w"], "height": view["h"]})
        return self.view_ids[key]

    def visit_leaf_marks(self, el, ox, oy, ctx, mt, r):
        scope = ctx["scope"]
        kids = [c for c in el if tag(c) in ("path", "line", "text", "rect")]
        if r == "mark" and scope is None:
            self.add_marks(el, ox, oy, ctx, mt, kids)
        elif r in ("title-text", "title-subtitle"):
            texts = [text_of(k) for k in kids]
            if scope in ("header",):
                self.header_labels.extend(texts)
            elif scope == "headertitle":
                self.header_titles.extend(texts)
            elif scope == "axis":
                raise ValueError("title inside an axis")
            elif scope == "legend":
                raise ValueError("title inside a legend")
            elif ctx["view"] is not None and ctx["view"]["name"] != "root":
                self.cell_titles.extend(texts)
            else:
                self.titles.extend({"role": "subtitle" if r == "title-subtitle" else "title", "text": s}
                                   for s in texts)
        elif scope == "legend":
            lg = self.legends[-1]
            if r == "legend-title":
                lg["title"] = "\n".join(text_of(k) for k in kids) if kids else None
            elif r == "legend-label":
                lg["labels"].extend(text_of(k) for k in kids)
            elif r == "legend-gradient":
                lg["type"] = "gradient"
        elif scope == "axis":
            ax = self.axes[-1]
            if r == "axis-label":
                for k in kids:
                    lx, ly = translate_of(k)
                    if text_of(k) == "":
                        continue  # an empty label draws nothing (e.g. the extra tick of tickBand "extent")
                    if k.get("opacity") is not None and float(k.get("opacity")) == 0:
                        ax["hidden"].append(len(ax["labels"]))  # removed by labelOverlap
                    ax["labels"].append(text_of(k))
                    ax["label_pos"].append((lx, ly))
            elif r == "axis-title":
                for k in kids:
                    ax["title"] = text_of(k)
                    ax["title_pos"] = translate_of(k)
            elif r == "axis-tick":
                for k in kids:
                    ax["ticks"].append(translate_of(k))

    def add_marks(self, el, ox, oy, ctx, mt, kids):
        view = ctx["view"]
        if view is None:
            raise ValueError("mark outside any view")
        vx, vy, W, H = view["x"], view["y"], view["w"], view["h"]
        nx = lambda x: (x - vx) / W
        ny = lambda y: (y - vy) / H
        items = []
        count = None
        if mt == "symbol":
            for k in kids:
                x, y = translate_of(k)
                items.append({"x": nx(ox + x), "y": ny(oy + y), "color": color_of(k),
                              "shape": symbol_shape(k.get("d") or ""), "size": symbol_size(k.get("d") or "")})
        elif mt == "rect":
            for k in kids:
                x, y = translate_of(k)
                m = RECT.fullmatch(k.get("d") or "")
                if tag(k) != "path" or not m:
                    raise ValueError("unexpected rect item %r" % ET.tostring(k)[:200])
                rx, ry, rw, rh = (float(m.group(i)) for i in range(1, 5))
                items.append({"x": nx(ox + x + rx), "y": ny(oy + y + ry), "w": rw / W, "h": rh / H,
                              "color": color_of(k)})
        elif mt == "rule":
            for k in kids:
                x, y = translate_of(k)
                x1, y1 = float(k.get("x1", 0)), float(k.get("y1", 0))
                x2, y2 = float(k.get("x2", 0)), float(k.get("y2", 0))
                items.append({"x": nx(ox + x + x1), "y": ny(oy + y + y1), "x2": nx(ox + x + x2), "y2": ny(oy + y + y2),
                              "color": color_of(k)})
        elif mt == "text":
            for k in kids:
                x, y = text_anchor_of(k)
                item = {"x": nx(ox + x), "y": ny(oy + y), "text": text_of(k), "anchor": k.get("text-anchor", "start"),
                        "color": color_of(k)}
                a = rotation_of(k)
                if a:
                    item["angle"] = a
                items.append(item)
        elif mt in ("line", "area"):
            count = 0
            for k in kids:
                x, y = translate_of(k)
                pts = [[nx(ox + x + px), ny(oy + y + py)] for px, py in parse_points(k.get("d") or "")]
                if mt == "area":
                    if len(pts) % 2:
                        raise ValueError("area path with an odd vertex count")
                    count += len(pts) // 2
                else:
                    count += len(pts)
                item = {"points": pts, "color": color_of(k)}
                if k.get("stroke-dasharray"):
                    item["dash"] = [float(v) for v in re.findall(NUM, k.get("stroke-dasharray"))]
                items.append(item)
        else:
            raise ValueError("mark type %r not handled" % mt)
        self.marks.append({"type": mt, "name": group_name(el), "view": self.view_index(view),
                           "count": len(items) if count is None else count, "items": items})

    def axes_out(self):
        out = []
        for ax in self.axes:
            if not ax["labels"] and ax["title"] is None:
                continue  # grid only
            label = ax["el"].get("aria-label") or ""
            m = re.match(r"([XY])-axis", label)
            if not m:
                raise ValueError("axis without an X/Y aria-label: %r" % label)
            kind = m.group(1).lower()
            probe = ax["label_pos"] or ([ax["title_pos"]] if ax["title_pos"] else [])
            if kind == "x":
                orient = "top" if probe and all(p[1] < 0 for p in probe) else "bottom"
                length = ax["len"][0]
                ticks = [p[0] / length for p in ax["ticks"]]
            else:
                orient = "right" if probe and all(p[0] > 0 for p in probe) else "left"
                length = ax["len"][1]
                ticks = [p[1] / length for p in ax["ticks"]]
            out.append({"axis": kind, "orient": orient, "title": ax["title"], "labels": ax["labels"],
                        "hidden": ax["hidden"], "ticks": ticks})
        return out


def extract(svg_text):
    root = ET.fromstring(svg_text)
    ex = Extractor(root)
    ex.run()
    axes = ex.axes_out()
    return {
        "svg": {"width": float(root.get("width")), "height": float(root.get("height"))},
        "views": ex.views,
        "marks": ex.marks,
        "axes": axes,
        "axis_titles": [{"axis": a["axis"], "text": a["title"]} for a in axes if a["title"] is not None],
        "tick_labels": [{"axis": a["axis"], "labels": a["labels"],
                         "visible": [t for i, t in enumerate(a["labels"]) if i not in a["hidden"]]} for a in axes],
        "title": ex.titles,
        "header_titles": ex.header_titles,
        "header_labels": ex.header_labels,
        "cell_titles": ex.cell_titles,
        "legend_titles": [lg["title"] for lg in ex.legends],
        "legend_labels": [lg["labels"] for lg in ex.legends],
        "legend_types": [lg["type"] for lg in ex.legends],
        "legend_sides": [lg["side"] for lg in ex.legends],
    }


# ---------------------------------------------------------------- output

def rounded(v):
    if isinstance(v, float):
        r = round(v, 4)
        if r == int(r) and abs(r) < 1e15:
            return int(r)  # 300.0 -> 300, -0.0 -> 0
        return r
    if isinstance(v, dict):
        return {k: rounded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [rounded(x) for x in v]
    return v


def dumps(v, indent=0):
    """Deterministic JSON: sorted keys; short values on one line, long ones one element a line."""
    flat = json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    if len(flat) + indent <= 110 or not isinstance(v, (dict, list)) or not v:
        return flat
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(v, dict):
        parts = ["%s%s: %s" % (inner, json.dumps(k, ensure_ascii=False), dumps(v[k], indent + 1).lstrip())
                 for k in sorted(v)]
        return "{\n" + ",\n".join(parts) + "\n" + pad + "}"
    if all(not isinstance(x, (dict, list)) or (isinstance(x, list) and all(not isinstance(y, (dict, list)) for y in x))
           for x in v):
        # a list of scalars or of small tuples (points): several a line
        lines, cur = [], ""
        for x in v:
            s = json.dumps(x, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
            if cur and len(cur) + len(s) + 2 > 110 - indent:
                lines.append(cur + ",")
                cur = ""
            cur = (cur + ", " + s) if cur else s
        lines.append(cur)
        return "[\n" + "\n".join(inner + l for l in lines) + "\n" + pad + "]"
    return "[\n" + ",\n".join(inner + dumps(x, indent + 1).lstrip() for x in v) + "\n" + pad + "]"


def spec_files(folder):
    d = os.path.join(folder, "specs") if os.path.isdir(os.path.join(folder, "specs")) else folder
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".vl.json"))


def process(path, expected_dir, png_dir):
    name = os.path.basename(path)[: -len(".vl.json")]
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    if any(u.lower().endswith(".npy") for u in data_urls(spec)):
        print("skip  %s (.npy data: vl-convert cannot read it)" % name)
        return
    inlined = inline_data(copy.deepcopy(spec), os.path.dirname(os.path.abspath(path)))
    svg = vlc.vegalite_to_svg(inlined, vl_version=VL_VERSION)
    fixture = rounded(extract(svg))
    fixture["source"] = {"spec": os.path.basename(path), "renderer": "vl-convert-python==%s" % PIN,
                         "vega_lite": VL_VERSION}
    os.makedirs(expected_dir, exist_ok=True)
    with open(os.path.join(expected_dir, name + ".json"), "w", encoding="utf-8") as f:
        f.write(dumps(fixture) + "\n")
    vg = json.dumps(vlc.vegalite_to_vega(spec, vl_version=VL_VERSION), indent=1, ensure_ascii=False) + "\n"
    vg_path = os.path.join(expected_dir, name + ".vg.json")
    if len(vg.encode("utf-8")) < MAX_VG_BYTES:
        with open(vg_path, "w", encoding="utf-8") as f:
            f.write(vg)
    elif os.path.exists(vg_path):
        os.remove(vg_path)
    if png_dir:
        os.makedirs(png_dir, exist_ok=True)
        with open(os.path.join(png_dir, name + ".png"), "wb") as f:
            f.write(vlc.vegalite_to_png(inlined, vl_version=VL_VERSION, scale=1.0))
    n = sum(m["count"] for m in fixture["marks"])
    print("wrote %s: %d view(s), %d mark group(s), %d item(s)" % (name, len(fixture["views"]), len(fixture["marks"]), n))


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="*", default=[os.path.join(repo, "Tests/VegaLiteTests/Fixtures/gallery"),
                                                   os.path.join(repo, "Tests/VegaLiteTests/Fixtures/npy")])
    ap.add_argument("--png-dir", default=None, help="also write vl-convert's PNG renders here")
    args = ap.parse_args()
    for folder in args.folders:
        if not os.path.isdir(folder):
            print("skip  %s (no such folder)" % folder)
            continue
        for path in spec_files(folder):
            process(path, os.path.join(folder, "expected"), args.png_dir)


if __name__ == "__main__":
    main()
