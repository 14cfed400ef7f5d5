"""Where is the person? Turn a free-text answer into a Massachusetts place.

The question is "Where are you? Massachusetts ZIP code or town". Answers come
from basic phones and are often messy: "02118", "my zip is 01602-1234",
"Boston, MA", "in worcester", "new bedfrod", "dorchester". This module turns
such an answer into a `Place` (town, ZIP, county, coordinates) or says why it
could not (`problem`), so the conversation can ask again kindly.

Everything comes from the `zipcodes` package data, indexed once per process.
Things worth knowing about that data (checked against zipcodes 3.0.0):

* Its `city` field is the USPS *postal* city, not the municipality. Boston
  neighbourhoods (Dorchester, Roxbury, Jamaica Plain...) and villages (Hyannis,
  Buzzards Bay, Whitinsville...) are cities of their own. We keep those postal
  names: "dorchester" and ZIP 02125 both give town "Dorchester". That is also
  more precise for finding nearby services than the centre of Boston.
* Some municipalities only appear in `acceptable_cities` (Bourne, Aquinnah,
  Pelham, Clarksburg...), some only as spellings in `unacceptable_cities`
  (Tyngsborough, Marlboro, Southboro), and Tisbury, Yarmouth, Freetown and
  Gosnold are not usable from the data at all: they are added by hand
  (`_EXTRA_PLACES`).
* `unacceptable_cities` also holds company names ("Bank Of America") and
  generic local names ("West Side" -> Worcester); only spellings and
  abbreviations of the ZIP's own city are taken from it ("Halyoke", "Spfld").
* `lat`/`long` are strings; 23 Massachusetts ZIPs are decommissioned
  (`active` False), and ZIP 05544 (a Vermont-style number) is Andover, MA.
* `county` reads "Suffolk County", not "Suffolk"; we pass it on unchanged.

Pure Python: no Rasa, no web imports.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

import zipcodes
from rapidfuzz import fuzz, process

from screening.text_normalize import clean_message, normalize

__all__ = ["Place", "LocationResult", "resolve_location", "town_names"]


@dataclass(frozen=True)
class Place:
    # Proper-case town/city name, e.g. "Boston", "New Bedford"; the postal
    # name for neighbourhoods and villages ("Dorchester", "Hyannis").
    town: str
    # 5-digit ZIP when the person gave one (or the town has exactly one); else None.
    zip_code: str | None
    county: str | None    # as the ZIP data spells it, e.g. "Suffolk County"
    latitude: float
    longitude: float


@dataclass(frozen=True)
class LocationResult:
    place: Place | None
    problem: str | None               # None, "not_massachusetts", "unknown", "ambiguous"
    candidates: tuple[str, ...] = ()  # for "ambiguous" / near misses: up to 3 town names


NOT_MASSACHUSETTS = "not_massachusetts"
UNKNOWN = "unknown"
AMBIGUOUS = "ambiguous"

# --- Fuzzy matching thresholds -------------------------------------------------
# Scores are rapidfuzz `fuzz.ratio` (normalized Indel similarity, 0-100), where a
# substituted letter costs 2 and a missing/extra letter costs 1.
#
# ACCEPT_SCORE = 85 accepts one wrong letter in names of 7+ letters
# ("worcestor" 88.9, "new bedfrod" 90.9), one missing letter in names of 4+
# letters ("sprinfield" 95.2, "salm" -> Salem 88.9), but not two wrong letters
# in a short name. ACCEPT_GAP = 5 additionally requires the best town to beat the
# runner-up (a *different* place) by 5 points: "melford" is 85.7 for both
# Medford and Milford, so we ask instead of guessing.
# NEAR_MISS_SCORE = 75 is where a name is still recognisable enough to offer
# ("wooster" -> Worcester 75, "providence" -> Provincetown 72.7 is not), and
# only for answers of 6+ letters: shorter words land near some short town
# name by chance ("what" -> Whately, "hill" -> Hull, "west" -> Weston).
ACCEPT_SCORE = 85.0
ACCEPT_GAP = 5.0
NEAR_MISS_SCORE = 75.0
_MIN_NEAR_MISS_CHARS = 6
FIRST_LETTER_PENALTY = 5.0
MAX_CANDIDATES = 3
# Fuzzy matching only looks at words this long (short words match too much).
_MIN_FUZZY_CHARS = 4
# Longer answers are chat, not a place; only exact town names are looked for.
_MAX_FUZZY_TOKENS = 12

# Names people use for places the postal data lacks, mapped to postal cities
# whose ZIPs make them up. Municipalities missing from the data get their own
# name; Boston neighbourhoods and nicknames point at an existing postal city.
_EXTRA_PLACES: dict[str, tuple[str, ...]] = {
    "Yarmouth": ("Yarmouth Port", "South Yarmouth", "West Yarmouth"),
    "Freetown": ("East Freetown", "Assonet"),
    "Gosnold": ("Cuttyhunk",),
    "Tisbury": ("Vineyard Haven",),
}
_NICKNAMES: dict[str, str] = {
    "southie": "South Boston",
    "eastie": "East Boston",
    "jp": "Jamaica Plain",
    "j p": "Jamaica Plain",
    "rozzie": "Roslindale",
    "south end": "Boston",
    "back bay": "Boston",
    "beacon hill": "Boston",
    "north end": "Boston",
    "west end": "Boston",
    "fenway": "Boston",
    "chinatown": "Boston",
    "downtown boston": "Boston",
    "seaport": "Boston",
    "mass and cass": "Boston",
}

# Abbreviations used in the postal alias lists (and by people texting).
_ABBREVIATIONS = {
    "e": "east", "ea": "east", "w": "west", "n": "north", "no": "north",
    "s": "south", "so": "south", "hts": "heights", "hgts": "heights",
    "ctr": "center", "cntr": "center", "centre": "center", "vlg": "village",
    "fls": "falls", "hls": "hills", "bch": "beach", "xing": "crossing",
    "mt": "mount", "clg": "college", "coll": "college", "univ": "university",
    "sq": "square", "pt": "point", "spgs": "springs", "dept": "depot",
    "dpt": "depot", "mls": "mills", "hld": "highlands", "hlds": "highlands",
    "hvn": "haven", "jct": "junction", "lndg": "landing", "fms": "farms",
    "gt": "great", "ft": "fort",
}
# Only these are expanded in what the person typed: "so" and "no" are words.
_USER_ABBREVIATIONS = {"e": "east", "w": "west", "n": "north", "s": "south",
                       "mt": "mount", "ctr": "center", "centre": "center"}

# Words around a place name that are not part of it ("I live in ... MA").
_FILLER = frozenset("""
    i im me my we our live living lives stay staying stayin located location
    am is are was be at in on near by from around the a an of and or to
    city town zip zipcode code postal area county state
    ma mass massachusetts usa us u s america
    center centre downtown uptown street st road rd avenue ave
    right now currently just here there its it yes yeah yea ok okay um uh hi
    hello hey sorry thanks thank you please
    vivo estoy en de del la el los las ciudad pueblo cerca codigo soy desde
    aqui ahora si
