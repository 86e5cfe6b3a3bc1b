"""Error, warning and information boxes (``solara.Error``, ``solara.Warning``, ``solara.Info``)
that render with either major version of ipyvuetify.

Solara 1.58 passes ``text=True`` (Vuetify 2's "tonal" flag) to the alert; ipyvuetify 3, which
pip installs beside it today, takes ``text`` as the alert's text and refuses a bool, so the page
would crash on its first message. Under ipyvuetify 3 the flag is left out and the message goes in
as the alert's content, as under ipyvuetify 2.
"""

from __future__ import annotations

import solara
import solara.util

_TONAL = {"text": True} if solara.util.ipyvuetify_major_version < 3 else {"text": None}


def error(message: str, classes: list[str] | None = None) -> None:
    solara.Error(message, classes=classes or [], **_TONAL)


def warning(message: str, classes: list[str] | None = None) -> None:
    solara.Warning(message, dense=True, classes=classes or [], **_TONAL)


def info(message: str, classes: list[str] | None = None) -> None:
    solara.Info(message, dense=True, classes=classes or [], **_TONAL)
