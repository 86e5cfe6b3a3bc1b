"""A map of the footprint's sites: where they are, which A&Es are open or closed, and how full
their beds were last month.

Drawn with matplotlib from the coordinates in the config (longitude and latitude, with the
aspect ratio of the mean latitude; no map tiles, so the page works offline) and put in the page
as inline SVG, so that each site is an element of the page: ``<g id="site-NAME" class="site
ae-open|ae-closed|no-ae" aria-label="...">``, readable by screen readers and by the browser tests.
"""

from __future__ import annotations

import html
import io
import math

import matplotlib
import numpy as np
import pandas as pd
import solara
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.config import Config

OCCUPANCY = Normalize(vmin=0.70, vmax=1.00)
CMAP = matplotlib.colormaps["RdYlGn_r"]
STATUS_TEXT = {"open": "A&E open", "closed": "A&E closed", "none": "no A&E"}


def _describe(site: str, row) -> str:
    parts = [site.replace("_", " "), STATUS_TEXT[row.ae]]
    if row.urgent_care_centre:
        parts.append("urgent care centre")
    if row.beds:
        parts.append(f"{row.beds:,} beds")
    if not math.isnan(row.bed_occupancy_midnight):
        parts.append(f"{row.bed_occupancy_midnight:.0%} occupied last month")
    return ", ".join(parts)


def map_figure(config: Config, sites: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(5.2, 5.2), layout="constrained")
    ax = fig.subplots()
    lat0 = float(np.mean([loc.lat for loc in config.localities.values()]))
    ax.set_aspect(1 / math.cos(math.radians(lat0)))
    for name, loc in config.localities.items():
        ax.plot(loc.lon, loc.lat, "o", color="#bbbbbb", markersize=4, zorder=1)
        ax.annotate(name.replace("_", " "), (loc.lon, loc.lat), fontsize=6, color="#888888",
                    xytext=(3, -8), textcoords="offset points")
    biggest = max(sites.beds.max(), 1)
    for name, row in sites.iterrows():
        if row.ae == "open":
            occ = row.bed_occupancy_midnight
            colour = "#cccccc" if math.isnan(occ) else CMAP(OCCUPANCY(occ))
            art = ax.scatter(row.lon, row.lat, s=60 + 340 * row.beds / biggest, c=[colour], edgecolors="black",
                             linewidths=1.2, zorder=3)
        elif row.ae == "closed":
            art = ax.scatter(row.lon, row.lat, s=160, marker="X", c="#da291c", edgecolors="black", linewidths=0.8,
                             zorder=4)
        elif row.urgent_care_centre:
            art = ax.scatter(row.lon, row.lat, s=70, marker="^", c="#00a499", edgecolors="black", linewidths=0.6,
                             zorder=2)
        else:
            art = ax.scatter(row.lon, row.lat, s=30, marker="s", c="#425563", zorder=2)
        art.set_gid(f"site:{name}")
        label = name.replace("_", " ") + (" (A&E closed)" if row.ae == "closed" else "")
        ax.annotate(label, (row.lon, row.lat), fontsize=7, xytext=(6, 4), textcoords="offset points",
                    weight="bold" if row.ae != "none" else "normal")
    legend = [
        Line2D([], [], marker="o", linestyle="", markerfacecolor="#cccccc", markeredgecolor="black",
               markersize=9, label="type 1 A&E open (size: beds; colour: bed occupancy)"),
        Line2D([], [], marker="X", linestyle="", markerfacecolor="#da291c", markeredgecolor="black",
               markersize=9, label="type 1 A&E closed"),
        Line2D([], [], marker="^", linestyle="", markerfacecolor="#00a499", markeredgecolor="black",
               markersize=7, label="urgent care centre only"),
        Line2D([], [], marker="s", linestyle="", color="#425563", markersize=5, label="ambulance station"),
        Line2D([], [], marker="o", linestyle="", color="#bbbbbb", markersize=4, label="locality"),
    ]
    fig.legend(handles=legend, fontsize=7, loc="outside lower left", ncols=2, frameon=False)
    bar = fig.colorbar(ScalarMappable(OCCUPANCY, CMAP), ax=ax, shrink=0.6, format="{x:.0%}", location="bottom",
                       pad=0.02, aspect=30)
    bar.set_label("bed occupancy, last month", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    return fig


def map_svg(config: Config, sites: pd.DataFrame) -> str:
    """The map as SVG text, each site a ``<g>`` with its id, class and description."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "icsim"}):
        map_figure(config, sites).savefig(buf, format="svg")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # inline in HTML: no XML declaration or doctype
    for name, row in sites.iterrows():
        svg = svg.replace(f'<g id="site:{name}">',
                          f'<g id="site-{name}" class="site ae-{row.ae}" role="img" aria-label="{html.escape(_describe(name, row))}">')
    return svg


@solara.component
def SiteMap(config: Config, sites: pd.DataFrame):
    svg = solara.use_memo(lambda: map_svg(config, sites), dependencies=[id(config), id(sites)])
    solara.Style(".site-map svg { width: 100%; height: auto; }")
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["site-map"], style="max-width: 560px")
