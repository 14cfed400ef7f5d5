"""The screener console (/review) and the public completion check (/verify)."""
from __future__ import annotations

from ..context import AppContext, Feature


def review_feature(context: AppContext) -> Feature:
    return Feature()
