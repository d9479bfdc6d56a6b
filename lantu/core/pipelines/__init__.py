"""Indicators computed from raw operational records (no Django here).

* :mod:`.spec` — what a pipeline is: its sources, row checks, outputs and computation;
* :mod:`.definitions` — the pipelines shipped with the default programme, written once in Ibis;
* :mod:`.engine` — runs a pipeline on DuckDB (the embedded default) or PySpark, unchanged;
* :mod:`.synthetic` — a seeded generator of realistic *synthetic* records, as partitioned Parquet.

Ibis, DuckDB and PyArrow are imported by the modules that use them, so importing this
package costs nothing; PySpark is imported only when the Spark engine is asked for.
"""
