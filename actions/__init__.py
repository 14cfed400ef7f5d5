"""Rasa custom actions: thin adapters from Rasa's tracker to the screening core."""
