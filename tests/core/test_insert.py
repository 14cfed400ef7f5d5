"""The citation insert (`screening insert`): rendered to images and read back as a person's phone
and eyes would: every language's words are on it, and every code scans to that language's chat."""
from __future__ import annotations

import re
from pathlib import Path

import pypdfium2
import pytest
import yaml
import zxingcpp

from screening import cli
from screening.insert import FontMissing, InsertError, find_fonts, insert_blocks, render_insert
from screening.insert.texts import INSERT_DIR, LANGUAGES, NOT_REVIEWED, insert_texts, printable_number
from screening.program import load_program
from screening.text_checks import MAX_READING_GRADE, reading_grade, stigma_terms_in

from ..conftest import service_missing
from .test_carrier_keywords import instructs_a_carrier_keyword

BASE = "https://screening.example.org"
NUMBER = "+16175550100"
SIZES = ("letter", "half-letter", "card")


def squeezed(text: str) -> str:
    """Text without any spacing: a line wrapped in the PDF reads back whole."""
    return re.sub(r"\s+", "", text.replace("\u00a0", " "))


def read_back(document: bytes, scale: float = 2.0) -> tuple[str, list[list[str]]]:
    """The document's text, and per page what every code on it says once scanned."""
    pdf = pypdfium2.PdfDocument(document)
    text, codes = [], []
    for page in pdf:
        text.append(page.get_textpage().get_text_range())
        image = page.render(scale=scale).to_pil()
        codes.append(sorted(result.text for result in zxingcpp.read_barcodes(image)))
    return "\n".join(text), codes


def installed_fonts():
    """The Debian fonts (.ci/run installs them); elsewhere a visible skip, under CI=true a failure."""
    try:
        return find_fonts()
    except FontMissing as missing:
        service_missing("the insert's fonts", missing)


def make_insert(size="letter", languages=LANGUAGES, env=None):
    fonts = installed_fonts()
    program = load_program(env or {})
    blocks = insert_blocks(languages, program, number=NUMBER, public_base_url=BASE)
    document = render_insert(blocks, size, fonts, program_name=program.name,
                             web_address="screening.example.org/chat")
    return blocks, document


@pytest.mark.parametrize("size", SIZES)
def test_every_language_is_printed_and_every_code_opens_its_own_chat(size):
    blocks, document = make_insert(size)
    text, codes = read_back(document)
    flat = squeezed(text)
    for block in blocks:
        for part in (block.title, *block.lines, block.text_line, block.scan, block.rates):
            assert squeezed(part) in flat, (block.language, part)
    scanned = [code for page in codes for code in page]
    assert sorted(scanned) == sorted(f"{BASE}/chat?lang={code}" for code in LANGUAGES)
    assert all(page for page in codes)          # no page without a code to scan


def test_what_a_person_reads_in_their_language():
    _, document = make_insert(languages=("en", "es", "zh", "vi"))
    flat = squeezed(read_back(document)[0])
    for expected in ("Text SCREEN to (617) 555-0100", "about 10 minutes", "within 45 days",
                     "does not mean you admit anything", "Envíe EVALUAR por texto al (617) 555-0100",
                     "se quita la multa", "发短信中文到(617)555-0100", "免费需求评估",
                     "Nhắn DANHGIA đến số (617) 555-0100", "Đánh giá nhu cầu miễn phí"):
        assert squeezed(expected) in flat, expected


def test_a_voluntary_program_prints_no_fine_no_deadline_and_no_court():
    blocks, document = make_insert(env={"PROGRAM_MODE": "voluntary", "PROGRAM_NAME": "Lowell Connects"})
    flat = squeezed(read_back(document)[0])
    assert "45" not in flat
    for language in LANGUAGES:
        for line in insert_texts(language)["fine_waiver"].values():
            assert squeezed(line.format(program_name="Lowell Connects")) not in flat, language
    assert squeezed("There is no fine and no deadline.") in flat and "court" not in flat
    assert squeezed("Run by Lowell Connects.") in flat


def test_a_programs_own_start_words_are_printed():
    _, document = make_insert(languages=("es", "kea"), env={"INSERT_KEYWORD_ES": "chequeo"})
    flat = squeezed(read_back(document)[0])
    assert squeezed("Envíe CHEQUEO por texto") in flat and "EVALUAR" not in flat
    assert squeezed("Manda KRIOLU pa mensaji") in flat


def test_the_languages_come_in_the_order_asked_and_only_those():
    blocks, document = make_insert(languages=("vi", "en"))
    text, codes = read_back(document)
    assert [b.language for b in blocks] == ["vi", "en"]
    assert text.index("Đánh giá") < text.index("Free needs check")
    assert codes == [[f"{BASE}/chat?lang=en", f"{BASE}/chat?lang=vi"]]
    assert "EVALUAR" not in text


@pytest.mark.parametrize("languages, message", [
    (["en", "fr"], "unknown language fr"), ([], "unknown language"), (["EN", " es "], None),
])
def test_language_codes_are_checked(languages, message):
    if message is None:
        assert [b.language for b in insert_blocks(languages, load_program({}), number=NUMBER,
                                                  public_base_url=BASE)] == ["en", "es"]
        return
    with pytest.raises(InsertError, match=message):
        insert_blocks(languages, load_program({}), number=NUMBER, public_base_url=BASE)


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000", "http://localhost:8000", "http://10.0.0.5",
                                  "ftp://screening.example.org", ""])
