"""Downloading the results: the scenario's and the baseline's monthly KPIs, KPIs by site,
organisations, ledgers and decisions as CSV files in one zip (``Session.results_zip``).

One button makes the zip of the months done so far, then a link saves it. The link is a plain
``<a download>`` with the zip inside it (a data URL): ``solara.FileDownload`` would do this in one
click, but its front-end template does not render with ipyvuetify 3, which pip installs beside
Solara 1.58 today (the button is simply missing from the page).

The zip holds the months the page shows when the button is pressed, for both runs, and its name
says that month: it is made from the runs' published views (``Session.results_zip(months_done)``),
so it can be made during "Run a year" without waiting for the month being run.
"""

from __future__ import annotations

import base64
import html

import solara

from viz.session import Session


@solara.component
def ResultsDownload(session: Session, months_done: int):
    """The button, and once pressed the link to save the zip; a zip made during a run stays
    offered (named by its month) beside the button for the months run since."""
    prepared, set_prepared = solara.use_state(None)  # (session, months done, zip bytes)
    if prepared is not None and prepared[0] is session:
        name = f"icsim-{session.footprint.config.name}-seed{session.seed}-month{prepared[1]}.zip"
        data = base64.b64encode(prepared[2]).decode()
        solara.HTML(tag="div", unsafe_innerHTML=(
            f'<a class="download-results" download="{html.escape(name)}" '
            f'href="data:application/zip;base64,{data}">Save {html.escape(name)} ({len(prepared[2]) / 1024:,.0f} kB)</a>'
            " - CSV files: monthly KPIs, KPIs by site, organisations, ledgers, decisions, with the scenario's config"))
    if prepared is None or prepared[:2] != (session, months_done):
        solara.Button("Prepare the results for download (zip of CSV)", icon_name="mdi-download",
                      on_click=lambda: set_prepared((session, months_done, session.results_zip(months_done))),
                      disabled=months_done == 0, classes=["prepare-download"])
