"""The fonts the insert prints with, found on this machine by path (Debian's packages):

  fonts-dejavu-core  DejaVu Sans: Latin, with every Vietnamese, Portuguese and Kreyòl letter
  fonts-noto-cjk     Noto Sans CJK SC: Chinese (and its own Latin for the numbers and words in it)

`make run` and `.ci/run` install both; without them the insert is refused with the package to install.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class FontMissing(RuntimeError):
    """A font the insert needs is not installed; the message names the Debian package."""


@dataclass(frozen=True)
class Face:
    path: Path
    collection_index: int = 0      # the face inside a .ttc collection


@dataclass(frozen=True)
class Fonts:
    latin: Face
    latin_bold: Face
    cjk: Face
    cjk_bold: Face


# Noto Sans CJK collections hold JP, KR, SC, TC, HK in that order: SC (Simplified Chinese) is 2.
_CJK_SC = 2
_CANDIDATES = {
    "latin": ("fonts-dejavu-core", [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                                    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf")], 0),
    "latin_bold": ("fonts-dejavu-core", [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
                                         Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf")], 0),
    "cjk": ("fonts-noto-cjk", [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
                               Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc")], _CJK_SC),
    "cjk_bold": ("fonts-noto-cjk", [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
                                    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc")], _CJK_SC),
}


def find_fonts(candidates: dict | None = None) -> Fonts:
    found, missing = {}, []
    for role, (package, paths, index) in (candidates or _CANDIDATES).items():
        path = next((p for p in paths if p.is_file()), None)
        if path is None:
            missing.append((package, paths[0]))
        else:
            found[role] = Face(path, index)
    if missing:
        packages = sorted({package for package, _ in missing})
        raise FontMissing(f"the insert needs fonts that are not installed ({', '.join(str(p) for _, p in missing)}): "
                          f"apt-get install {' '.join(packages)}")
    return Fonts(**found)
