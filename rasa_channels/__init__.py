"""Rasa adapters: the input channel the app talks to Rasa through, and the tracker store.

Rasa imports this package when it reads credentials.yml and endpoints.yml, before it serves
anyone: that is where its log records start being scrubbed (screening/log_scrub.py).
"""
from screening import log_scrub

log_scrub.install()
