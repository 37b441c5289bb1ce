"""Builds an Altair chart and saves its Vega-Lite spec, for Rederive to render.

    python chart.py SPEC.vl.json DATA.csv

The data are three deterministic clusters; the spec reads them by a URL relative to the spec's
final place (figures/ beside data/), which is what Rederive resolves, so the stage's outputs
can be written at any temporary path.
"""
import math
import sys

import altair as alt
import pandas as pd

spec_path, data_path = sys.argv[1], sys.argv[2]
rows = []
for group, (cx, cy) in enumerate([(0.0, 0.0), (3.0, 1.0), (1.5, 3.0)]):
    for i in range(60):
        angle, radius = 2.399963 * i, 0.9 * math.sqrt((i + 0.5) / 60)
        rows.append({"x": round(cx + radius * math.cos(angle), 4), "y": round(cy + radius * math.sin(angle), 4),
                     "cluster": f"cluster {group + 1}"})
pd.DataFrame(rows).to_csv(data_path, index=False, lineterminator="\n")

chart = alt.Chart(alt.UrlData("../data/clusters.csv")).mark_point(filled=True).encode(
    x=alt.X("x:Q", title="first coordinate"),
    y=alt.Y("y:Q", title="second coordinate"),
    color=alt.Color("cluster:N", title="cluster"),
).properties(title="Three clusters", description="Three clusters of 60 points each, drawn from an Altair spec.")
chart.save(spec_path, format="json")
