"""Hostile input: property-based tests and the request fuzz (see RELIABILITY.md, "Hostile input")."""

# Imported whole here, at collection: the action server's module starts a warm-up thread that
# imports numpy (actions/screening_turn.py), and hypothesis looks at `numpy.ndarray` whenever numpy
# is in sys.modules; a test drawing examples while that thread is half-way through the import
# failed with "partially initialized module 'numpy'".
import numpy  # noqa: F401
