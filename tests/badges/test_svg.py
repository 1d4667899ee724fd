"""The badge images: sizes from real font metrics, escaping, accessibility, themes."""

import xml.etree.ElementTree as ET  # parses our own output only

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges import svg
from badges.data import BadgeData
from badges.metrics import ELLIPSIS, fit, text_width
from tools.verdicts import CommunitySummary, PanelSummary

NS = "{http://www.w3.org/2000/svg}"


def make_data(**overrides) -> BadgeData:
    values = {
        "tool_id": 1,
        "slug": "tool",
        "name": "Mixtral 8x22B",
        "tagline": "Sparse mixture of experts",
        "verdict": "ship",
        "ships": 4,
        "skips": 1,
        "average_score": 74.4,
        "community_ships": 30,
        "community_skips": 10,
    } | overrides
    return BadgeData(
        tool_id=values["tool_id"],
        slug=values["slug"],
        name=values["name"],
        tagline=values["tagline"],
        panel=PanelSummary(
            verdict=values["verdict"],
            ships=values["ships"],
            skips=values["skips"],
            average_score=values["average_score"],
        ),
        community=CommunitySummary(
            ships=values["community_ships"], skips=values["community_skips"]
        ),
    )


def parse(document: str) -> ET.Element:
    return ET.fromstring(document)  # noqa: S314 -- our own SVG, under test


def texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{NS}text"))


def right_edge(element: ET.Element) -> float:
    x, length = float(element.get("x")), float(element.get("textLength"))
    if element.get("text-anchor") == "middle":
        return x + length / 2
    return x + length


def test_widths_come_from_the_bundled_font():
    # DejaVu Sans: "A" advances 1401 of 2048 units, bold "A" 1585.
    assert text_width("A", 2048) == pytest.approx(1401)
    assert text_width("A", 2048, bold=True) == pytest.approx(1585)
    assert text_width("ii", 11) < text_width("WW", 11)


def test_glyphs_the_font_lacks_take_one_em_and_joiners_take_none():
    assert text_width("日本語", 10) == pytest.approx(30)
    assert text_width("👩‍💻", 10) == pytest.approx(10)  # one glyph drawn, not two
    assert text_width("e\u0301", 10) == pytest.approx(text_width("e", 10))


def test_fit_keeps_short_text_and_truncates_long_text_with_an_ellipsis():
    assert fit("Cursor", 200, 16, bold=True) == "Cursor"
    long_name = "Extremely Long Tool Name " * 4
    fitted = fit(long_name, 200, 16, bold=True)
    assert fitted.endswith(ELLIPSIS)
    assert text_width(fitted, 16, bold=True) <= 200
    assert long_name.startswith(fitted[:-1])


@pytest.mark.parametrize(
    "name",
    [
        "A" * 80,
        # Greek on purpose: the ambiguous-letter lint does not apply to test data.
        "Ω" * 10 + " Σύστημα αξιολόγησης εργαλείων τεχνητής νοημοσύνης για προγραμματιστές",  # noqa: RUF001
        "日本語のコード補完アシスタント、とても長い名前のツールです、本当に長い",
        "Rocket 🚀🚀🚀 Family 👨‍👩‍👧‍👦 Flags 🇯🇵🇬🇷 Faces 😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
        "W" * 80,
    ],
)
@pytest.mark.parametrize("style", svg.STYLES)
def test_long_and_wide_names_never_overflow_or_collide(name, style):
    rendered = svg.render(make_data(name=name), style, "light")
    root = parse(rendered.svg)
    width = float(root.get("width"))
    assert width == rendered.width
    elements = texts(root)
    for element in elements:
        assert right_edge(element) <= width - 4, element.text
        size, bold = float(element.get("font-size")), "bold" in element.get("class")
        measured = text_width(element.text, size, bold=bold)
        assert float(element.get("textLength")) == pytest.approx(measured, abs=0.01)
    if style == "card":
        name_element = elements[1]
        assert name_element.text.endswith(ELLIPSIS) or name_element.text == name
        assert float(name_element.get("x")) >= 92  # right of the verdict panel
        baselines = [float(element.get("y")) for element in elements[1:]]
        assert baselines == sorted(set(baselines))  # one text per line
    else:
        label, message = elements
        assert right_edge(label) < float(message.get("x"))


