"""Pipelines: indicator values computed from raw operational records, with provenance.

Definitions and computations live in :mod:`lantu.core.pipelines` (no Django); this app stores
their versions and runs, and writes the values through ``monitoring.record_values`` as drafts.
"""
