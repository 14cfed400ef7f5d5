"""Rasa adapters: the input channel the app talks to Rasa through, and the tracker store."""