def test_a_code_that_only_opens_on_this_machine_is_refused(base):
    with pytest.raises(InsertError, match="PUBLIC_BASE_URL"):
        insert_blocks(["en"], load_program({}), number=NUMBER, public_base_url=base)


@pytest.mark.parametrize("raw, shown", [("+16175550100", "(617)\u00a0555-0100"), ("617-555-0100", "(617)\u00a0555-0100"),
                                        ("73224", "73224")])
def test_the_number_is_printed_as_people_read_it(raw, shown):
    assert printable_number(raw) == shown


@pytest.mark.parametrize("raw", ["", "555", "+44 20 7946 0958", "call us"])
def test_a_number_no_one_can_text_is_refused(raw):
    with pytest.raises(InsertError, match="TWILIO_FROM_NUMBER"):
        printable_number(raw)


def test_missing_fonts_name_the_package_to_install(tmp_path):
    candidates = {"latin": ("fonts-dejavu-core", [tmp_path / "none.ttf"], 0),
                  "cjk": ("fonts-noto-cjk", [tmp_path / "none.ttc"], 2)}
    with pytest.raises(FontMissing, match="apt-get install fonts-dejavu-core fonts-noto-cjk"):
        find_fonts(candidates)


# ------------------------------------------------------------------ the command
@pytest.fixture
def insert_settings(monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    monkeypatch.setenv("TWILIO_FROM_NUMBER", NUMBER)
    for name in ("PROGRAM_MODE", "PROGRAM_NAME", "INSERT_KEYWORD", "INSERT_KEYWORD_ES"):
        monkeypatch.delenv(name, raising=False)


def test_the_command_writes_the_pdf_and_names_unreviewed_translations(insert_settings, tmp_path, capsys):
    installed_fonts()
    out = tmp_path / "insert.pdf"
    assert cli.main(["insert", "--out", str(out), "--language", "en,ht", "--size", "card"]) == 0
    text, codes = read_back(out.read_bytes())
    assert squeezed("Voye EVALYE pa tèks nan (617) 555-0100") in squeezed(text)
    assert sorted(c for page in codes for c in page) == [f"{BASE}/chat?lang=en", f"{BASE}/chat?lang=ht"]
    printed = capsys.readouterr()
    assert "wrote" in printed.out and f"{NOT_REVIEWED}: ht" in printed.err


@pytest.mark.parametrize("change, message", [
    ({"INSERT_KEYWORD": "STOP"}, "carrier keyword"),
    ({"PUBLIC_BASE_URL": "http://127.0.0.1:8000"}, "PUBLIC_BASE_URL"),
    ({"TWILIO_FROM_NUMBER": ""}, "TWILIO_FROM_NUMBER"),
])
def test_the_command_refuses_clearly_and_leaves_the_old_file(insert_settings, monkeypatch, tmp_path, capsys,
                                                              change, message):
    out = tmp_path / "insert.pdf"
    out.write_bytes(b"the good one")
    for name, value in change.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["insert", "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert out.read_bytes() == b"the good one"
    assert [p.name for p in tmp_path.iterdir()] == ["insert.pdf"]


def test_an_unknown_size_or_language_is_refused(insert_settings, tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["insert", "--out", str(tmp_path / "a.pdf"), "--size", "a4"])
    assert cli.main(["insert", "--out", str(tmp_path / "a.pdf"), "--language", "en,xx"]) == 2
    assert "unknown language xx" in capsys.readouterr().err
    assert not (tmp_path / "a.pdf").exists()


# ------------------------------------------------------------------ the words
def insert_strings(language):
    data = insert_texts(language)
    for mode in ("fine_waiver", "voluntary"):
        for part, text in data[mode].items():
            yield f"{language}:{mode}.{part}", text
    for part in ("title", "text", "scan", "rates"):
        yield f"{language}:{part}", data[part]


def test_every_language_has_every_part_and_unreviewed_ones_say_so():
    assert sorted(p.stem for p in INSERT_DIR.glob("*.yaml")) == sorted(LANGUAGES)
    shape = {k: sorted(v) if isinstance(v, dict) else None for k, v in insert_texts("en").items()}
    for language in LANGUAGES:
        data = insert_texts(language)
        assert {k: sorted(v) if isinstance(v, dict) else None for k, v in data.items()} == shape, language
        assert data["review"] == ("source" if language == "en" else NOT_REVIEWED), language
        assert "{keyword}" in data["text"] and "{number}" in data["text"], language


@pytest.mark.parametrize("where, text", [s for s in insert_strings("en")])
def test_the_english_insert_reads_at_grade_6_or_below(where, text):
    assert reading_grade(text) <= MAX_READING_GRADE, f"{where}: grade {reading_grade(text):.1f}"


@pytest.mark.parametrize("where, text", [s for lang in LANGUAGES for s in insert_strings(lang)])
def test_the_insert_never_asks_for_a_carrier_keyword(where, text):
    assert not instructs_a_carrier_keyword(text.format(keyword="SCREEN", number="1", program_name="P")), where


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_insert_uses_no_stigmatizing_words(language):
    assert [(w, t) for w, text in insert_strings(language) for t in stigma_terms_in(text, language)] == []


def test_the_insert_files_are_plain_yaml_with_no_code():
    for path in INSERT_DIR.glob("*.yaml"):
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path
