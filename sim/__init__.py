"""icsim: a simulator of one Integrated Care System of the NHS in England."""

__version__ = "0.1.0"
