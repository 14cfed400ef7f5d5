"""Reading needs from a person's answer to "What would help you most right now?"."""
from __future__ import annotations

import pytest

from screening import need_words
from screening.need_words import needs_from_text, parse_ranking
from screening.needs import NEED_CATEGORIES

ENGLISH = [
    # several needs, in the order mentioned
    ("I need somewhere to stay and help with my court stuff", ("housing", "legal")),
    ("food n a job", ("food", "employment")),
    ("got evicted last week, need a lawyer", ("housing", "legal")),
    ("behind on rent and the electric is about to get shut off", ("housing", "utilities")),
    ("need a job and a ride to work", ("employment", "transportation")),
    ("detox then a sober house", ("substance_use", "housing")),
    ("methadone clinic is too far, i need a bus pass", ("substance_use", "transportation")),
    ("anxiety real bad and i got no insurance", ("mental_health", "health_care")),
    ("my bf beats me and i need a place to stay", ("safety", "housing")),
    ("need a shelter and narcan", ("housing", "harm_reduction")),
    ("food first then housing", ("food", "housing")),
    ("food food food", ("food",)),
    ("housing/food", ("housing", "food")),
    # single needs, slang and everyday words
    ("a place to crash", ("housing",)),
    ("couch surfing rn", ("housing",)),
    ("section 8", ("housing",)),
    ("sober house", ("housing", "substance_use")),
    ("i need to get my CORI sealed", ("legal",)),
    ("need my ID and birth certificate", ("legal",)),
    ("court hearing", ("legal",)),
    ("I'd like a job", ("employment",)),
    ("need bupe", ("substance_use",)),
    ("fentanyl", ("substance_use",)),
    ("narcan and fentanyl test strips", ("harm_reduction",)),
    ("need new needles", ("harm_reduction",)),
    ("therapy, ive been so depressed", ("mental_health",)),
    ("I feel hopeless", ("mental_health",)),
    ("MassHealth got cut off", ("health_care",)),
    ("dentist", ("health_care",)),
    ("food stamps", ("food",)),
    ("SNAP and WIC", ("food",)),
    ("hungry", ("food",)),
    ("my heat got shut-off", ("utilities",)),
    ("phone bill", ("utilities",)),
    ("a ride to my appointments", ("transportation",)),
    ("he hits me", ("safety",)),
    ("I don't feel safe at home", ("safety",)),
    ("restraining order", ("safety",)),
    ("at least a shelter bed", ("housing",)),
    # typos
    ("housng and a lawer", ("housing", "legal")),
    ("need therapy n a docter", ("mental_health", "health_care")),
    ("suboxon", ("substance_use",)),
    ("transportaion", ("transportation",)),
    ("lawyers", ("legal",)),
    # numbers from the list, alone or with words
    ("1 and 6", ("housing", "mental_health")),
    ("1 6", ("housing", "mental_health")),
    ("1,6", ("housing", "mental_health")),
    ("1/6", ("housing", "mental_health")),
    ("6 and 1", ("mental_health", "housing")),
    ("#3", ("employment",)),
    ("three", ("employment",)),
    ("number 2 please", ("food",)),
    ("1 and a lawyer", ("housing", "legal")),
    ("4, 8 and food", ("substance_use", "legal", "food")),
    ("1 2 3 4 5 6 7 8 9 10 11 12", NEED_CATEGORIES),
    ("12", ("other",)),
    ("13", ()),
    ("0", ()),
    # numbers that are amounts, dates or times, not picks from the list
    ("2 kids and no food", ("food",)),
    ("I have court 3/12 and need a lawyer", ("legal",)),
    ("court at 9:30 and i need a ride", ("legal", "transportation")),
    ("I need $5 for the bus", ("transportation",)),
    ("no one will hire me", ("employment",)),
    ("I can't count on anyone", ("other",)),
    # nothing needed
    ("idk", ()),
    ("nothing", ()),
    ("i'm fine", ()),
    ("I’m good thanks", ()),
    ("no", ()),
    ("nope", ()),
    ("skip", ()),
    ("", ()),
    ("   ", ()),
    ("nothing right now", ()),
    ("none of these", ()),
    ("i dunno man", ()),
    ("👍", ()),
    # a request in the person's own words
    ("help with my kids' school", ("other",)),
    ("i need help", ("other",)),
    ("something else", ("other",)),
    ("childcare and a job", ("other", "employment")),
    # whole words only: "car" is not found in "carpet"
    ("I need a carpet", ("other",)),
]

