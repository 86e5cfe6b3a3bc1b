"""A map of the footprint's sites: where they are, which A&Es are open or closed, and how full
their beds were last month.

Drawn with matplotlib from the coordinates in the config (longitude and latitude, with the
aspect ratio of the mean latitude; no map tiles, so the page works offline) and put in the page
as inline SVG, so that each site is an element of the page: ``<g id="site-NAME" class="site
ae-open|ae-closed|no-ae" aria-label="...">``, readable by screen readers and by the browser tests.

The map is also a control: over each type 1 A&E sits a round button (``site-toggle-NAME``) that
opens or closes it. It sets the same lever as the A&E's switch in the levers panel (so the two
stay in step, and the levers are validated and applied the same way). The drawing shows the run
on the page; a button whose lever differs from it (not yet run) is ringed, and the map says so.
Buttons rather than click handlers on the SVG: an inline SVG in ``solara.HTML`` sends no events
back to Python, while a ``v-btn`` does, and is focusable and named for screen readers.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Callable

import matplotlib
import numpy as np
import pandas as pd
import solara
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.config import Config
from viz.charts import drawn
from viz.controls import set_ae_open
from viz.levers import Levers

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


def map_svg(config: Config, sites: pd.DataFrame) -> tuple[str, dict[str, tuple[float, float]]]:
    """The map as SVG text, each site a ``<g>`` with its id, class and description; and where
    each site is drawn, as percentages of the figure's width and height from its top left corner
    (for the buttons over the map; the SVG keeps the figure's aspect ratio, so they stay there)."""
    buf = io.StringIO()
    fig = map_figure(config, sites)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "icsim"}):
        fig.savefig(buf, format="svg")
    to_figure = fig.axes[0].transData + fig.transFigure.inverted()  # after the layout savefig did
    where = {name: (100 * x, 100 * (1 - y))
             for name, (x, y) in zip(sites.index, to_figure.transform(sites[["lon", "lat"]].to_numpy()))}
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # inline in HTML: no XML declaration or doctype
    for name, row in sites.iterrows():
        svg = svg.replace(f'<g id="site:{name}">',
                          f'<g id="site-{name}" class="site ae-{row.ae}" role="img" aria-label="{html.escape(_describe(name, row))}">')
    return svg, where


MAP_STYLE = """
.site-map svg { width: 100%; height: auto; display: block; }
.site-map .site-toggle { position: absolute; transform: translate(-50%, -50%); }
.site-map .site-toggle.pending { box-shadow: 0 0 0 3px #ffffff, 0 0 0 5px #005eb8; }
"""


def toggle_label(site: str, is_open: bool, drawn_open: bool) -> str:
    """What a site's button says (its title and accessible name): the lever's state, what a
    click does, and whether the run on the page has it yet."""
    text = f"{site.replace('_', ' ')}: A&E {'open' if is_open else 'closed'} (click to {'close' if is_open else 'open'})"
    return text + ("; not run yet: press Apply levers" if is_open != drawn_open else "")


@solara.component
def SiteToggle(site: str, is_open: bool, drawn_open: bool, left: float, top: float, on_click: Callable[[], None]):
    label = toggle_label(site, is_open, drawn_open)
    pending = ["pending"] if is_open != drawn_open else []
    solara.Button(on_click=on_click, icon=True, small=True, color="primary",
                  classes=["site-toggle", f"site-toggle-{site}", *pending], style=f"left: {left:.2f}%; top: {top:.2f}%",
                  attributes={"title": label, "aria-label": label, "aria-pressed": str(is_open).lower()})


def site_map(config: Config, sites: pd.DataFrame) -> tuple[str, dict[str, tuple[float, float]]]:
    """``map_svg``, drawn once for a sites table (which belongs to one run, so to one config)."""
    return drawn.get("map", (sites,), lambda: map_svg(config, sites))


@solara.component
def SiteMap(config: Config, sites: pd.DataFrame, levers: solara.Reactive[Levers]):
    """The map of the run on the page, with a button on each type 1 A&E that opens or closes it."""
    svg, where = solara.use_memo(lambda: site_map(config, sites), dependencies=[id(config), id(sites)])
    solara.Style(MAP_STYLE)
    ae_open = levers.value.ae_open
    with solara.Div(classes=["site-map"], style="position: relative; max-width: 560px"):
        solara.HTML(tag="div", unsafe_innerHTML=svg)
        for site in sites.index[sites.ae != "none"]:
            if site in ae_open:  # the levers are this footprint's
                SiteToggle(site, ae_open[site], sites.ae[site] == "open", *where[site],
                           on_click=lambda site=site: set_ae_open(levers, site, not levers.value.ae_open[site]))
    pending = [site.replace("_", " ") + f" A&E {'open' if ae_open[site] else 'closed'}" for site in sites.index
               if site in ae_open and ae_open[site] != (sites.ae[site] == "open")]
    solara.Text("Click a type 1 A&E on the map to open or close it. "
                + (f"Not run yet (ringed): {', '.join(pending)}; press Apply levers (or, before the first "
                   "month, Step a month)." if pending else ""),
                classes=["site-map-note"], style="font-size: 13px; color: #425563")
