"""The need categories a person can name, and the order they are listed in.

The ids are stable: they are stored with each screening, used to order the
screening blocks, and used to match referrals. Their labels live in the message
files (`content/messages/<lang>.yaml`, keys `need.<id>`).
"""
from __future__ import annotations

# Listed to the person in this order and numbered from 1.
NEED_CATEGORIES: tuple[str, ...] = (
    "housing",          # a place to live
    "food",
    "employment",       # finding or keeping work
    "substance_use",    # treatment or support for drug or alcohol use, incl. opioid treatment (MOUD)
    "harm_reduction",   # safer use supplies, naloxone, drug checking
    "mental_health",
    "health_care",      # a doctor, primary care, insurance
    "legal",            # civil legal help: court, record sealing, benefits, immigration, ID
    "utilities",        # paying bills: heat, electric, phone, money for basics
    "transportation",   # rides, getting to appointments
    "safety",           # feeling safe at home or with people around them
    "other",            # something else, in their own words
)