SPANISH = [
    ("necesito un lugar para vivir y trabajo", ("housing", "employment")),
    ("trabajo y un lugar donde quedarme", ("employment", "housing")),
    ("trabajo, comida, y ayuda con la corte", ("employment", "food", "legal")),
    ("la renta y la luz", ("housing", "utilities")),
    ("sin trabajo y sin casa", ("employment", "housing")),
    ("ansiedad y estoy deprimida", ("mental_health",)),
    ("metadona y un raite", ("substance_use", "transportation")),
    ("vivienda", ("housing",)),
    ("albergue", ("housing",)),
    ("me van a desalojar, no tengo para la renta", ("housing",)),
    ("tengo corte la próxima semana y necesito un abogado", ("legal",)),
    ("antecedentes penales", ("legal",)),
    ("mi record", ("legal",)),
    ("busco empleo", ("employment",)),
    ("hombre, necesito trabajo", ("employment",)),
    ("tratamiento para dejar las drogas", ("substance_use",)),
    ("desintoxicación", ("substance_use",)),
    ("desintoxicasion", ("substance_use",)),
    ("necesito narcan y jeringas", ("harm_reduction",)),
    ("terapia", ("mental_health",)),
    ("comida", ("food",)),
    ("tengo hambre", ("food",)),
    ("cupones de comida", ("food",)),
    ("me cortaron la luz y no puedo pagar las facturas", ("utilities",)),
    ("corte de luz", ("utilities",)),
    ("calefacción", ("utilities",)),
    ("mi esposo me pega", ("safety",)),
    ("no me siento segura en casa", ("safety",)),
    ("me amenaza mi ex", ("safety",)),
    ("seguro médico", ("health_care",)),
    ("necesito un médico", ("health_care",)),
    ("no tengo seguro medico ni doctor", ("health_care",)),
    ("guagua", ("transportation",)),
    ("pase de autobús", ("transportation",)),
    ("tres", ("employment",)),
    ("el uno y el seis", ("housing", "mental_health")),
    ("1 y 6", ("housing", "mental_health")),
    ("el 2 por favor", ("food",)),
    ("nada", ()),
    ("no sé", ()),
    ("ninguno", ()),
    ("estoy bien gracias", ()),
    ("ayuda con mis hijos en la escuela", ("other",)),
    ("necesito ayuda", ("other",)),
    # people mix languages
    ("a job y comida", ("employment", "food")),
    ("housing y un abogado", ("housing", "legal")),
]


@pytest.mark.parametrize("text, expected", ENGLISH)
def test_needs_from_english_text(text, expected):
    assert needs_from_text(text, "en") == expected


@pytest.mark.parametrize("text, expected", SPANISH)
def test_needs_from_spanish_text(text, expected):
    assert needs_from_text(text, "es") == expected


@pytest.mark.parametrize("language", ["en", "es", "fr", ""])
def test_both_lexicons_are_used_whatever_the_language(language):
    assert needs_from_text("a place to stay y trabajo", language) == ("housing", "employment")


@pytest.mark.parametrize(
    "text, expected",
    [
        (None, ()),
        (12345, ()),
        ("\x00\x07housing\x1b\x7f", ("housing",)),
        ("🏠🍔🙏", ()),
        ("'; DROP TABLE needs; --", ("other",)),
        ("1; DELETE FROM screenings", ("other",)),
        # the trailing "1=1" reads as list numbers "1 1": odd, but harmless
        ("1; DELETE FROM screenings WHERE 1=1", ("housing",)),
        ("<script>alert(1)</script>", ("other",)),
        ("housing " * 1000, ("housing",)),
        ("x" * 5000, ("other",)),
        ("1" * 5000, ()),
        ("a\u0301\u200b\ufeff", ()),  # "á" and zero-width characters: only the word "a"
    ],
)
def test_bad_input_never_raises(text, expected):
    assert needs_from_text(text, "en") == expected


