"""ReliefDesk: Proposition 64 conviction relief for California courts."""

__version__ = "0.1.0"
