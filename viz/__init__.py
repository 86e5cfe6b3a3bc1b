"""The interactive Solara explorer and report figures."""