CURRENT = ("housing", "food", "legal")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2 1 3", ("food", "housing", "legal")),
        ("2,1,3", ("food", "housing", "legal")),
        ("2 then 1", ("food", "housing", "legal")),
        ("two then three", ("food", "legal", "housing")),
        ("3", ("legal", "housing", "food")),
        ("#2", ("food", "housing", "legal")),
        ("dos", ("food", "housing", "legal")),
        ("3 is the most important", ("legal", "housing", "food")),
        ("2 2", ("food", "housing", "legal")),
        ("ok", CURRENT),
        ("fine", CURRENT),
        ("that order", CURRENT),
        ("that's fine", CURRENT),
        ("yes", CURRENT),
        ("sí", CURRENT),
        ("así está bien", CURRENT),
        ("👍", CURRENT),
        ("doesn't matter", CURRENT),
        ("no importa", CURRENT),
        ("housing first", CURRENT),
        ("food first", ("food", "housing", "legal")),
        ("court", ("legal", "housing", "food")),
        ("la comida", ("food", "housing", "legal")),
        ("housing, then court", ("housing", "legal", "food")),
        ("lawyer first then food", ("legal", "food", "housing")),
        ("primero la vivienda", CURRENT),
        ("el dos", ("food", "housing", "legal")),
        ("2 y luego 1", ("food", "housing", "legal")),
        ("same", CURRENT),
        ("keep it like that", CURRENT),
        ("4", None),
        ("0", None),
        ("2 5", None),
        ("therapy", None),
        ("banana", None),
        ("no", None),
        ("the second one", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_ranking(text, expected):
    assert parse_ranking(text, CURRENT) == expected


def test_parse_ranking_accepts_a_list_and_does_not_change_it():
    current = ["housing", "food"]
    assert parse_ranking("2", current) == ("food", "housing")
    assert current == ["housing", "food"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_category_has_keywords(language):
    needs = need_words.load_lexicon(language)["needs"]
    assert set(needs) <= set(NEED_CATEGORIES)
    for category in NEED_CATEGORIES:
        if category != "other":
            assert needs.get(category), f"needs_{language}.yaml has no words for {category}"


@pytest.mark.parametrize("language", ["en", "es"])
def test_lexicon_entries_are_all_text(language):
    # "no", "yes", "on" are YAML 1.1 booleans; the loader must keep them as words.
    for key, value in need_words.load_lexicon(language).items():
        entries = [w for words in value.values() for w in words] if key == "needs" else value
        assert all(isinstance(entry, str) for entry in entries), key


# --- what a named need is doing: negated, had, fine, context; order; how sure -------------
# Examples written for these tests from how people answer "What would help you most?".

READINGS = [
    # negation: only what is wanted, in the order meant
    ("not food, I need work", ("employment",), True),
    ("I don't need food, I need a job", ("employment",), True),
    ("i dont need food i need a job", ("employment",), True),
    ("I need help with my drug use, not housing", ("substance_use",), True),
    ("I'm not homeless but I need food", ("food",), True),
    ("no necesito comida, necesito trabajo", ("employment",), True),
    ("no necesito comida ni ropa, necesito un lugar para vivir", ("housing",), True),
    ("housing instead of food", ("housing",), True),
    # a lack is a need; a feeling said with "not" is a need
    ("no food and no job", ("food", "employment"), True),
    ("I have no food", ("food",), True),
    ("I do not feel safe", ("safety",), True),
    ("I don't feel safe at home", ("safety",), True),
    # what the person has, or says is fine, is not a need
    ("I have a car, I need housing", ("housing",), True),
    ("I have a job but need a place to live", ("housing",), True),
    ("I got a job, I need a place", ("housing",), True),
    ("got evicted, need a lawyer", ("housing", "legal"), True),
    ("food is fine, help with rent", ("housing",), True),
    ("tengo carro pero necesito casa", ("housing",), True),
    ("la comida está bien, necesito ayuda con la renta", ("housing",), True),
    # a vehicle or food mentioned as context
    ("somewhere to sleep, I've been sleeping in my car", ("housing",), True),
    ("I need a place to sleep, I'm in my car", ("housing",), True),
    ("necesito donde dormir, duermo en mi carro", ("housing",), True),
    ("I need a job so I can pay rent", ("employment",), False),
    ("I need food because I lost my job", ("food",), False),
    ("because I'm homeless", ("housing",), True),
    # a plain wish for a stable home
    ("a stable home", ("housing",), True),
    ("I want a steady place to live", ("housing",), True),
    ("my own place", ("housing",), True),
    ("un techo", ("housing",), True),
    ("un lugar estable", ("housing",), True),
    # several needs in the order meant, priority words
    ("housing first then a job", ("housing", "employment"), True),
    ("a job, but housing is most important", ("housing", "employment"), True),
    ("housing, but mostly food", ("food", "housing"), True),
    ("trabajo y sobre todo comida", ("food", "employment"), True),
    # slang
    ("need a gig", ("employment",), True),
    ("chamba", ("employment",), True),
    ("a roof over my head", ("housing",), True),
    # unsure: confirm with the person
    ("un aventón al doctor", ("transportation",), False),   # where the ride goes is context
    ("money", ("utilities",), False),
    ("my car", ("transportation",), False),
    ("a stable situation", ("other",), False),
    ("I need to get my life together", ("other",), False),
    ("childcare", ("other",), True),
    ("nothing, I'm good", (), True),
    ("1 and 6", ("housing", "mental_health"), True),
]


@pytest.mark.parametrize("text, needs, sure", READINGS)
def test_read_needs(text, needs, sure):
    reading = need_words.read_needs(text, "en")
    assert (reading.needs, reading.sure) == (needs, sure)


@pytest.mark.parametrize("text, needs", [
    ("no tengo casa", ("housing",)), ("no tengo trabajo ni carro", ("employment", "transportation")),
    ("I don't have a car", ("transportation",)), ("I don't have a job", ("employment",)),
    ("we dont have food", ("food",)), ("tengo trabajo, necesito casa", ("housing",)),
])
def test_a_lack_is_a_need_and_having_is_not(text, needs):
    assert needs_from_text(text, "en") == needs


@pytest.mark.parametrize("text, language, needs, sure", [
    # where a ride goes, and what a wanted thing is like, are context (confirmed with the person)
    ("a ride to my court date", "en", ("transportation",), False),
    ("rides to the suboxone clinic", "en", ("transportation",), False),
    ("a therapist who takes masshealth", "en", ("mental_health",), False),
    ("a job that pays enough for rent", "en", ("employment",), False),
    ("landlord that takes people with a record", "en", ("housing",), False),
    ("un raite al trabajo", "es", ("transportation",), False),
    # only context: the needs after the first marker are meant
    ("ayuda para pagar la luz porque no tengo trabajo", "es", ("utilities",), False),
    # who or where a need is for names nothing
    ("groceries for the house", "en", ("food",), True),
    ("comida pa los niños", "es", ("food",), True),
    ("despensa para la casa", "es", ("food",), True),
    # "no X, Y" in Spanish: not X (confirmed with the person); a lack elsewhere
    ("no trabajo, casa", "es", ("housing",), False),
    ("no casa, no comida", "es", ("housing", "food"), True),
    ("no food, no heat", "en", ("food", "utilities"), True),
    # more of the person's own words
    ("getting to my doctor appointments", "en", ("transportation",), False),
    ("my uncle threatens me", "en", ("safety",), True),
    ("someone i can vent to", "en", ("mental_health",), True),
    ("a way to check my stuff for fent", "en", ("harm_reduction",), False),
    ("bloodwork and my teeth fixed", "en", ("health_care",), True),    # "fixed" is not "fired"
    ("suboxone doctor", "en", ("substance_use",), True),
    ("quiero chambear", "es", ("employment",), True),
    ("alguien con quien hablar", "es", ("mental_health",), True),
    ("tiras de prueba", "es", ("harm_reduction",), True),
    ("orden de restricción", "es", ("safety",), True),
])
def test_read_needs_in_context(text, language, needs, sure):
    reading = need_words.read_needs(text, language)
    assert (reading.needs, reading.sure) == (needs, sure)
