"""Organisations of the Integrated Care System as Mesa agents under budget rules.

``health_system(config, seed, months)`` builds the model with them; see ``agents.system``.
"""

from agents.system import Organisations, health_system

__all__ = ["Organisations", "health_system"]
