"""The citation insert: a print-ready PDF that tells a person, in their language, how to start
the screening by text or on the web (`screening insert`).

  texts.py   what each language's block says, from content/insert/<lang>.yaml and the settings
  fonts.py   the Debian fonts that print every script (Latin with Vietnamese, and Chinese)
  pdf.py     the pages: one block per language, each with its own code to scan
"""
from .texts import InsertError, insert_blocks
from .fonts import FontMissing, find_fonts
from .pdf import SIZES, render_insert

__all__ = ["InsertError", "insert_blocks", "FontMissing", "find_fonts", "SIZES", "render_insert"]
