"""Appraisal (绩效考评) and third-party evaluation (第三方评估) on top of the composite-index engine."""
