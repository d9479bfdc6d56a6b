"""Monitoring use cases: values (entry from every source), rounds and rules, approval."""

from lantu.monitoring.services.values import RecordResult, ValueEntry, record_values

__all__ = ["RecordResult", "ValueEntry", "record_values"]
