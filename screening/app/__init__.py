"""The app: one ASGI service (port 8000) for the SMS gateway, the web chat, the
screener console and completion checks. Thin adapters over the core in
`screening`; only this subpackage imports the web framework.
"""