def test_compact_badge_reads_the_verdict_and_keeps_its_size_as_the_figures_grow():
    rendered = svg.render(make_data(), "compact", "light")
    root = parse(rendered.svg)
    assert rendered.height == 20
    assert [element.text for element in texts(root)] == [
        "ShipOrSkip",
        "SHIP · 4 ships · 1 skip · 75% community",
    ]
    quiet = svg.render(make_data(community_ships=1, community_skips=0), "compact", "light")
    assert texts(parse(quiet.svg))[1].text == "SHIP · 4 ships · 1 skip"
    assert (quiet.width, quiet.height) == (rendered.width, rendered.height) == (360, 20)


def test_card_shows_name_verdict_panel_and_community():
    rendered = svg.render(make_data(), "card", "light")
    assert (rendered.width, rendered.height) == (360, 90)
    shown = [element.text for element in texts(parse(rendered.svg))]
    assert shown == [
        "SHIP",
        "Mixtral 8x22B",
        "Panel: 4 ships · 1 skip · avg 74/100",
        "Community: 75% ship · 40 votes",
        "ShipOrSkip",
    ]


@pytest.mark.parametrize(
    ("verdict", "ships", "skips", "word"),
    [("skip", 1, 3, "SKIP"), ("split", 2, 2, "SPLIT"), ("pending", 1, 0, "PENDING")],
)
def test_every_verdict_has_its_word(verdict, ships, skips, word):
    data = make_data(verdict=verdict, ships=ships, skips=skips)
    for style in svg.STYLES:
        root = parse(svg.render(data, style, "light").svg)
        assert any(word in element.text for element in texts(root))
        assert word in root.get("aria-label")


@pytest.mark.parametrize("style", svg.STYLES)
def test_badges_are_accessible_images(style):
    root = parse(svg.render(make_data(), style, "auto").svg)
    assert root.get("role") == "img"
    label = root.get("aria-label")
    assert label == root.find(f"{NS}title").text
    assert label == (
        "ShipOrSkip verdict on Mixtral 8x22B: SHIP · 4 ships · 1 skip; "
        "community 75% ship · 40 votes"
    )


def test_not_reviewed_badge_is_neutral_and_does_not_echo_input():
    for style in svg.STYLES:
        root = parse(svg.render(None, style, "light").svg)
        assert root.get("aria-label") == "ShipOrSkip: not reviewed"
        shown = " ".join(element.text for element in texts(root))
        assert "SHIP" not in shown
        assert "SKIP" not in shown


def test_themes_light_dark_and_auto():
    light = svg.render(make_data(), "card", "light").svg
    dark = svg.render(make_data(), "card", "dark").svg
    auto = svg.render(make_data(), "card", "auto").svg
    assert ".b{fill:#ffffff}" in light
    assert "prefers-color-scheme" not in light
    assert ".b{fill:#1c2129}" in dark
    assert "#ffffff}" not in dark.split(".lt")[0]
    assert "@media (prefers-color-scheme:dark){" in auto
    assert ".b{fill:#ffffff}" in auto
    assert ".b{fill:#1c2129}" in auto


def test_unknown_style_and_theme_fall_back_to_the_defaults():
    default = svg.render(make_data())
    assert svg.render(make_data(), "huge<script>", "neon").svg == default.svg
    assert (default.width, default.height) == (360, 90)
    assert "prefers-color-scheme" in default.svg


HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "]]>",
        "<![CDATA[",
        '"',
        "'",
        "&",
        "&amp;",
        "<",
        ">",
        '" onload="alert(1)',
        "</text><script>x</script>",
        "\x00\x01\x1b",
        "\ufffe",
        "\u202e",
        "<!--",
        "&#x3C;",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    fragments=st.lists(st.one_of(HOSTILE, st.text(max_size=8)), min_size=1, max_size=8),
    style=st.sampled_from(svg.STYLES),
)
def test_hostile_names_come_out_as_text(fragments, style):
    name = "".join(fragments)
    root = parse(svg.render(make_data(name=name), style, "auto").svg)
    tags = {element.tag for element in root.iter()}
    assert tags <= {f"{NS}{tag}" for tag in ("svg", "title", "style", "rect", "path", "text")}
    for element in root.iter():
        assert not any(attribute.startswith("on") for attribute in element.attrib)
    expected = svg.description(make_data(name=name))
    assert root.get("aria-label") == expected
    assert root.find(f"{NS}title").text == expected
    if style == "card":
        shown = texts(root)[1].text or ""
        assert shown == fit(svg.one_line(name), 240, 16, bold=True)
