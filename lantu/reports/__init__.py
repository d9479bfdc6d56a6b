"""Reports: the monitoring report and the assessment report as PDF, Excel and Word (see content.py)."""
