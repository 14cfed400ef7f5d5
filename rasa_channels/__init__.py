"""Rasa input channels (adapters). Only the app talks to Rasa through these."""