""".split())

_STATE_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR",
    "california": "CA", "colorado": "CO", "connecticut": "CT", "delaware": "DE",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID",
    "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO",
    "montana": "MT", "nebraska": "NE", "nevada": "NV", "new hampshire": "NH",
    "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI",
    "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY", "puerto rico": "PR", "district of columbia": "DC",
}
_STATE_CODES = frozenset(_STATE_NAMES.values()) | {"DC", "GU", "VI", "AS", "MP"}

# A ZIP or ZIP+4 not glued to other digits ("02118", "02118-1234").
_ZIP_RE = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")
_ONLY_4_DIGITS_RE = re.compile(r"\s*(\d{4})\s*")


# --- Index ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Town:
    """One place a name can resolve to, with everything a `Place` needs."""
    name: str
    place: Place
    parents: frozenset[str]  # normalized names of places this one lies within


@dataclass(frozen=True)
class _Index:
    exact: dict[str, _Town]          # normalized name -> town
    fuzzy_keys: tuple[str, ...]      # names for fuzzy matching...
    fuzzy_towns: tuple[_Town, ...]   # ...and the town each one means
    max_tokens: int                  # longest name, in words
    names: tuple[str, ...]           # every display name, sorted
    ma_zips: dict[str, dict]         # every MA ZIP record, decommissioned ones too


_DOTTED_PAIR_RE = re.compile(r"\b([A-Za-z])\.\s?([A-Za-z])\.(?!\w)")


def _key(text: str) -> str:
    """Comparable form of a place name: lower-case words, no punctuation."""
    text = _DOTTED_PAIR_RE.sub(r"\1\2", text)  # "R.I." -> "RI", "J.P." -> "JP"
    text = normalize(text).replace("'", "")
    return re.sub(r"[\s/#-]+", " ", text).strip()


def _expand(key: str) -> str:
    return " ".join(_ABBREVIATIONS.get(tok, tok) for tok in key.split())


def _boro_variant(key: str) -> str | None:
    if key.endswith("borough"):
        return key[: -len("borough")] + "boro"
    if key.endswith("boro"):
        return key + "ugh"
    return None


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _spelling_score(alias: str, city: str) -> float:
    """How much `alias` looks like another way of writing `city` (0-100).

    100 for the same letters once abbreviations are expanded and spaces removed
    ("N Attleboro", "Dennisport"), 95 for an abbreviation that keeps the letters
    in order ("Spfld", "Wmstown", "Sconset"), else the fuzzy ratio ("Halyoke").
    """
    a = _expand(alias).replace(" ", "")
    c = city.replace(" ", "")
    variants = {a, _boro_variant(a) or a}
    if c in variants:
        return 100.0
    if len(a) >= 4 and a[0] == c[0] and _is_subsequence(a, c):
        return 95.0
    return max(fuzz.ratio(v, c) for v in variants)


def _display_name(alias: str) -> str:
    """The alias with postal abbreviations spelled out: "S Chelmsford" -> "South Chelmsford"."""
    words = alias.split()
    return " ".join(_ABBREVIATIONS.get(w.lower(), w).title() if w.lower() in _ABBREVIATIONS
                    and len(words) > 1 else w for w in words)


def _make_place(name: str, records: list[dict]) -> Place:
    # Coordinates and the town's own ZIP come from active STANDARD ZIPs (where
    # people live); PO Box and single-organisation ("UNIQUE") ZIPs only when a
    # place has nothing else. "Exactly one ZIP" means exactly one such ZIP, so
    # Northampton (01060 + a PO Box ZIP + Smith College's ZIP) gives 01060.
    standard = [r for r in records if r["zip_code_type"] == "STANDARD"]
    chosen = sorted(standard or records, key=lambda r: r["zip_code"])
    lat = sum(float(r["lat"]) for r in chosen) / len(chosen)
    lon = sum(float(r["long"]) for r in chosen) / len(chosen)
    counties = Counter(r["county"] for r in chosen if r.get("county"))
    county = sorted(counties.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if counties else None
    zip_code = chosen[0]["zip_code"] if len(chosen) == 1 else None
    return Place(town=name, zip_code=zip_code, county=county,
                 latitude=round(lat, 4), longitude=round(lon, 4))


def _make_town(name: str, records: list[dict]) -> _Town:
    # A place lies within another when every one of its residential ZIPs
    # names the other as its city or an accepted city: all Dorchester ZIPs
    # accept "Boston", but only one Boston ZIP accepts "Roxbury".
    standard = [r for r in records if r["zip_code_type"] == "STANDARD"] or records
    names = [{_key(r["city"])} | {_key(a) for a in r.get("acceptable_cities") or ()}
             for r in standard]
    parents = frozenset.intersection(*map(frozenset, names)) - {_key(name)}
    return _Town(name=name, place=_make_place(name, records), parents=parents)


@functools.lru_cache(maxsize=1)
def _index() -> _Index:
    all_ma = zipcodes.filter_by(state="MA")
    records = [r for r in all_ma if r.get("active")
               and r.get("lat") and r.get("long") and r.get("city")]

    by_city: dict[str, list[dict]] = {}
    for r in records:
        by_city.setdefault(r["city"], []).append(r)
    towns: dict[str, _Town] = {_key(c): _make_town(c, rs) for c, rs in sorted(by_city.items())}
    exact: dict[str, _Town] = dict(towns)

    def add(key: str, town: _Town) -> None:
        if key and key not in exact:
            exact[key] = town

    # Other names the postal data lists for a ZIP: USPS-accepted ones
    # ("acceptable_cities") and ones it only recognises ("unacceptable_cities").
    alias_records: dict[str, list[tuple[dict, bool]]] = {}
    alias_names: dict[str, str] = {}
    for r in records:
        for field, accepted in (("acceptable_cities", True), ("unacceptable_cities", False)):
            for alias in r.get(field) or ():
                k = _key(alias)
                if k and k not in towns:
                    alias_records.setdefault(k, []).append((r, accepted))
                    alias_names.setdefault(k, alias)

    own_places: list[tuple[str, str, list[dict]]] = []
    for k, found in sorted(alias_records.items()):
        # A spelling of the ZIP's own city ("N Attleboro", "Spfld", "Halyoke")?
        # Accepted names must be the same letters or an abbreviation (>= 95),
        # so a neighbouring town ("Westhampton" on an Easthampton ZIP) is not
        # folded in; the other list may also differ by a typo (>= 85).
        best_score, best_city = max((_spelling_score(k, _key(r["city"])), _key(r["city"]))
                                    for r, _accepted in found)
        accepted_rs = [r for r, accepted in found if accepted]
        if best_score >= (95 if accepted_rs else 85):
            add(k, towns[best_city])
        elif accepted_rs:
            # A USPS-accepted place name of its own (Bourne, Aquinnah, Wollaston).
            own_places.append((k, alias_names[k], accepted_rs))
        # Otherwise a company or generic local name ("Bank Of America",
        # "West Side" for Worcester): too risky to match, left out.

    # Accepted names that are spellings of each other for the same ZIPs
    # ("Boston Clg" / "Boston College") become one place, named by the longest.
    own_places.sort(key=lambda p: (-len(p[1]), p[0]))
    made: list[tuple[str, frozenset[str], _Town]] = []
    for k, name, rs in own_places:
        zips = frozenset(r["zip_code"] for r in rs)
        same = [t for mk, mz, t in made if mz == zips and _spelling_score(k, _expand(mk)) >= 95]
        town = same[0] if same else _make_town(_display_name(name), rs)
        if not same:
            made.append((k, zips, town))
        add(k, town)

    for name, cities in _EXTRA_PLACES.items():
        rs = [r for c in cities for r in by_city.get(c, ())]
        if rs and _key(name) not in exact:
            exact[_key(name)] = _make_town(name, rs)
    for nickname, city in _NICKNAMES.items():
        if _key(city) in exact:
            add(_key(nickname), exact[_key(city)])

    # Every key also under its abbreviation-expanded and -boro/-borough forms.
    for k, town in list(exact.items()):
        for variant in (_expand(k), _boro_variant(k), _boro_variant(_expand(k))):
            if variant:
                add(variant, town)

    keys = tuple(sorted(exact))
    return _Index(
        exact=exact,
        fuzzy_keys=keys,
        fuzzy_towns=tuple(exact[k] for k in keys),
        max_tokens=max(len(k.split()) for k in keys),
        names=tuple(sorted({t.name for t in exact.values()})),
        ma_zips={r["zip_code"]: r for r in all_ma if r.get("lat") and r.get("long")},
    )


def town_names() -> tuple[str, ...]:
    """Every Massachusetts place name this module can resolve, sorted."""
    return _index().names


@functools.lru_cache(maxsize=60)
def _cities_in_state(state: str) -> frozenset[str]:
    return frozenset(_key(r["city"]) for r in zipcodes.filter_by(state=state) if r.get("city"))


def _zip_record(zip_code: str) -> dict | None:
    """The ZIP's record, or None if there is no such ZIP.

    Massachusetts ZIPs come from the index (the same records
    `zipcodes.matching` returns, without its ~1.5 ms scan); others are
    looked up once each to tell "another state" from "no such ZIP".
    """
    return _index().ma_zips.get(zip_code) or _other_zip_record(zip_code)


@functools.lru_cache(maxsize=4096)
def _other_zip_record(zip_code: str) -> dict | None:
    try:
        found = zipcodes.matching(zip_code)
    except (TypeError, ValueError):
        return None
    return found[0] if found else None


# --- Resolving -----------------------------------------------------------------

def _place_for_zip(record: dict) -> Place:
    return Place(town=record["city"], zip_code=record["zip_code"],
                 county=record.get("county") or None,
                 latitude=float(record["lat"]), longitude=float(record["long"]))


def _spans(tokens: list[str], max_n: int):
    """(start, end) of every run of up to `max_n` tokens, longest runs first."""
    for n in range(min(max_n, len(tokens)), 0, -1):
        for start in range(len(tokens) - n + 1):
            yield start, start + n


def _exact_matches(tokens: list[str]) -> list[tuple[int, int, _Town]]:
    """Place names found word-for-word, longest first, not overlapping."""
    index = _index()
    taken = [False] * len(tokens)
    found = []
    for start, end in _spans(tokens, index.max_tokens):
        if any(taken[start:end]):
            continue
        town = index.exact.get(" ".join(tokens[start:end]))
        if town is not None:
            found.append((start, end, town))
            taken[start:end] = [True] * (end - start)
    return found


def _distinct(towns) -> list[_Town]:
    seen, out = set(), []
    for t in towns:
        if t.name not in seen:
            seen.add(t.name)
            out.append(t)
    return out


def _most_specific(towns: list[_Town]) -> _Town | None:
    """The one town that lies within all the others ("Roxbury, Boston")."""
    for t in towns:
        if all(o is t or _key(o.name) in t.parents for o in towns):
            return t
    return None


def _fuzzy_scores(query: str) -> list[tuple[_Town, float]]:
    """Best score per distinct town for `query`, best first."""
    index = _index()
    hits = process.extract(query, index.fuzzy_keys, scorer=fuzz.ratio,
                           limit=25, score_cutoff=NEAR_MISS_SCORE)
    best: dict[str, tuple[_Town, float]] = {}
    for key_text, score, i in hits:
        town = index.fuzzy_towns[i]
        if key_text[:1] != query[:1]:
            # People rarely get the first letter wrong: "worchester" is
            # Worcester (94.7), not Dorchester (90.0 before this penalty).
            score -= FIRST_LETTER_PENALTY
        if town.name not in best or score > best[town.name][1]:
            best[town.name] = (town, score)
    kept = [ts for ts in best.values() if ts[1] >= NEAR_MISS_SCORE]
    return sorted(kept, key=lambda ts: (-ts[1], ts[0].name))


def _ambiguous(towns) -> LocationResult:
    names = tuple(t.name for t in _distinct(towns))[:MAX_CANDIDATES]
    return LocationResult(place=None, problem=AMBIGUOUS, candidates=names)


def _out_of_state(tokens: list[str], ma_found: list[tuple[int, int, _Town]]) -> bool:
    """Does the answer name a place in another state ("Nashua NH", "Rhode Island")?"""
    if not tokens:
        return False
    # "<city> <state code>": only when the city really is in that state, so
    # "lee ok" or "im in" do not count.
    code = tokens[-1].upper()
    if code in _STATE_CODES and len(tokens) >= 2:
        cities = _cities_in_state(code)
        for n in range(1, min(4, len(tokens))):
            if " ".join(tokens[-1 - n:-1]) in cities:
                return True
    # A state's name, unless the answer also names a Massachusetts town
    # elsewhere ("Florida" and "Washington" are also small MA towns).
    for start, end in _spans(tokens, 3):
        if " ".join(tokens[start:end]) not in _STATE_NAMES:
            continue
        overlapping = [m for m in ma_found if m[0] < end and m[1] > start]
        if len(overlapping) < len(ma_found):
            continue  # a Massachusetts town elsewhere in the answer
        if any(m[0] < start or m[1] > end for m in overlapping):
            continue  # part of a longer town name ("Mount Washington")
        others = [t for t in tokens[:start] + tokens[end:] if t not in _FILLER]
        if not overlapping or others:
            # "Vermont", "New York City"; "Tampa, Florida" but not "Florida".
            return True
    return False


def _resolve_zip(clean: str, tokens: list[str]) -> LocationResult | None:
    zips = list(dict.fromkeys(_ZIP_RE.findall(clean)))
    if not zips:
        match = _ONLY_4_DIGITS_RE.fullmatch(clean)
        # "2118": a Massachusetts ZIP whose leading zero was lost.
        record = _zip_record("0" + match.group(1)) if match else None
        if record is not None and record.get("state") == "MA":
            return LocationResult(place=_place_for_zip(record), problem=None)
        return None

    records = [r for r in (_zip_record(z) for z in zips) if r is not None]
    in_ma = [r for r in records if r.get("state") == "MA"]
    if in_ma:
        towns = list(dict.fromkeys(r["city"] for r in in_ma))
        if len(towns) > 1:
            return LocationResult(place=None, problem=AMBIGUOUS,
                                  candidates=tuple(towns[:MAX_CANDIDATES]))
        return LocationResult(place=_place_for_zip(in_ma[0]), problem=None)

    ma_named = _distinct(t for _s, _e, t in _exact_matches(tokens))
    if records:
        # A real ZIP in another state. If the answer also names a
        # Massachusetts town that is not that ZIP's own city, one of the two
        # is a typo: ask rather than turn the person away.
        other_cities = {_key(r["city"]) for r in records}
        ma_only = [t for t in ma_named if _key(t.name) not in other_cities]
        if ma_only:
            return _ambiguous(ma_only)
        return LocationResult(place=None, problem=NOT_MASSACHUSETTS)
    # No such ZIP. A town named alongside it still tells us where they are.
    return None if ma_named else LocationResult(place=None, problem=UNKNOWN)


def _tokens(clean: str) -> list[str]:
    text = _ZIP_RE.sub(" ", clean)
    key = _key(text)
    return key.split() if key else []


def resolve_location(text: str) -> LocationResult:
    """Where the person is, from their answer. Never raises."""
    try:
        return _resolve(text)
    except Exception:  # noqa: BLE001 - a bad answer must never break the chat
        return LocationResult(place=None, problem=UNKNOWN)


def _resolve(text: str) -> LocationResult:
    clean = clean_message(text if isinstance(text, str) else None)
    if not clean:
        return LocationResult(place=None, problem=UNKNOWN)
    tokens = _tokens(clean)

    by_zip = _resolve_zip(clean, tokens)
    if by_zip is not None:
        return by_zip

    # Names as typed, plus single-letter directions spelled out ("e boston").
    expanded = [_USER_ABBREVIATIONS.get(t, t) if len(tokens) > 1 else t for t in tokens]
    found = _exact_matches(expanded)
    if _out_of_state(expanded, found):
        return LocationResult(place=None, problem=NOT_MASSACHUSETTS)
    towns = _distinct(t for _s, _e, t in sorted(found, key=lambda m: m[0]))
    if len(towns) == 1:
        return LocationResult(place=towns[0].place, problem=None)
    if towns:
        specific = _most_specific(towns)
        if specific is not None:
            return LocationResult(place=specific.place, problem=None)
        return _ambiguous(towns)

    return _resolve_fuzzy([t for t in expanded if t not in _FILLER])


def _resolve_fuzzy(words: list[str]) -> LocationResult:
    if not words or len(words) > _MAX_FUZZY_TOKENS:
        return LocationResult(place=None, problem=UNKNOWN)

    # 1. The whole answer, minus filler words, as one name ("new bedfrod").
    whole = " ".join(words)
    scores = _fuzzy_scores(whole) if len(whole) >= _MIN_FUZZY_CHARS else []
    if scores and scores[0][1] >= ACCEPT_SCORE:
        if len(scores) == 1 or scores[0][1] - scores[1][1] >= ACCEPT_GAP:
            return LocationResult(place=scores[0][0].place, problem=None)
        return _ambiguous(t for t, s in scores if s >= scores[0][1] - ACCEPT_GAP)

    # 2. A misspelt name among other words ("worcestor near the bus station"):
    #    runs of up to 3 words, longest first; each must be a clear match.
    if len(words) > 1:
        taken = [False] * len(words)
        accepted: list[_Town] = []
        unclear: list[_Town] = []
        for start, end in _spans(words, 3):
            if any(taken[start:end]):
                continue
            query = " ".join(words[start:end])
            if len(query) < _MIN_FUZZY_CHARS:
                continue
            run = _fuzzy_scores(query)
            if not run or run[0][1] < ACCEPT_SCORE:
                continue
            taken[start:end] = [True] * (end - start)
            if len(run) == 1 or run[0][1] - run[1][1] >= ACCEPT_GAP:
                accepted.append(run[0][0])
            else:
                unclear.extend(t for t, s in run if s >= run[0][1] - ACCEPT_GAP)
        accepted = _distinct(accepted)
        if len(accepted) == 1 and not unclear:
            return LocationResult(place=accepted[0].place, problem=None)
        if accepted or unclear:
            return _ambiguous(accepted + unclear)

    # 3. Near misses: offer them, do not guess.
    if scores and len(whole.replace(" ", "")) >= _MIN_NEAR_MISS_CHARS:
        return _ambiguous(t for t, _s in scores)
    return LocationResult(place=None, problem=UNKNOWN)
