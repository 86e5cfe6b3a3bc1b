"""Downloading the results: the scenario's and the baseline's monthly KPIs, KPIs by site,
organisations, ledgers and decisions as CSV files in one zip (``Session.results_zip``).

One button makes the zip of the months done so far, then a link saves it. The link is a plain
``<a download>`` with the zip inside it (a data URL): ``solara.FileDownload`` would do this in one
click, but its front-end template does not render with ipyvuetify 3, which pip installs beside
Solara 1.58 today (the button is simply missing from the page).
"""

from __future__ import annotations

import base64
import html

import solara

from viz.session import Session


@solara.component
def ResultsDownload(session: Session, months_done: int):
    prepared, set_prepared = solara.use_state(None)  # (session, months done, zip bytes)
    name = f"icsim-{session.footprint.config.name}-seed{session.seed}-month{months_done}.zip"
    if prepared is not None and prepared[:2] == (session, months_done):
        data = base64.b64encode(prepared[2]).decode()
        solara.HTML(tag="div", unsafe_innerHTML=(
            f'<a class="download-results" download="{html.escape(name)}" '
            f'href="data:application/zip;base64,{data}">Save {html.escape(name)} ({len(prepared[2]) / 1024:,.0f} kB)</a>'
            " - CSV files: monthly KPIs, KPIs by site, organisations, ledgers, decisions, with the scenario's config"))
    else:
        solara.Button("Prepare the results for download (zip of CSV)", icon_name="mdi-download",
                      on_click=lambda: set_prepared((session, months_done, session.results_zip())),
                      disabled=months_done == 0, classes=["prepare-download"])
