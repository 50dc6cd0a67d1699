"""ReliefDesk: Proposition 64 conviction relief for California courts."""

__version__ = "0.2.0"
