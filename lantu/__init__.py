"""Lantu (蓝图): plan, monitor and evaluate a digital-transformation programme."""

__version__ = "0.1.0"
