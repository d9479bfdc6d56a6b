"""The composite-index engine: pure Python and NumPy, usable on its own (see ``model.py``)."""
