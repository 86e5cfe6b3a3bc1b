"""Configuration of an icsim run: what the system is (``system``), what its organisations do
(``organisations``), and how config files are read and checked (``loading``).

A scenario file can name a base config with ``extends:`` and give only the values it changes (a
YAML patch, merged key by key; mappings such as ``sites`` are keyed by name so that a patch can
reach one site).
"""

from sim.config.loading import (
    ConfigError,
    deep_merge,
    dump_yaml,
    load_config,
    load_raw,
    read_yaml,
    validate,
    validate_as,
)
from sim.config.system import ACUITIES, AGE_BANDS, PATHWAYS, Config

__all__ = ["ACUITIES", "AGE_BANDS", "PATHWAYS", "Config", "ConfigError", "deep_merge", "dump_yaml", "load_config",
           "load_raw", "read_yaml", "validate", "validate_as"]
