"""Needs-screening intake assistant: the pure core.

Nothing in this package imports Rasa or a web framework; the Rasa actions
(`actions/`), the Rasa input channel (`rasa_channels/`) and the web app are thin
adapters over it.
"""
