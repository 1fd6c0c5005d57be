"""Word clouds: what counts as a word, and the picture made of them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.closing import (
    ALT_TEXT_LIMIT,
    Cloud,
    CloudStyle,
    NoWords,
    alt_text,
    make_cloud,
    word_frequencies,
)

SMALL = CloudStyle(width=400, height=240, max_words=40)


def image(cloud: Cloud) -> Image.Image:
    return Image.open(io.BytesIO(cloud.png))


# ------------------------------------------------------------------ words


def test_plurals_are_merged_into_the_more_frequent_form() -> None:
    counts = word_frequencies(
        ["teachers", "teachers", "teacher", "policy", "policies", "policies", "box", "boxes", "church"]
        + ["churches", "class", "classes", "movie", "movies"]
    )
    assert counts["teachers"] == 3 and "teacher" not in counts
    assert counts["policies"] == 3 and "policy" not in counts
    assert counts["box"] == 2 and counts["church"] == 2 and counts["class"] == 2 and counts["movie"] == 2
    assert "boxes" not in counts and "churches" not in counts and "classes" not in counts


def test_words_that_only_look_plural_are_left_alone() -> None:
    counts = word_frequencies(
        ["business process analysis", "class status campus", "busines proces analysi clas statu campu"]
        + ["news is new", "series"]
    )
    for word in ("business", "process", "analysis", "class", "status", "campus", "news", "series"):
        assert counts[word] == 1, word


def test_a_plural_alone_is_not_cut_down() -> None:
    assert word_frequencies(["teachers trust", "bias"]) == {"teachers": 1, "trust": 1, "bias": 1}


def test_frequent_pairs_become_phrases_and_their_words_are_not_counted_again() -> None:
    texts = [
        "Student achievement is the goal",
        "we care about student achievement",
        "STUDENT ACHIEVEMENT",
        "student achievement and trust",
        "student voice",
    ]
    counts = word_frequencies(texts)
    assert counts["student achievement"] == 4
    assert counts["student"] == 1 and counts["voice"] == 1 and "achievement" not in counts
    assert counts["goal"] == 1 and counts["trust"] == 1


def test_a_pair_seen_twice_is_two_words() -> None:
    counts = word_frequencies(["shared vision", "a shared vision", "vision"])
    assert counts == {"shared": 2, "vision": 3}


def test_punctuation_and_stop_words_break_a_phrase() -> None:
    texts = ["trust, respect", "trust. respect", "trust and respect", "trust (respect)"]
    assert word_frequencies(texts) == {"trust": 4, "respect": 4}


def test_overlapping_phrases_join_up() -> None:
    texts = ["shared decision making works", "Shared decision making", "more shared decision making!"]
    counts = word_frequencies([*texts, "decision making", "shared decision making, at last"])
    assert counts["shared decision making"] == 4 and counts["decision making"] == 1
    assert "decision" not in counts and "making" not in counts and "shared decision" not in counts
    # Too rare as three words: the first pair is still a phrase.
    counts = word_frequencies(
        ["student achievement"] * 3 + ["achievement gap"] * 3 + ["student achievement gap"]
    )
    assert counts == {"student achievement": 4, "achievement gap": 3, "gap": 1}


def test_common_words_pair_up_only_when_they_belong_together() -> None:
    # "trust" and "union" sit side by side now and then; that is no phrase.
    texts = [f"trust idea{n}, union topic{n}" for n in range(100)] + ["trust union"] * 3
    counts = word_frequencies(texts)
    assert "trust union" not in counts and counts["trust"] == 103 and counts["union"] == 103


def test_english_stop_words_go_and_case_is_folded() -> None:
    counts = word_frequencies(["We will also need to build TRUST with us and the Union", "Trust can grow"])
    assert counts == {"build": 1, "trust": 2, "union": 1, "grow": 1}


def test_per_event_stop_words_are_case_insensitive_and_cover_plurals_and_phrases() -> None:
    texts = ["CA LMI is about partnership", "ca lmi partnerships", "Symposium on CA-LMI", "calm lmi ca"]
    counts = word_frequencies(texts, stop_words=["Partnership", "ca lmi", "SYMPOSIUM"])
    assert counts == {"calm": 1, "lmi": 1, "ca": 1}


def test_acronyms_keep_their_capitals_and_shouting_does_not() -> None:
    texts = ["The LCAP process", "LCAP", "our lcap", "WE WANT MORE TRUST NOW", "trust", "IT support"]
    counts = word_frequencies(texts)
    assert counts["LCAP"] == 3 and counts["trust"] == 2 and counts["support"] == 1
    assert "TRUST" not in counts
    assert "IT" not in counts  # a stop word whatever its case


def test_mentions_links_emoji_numbers_and_punctuation_are_dropped() -> None:
    texts = [
        "<@U123ABC> <!channel> trust!!! 🎉🎉 :tada: <#C024BE7LR|general>",
        "see https://example.org/a?b=c and www.example.com or <https://x.org|the site> — 2015 #1",
        "write to jane.doe@district.org, @maria: respect & dialogue &amp; 100% ✅ ★ → 3-4",
    ]
    counts = word_frequencies(texts)
    assert counts == {"trust": 1, "see": 1, "write": 1, "respect": 1, "dialogue": 1}


def test_apostrophes_and_hyphens_inside_words() -> None:
    counts = word_frequencies(["the district's plan", "districts’ plans", "labor-management works", "K-12"])
    assert counts == {"district": 2, "plan": 2, "labor-management": 1, "works": 1, "K-12": 1}


def test_accented_words_are_words() -> None:
    counts = word_frequencies(["L'équipe des niños", "équipe", "Ñandú é"])
    assert counts["équipe"] == 2 and counts["niños"] == 1 and counts["ñandú"] == 1
    # Decomposed accents (as some keyboards send them) are the same word.
    assert word_frequencies(["e\u0301quipe"]) == {"équipe": 1}


# ------------------------------------------------------------------ clouds


def test_words_the_font_cannot_draw_are_skipped_and_listed() -> None:
    texts = ["我们需要更多的信任", "الثقة والتعاون", "🎉🎉🙌", "trust and équipe", "Доверие"]
    cloud = make_cloud(texts, style=SMALL)
    drawn = dict(cloud.frequencies)
    assert drawn == {"trust": 1, "équipe": 1, "доверие": 1}
    assert sorted(cloud.skipped) == sorted(["我们需要更多的信任", "الثقة", "والتعاون"])
    assert cloud.answers == 5
    assert "3 words in scripts the font cannot draw left out" in alt_text(cloud, title="Q")


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ([], "No answers yet."),
        (["", "   \n"], "No answers yet."),
        (["the and of", "We will! Also: us."], "The answers contain only common words."),
        (["Symposium CA LMI"], "The answers contain only common words."),
        (
            ["我们需要更多的信任", "الثقة والتعاون", "and"],
            "The answers contain only words in scripts the cloud's font cannot draw.",
        ),
        (
            ["🎉🎉", "2015 <@U123> https://x.org"],
            "The answers contain no words, only emoji, numbers, links or mentions.",
        ),
    ],
)
def test_nothing_to_draw_says_why(texts: list[str], message: str) -> None:
    with pytest.raises(NoWords) as raised:
        make_cloud(texts, style=SMALL, stop_words=["symposium", "ca lmi"])
    assert str(raised.value) == message


def test_same_input_same_picture() -> None:
    texts = ["trust and collaboration", "student achievement", "union partnership"] * 5 + ["LCAP goals"]
    first = make_cloud(texts, style=SMALL)
    second = make_cloud(reversed(texts), style=SMALL)
    assert first.png == second.png
    assert first.frequencies == second.frequencies
    other = make_cloud(texts, style=CloudStyle(width=400, height=240, max_words=40, seed=7))
    assert other.png != first.png


def test_the_default_picture_is_1600_by_900_and_shows_the_words_most_frequent_first() -> None:
    texts = ["trust"] * 30 + ["collaboration!"] * 20 + ["union"] * 10 + ["equity"]
    cloud = make_cloud(texts)
    with image(cloud) as picture:
        assert picture.format == "PNG" and picture.size == (1600, 900)
        assert picture.getpixel((0, 0)) == (255, 255, 255)
    assert cloud.frequencies == [("trust", 30), ("collaboration", 20), ("union", 10), ("equity", 1)]
    assert cloud.answers == 61


@pytest.mark.parametrize(("width", "height"), [(333, 217), (1000, 1000), (1280, 720)])
def test_any_size_comes_out_exactly(width: int, height: int) -> None:
    cloud = make_cloud(["trust respect", "listening"], style=CloudStyle(width=width, height=height))
    with image(cloud) as picture:
        assert picture.size == (width, height)


def test_colormap_background_and_word_limit_are_used() -> None:
    texts = [f"word{n} " * n for n in range(1, 31)]
    style = CloudStyle(width=500, height=300, background="black", colormap="plasma", max_words=10)
    cloud = make_cloud(texts, style=style)
    assert [w for w, _ in cloud.frequencies] == [f"word{n}" for n in range(30, 20, -1)]
    with image(cloud) as picture:
        assert picture.size == (500, 300)
        colours = {picture.getpixel((x, y)) for x in range(0, 500, 2) for y in range(0, 300, 2)}
    assert (0, 0, 0) in colours and (255, 255, 255) not in colours
    assert any(isinstance(c, tuple) and c[0] > 200 and c[2] < 150 for c in colours)  # plasma's oranges


def test_a_single_word_is_a_cloud() -> None:
    cloud = make_cloud(["Trust"], style=SMALL)
    assert cloud.frequencies == [("trust", 1)] and cloud.answers == 1


def test_bad_styles_are_refused() -> None:
    with pytest.raises(ValueError, match="colormap"):
        CloudStyle(colormap="no-such-map")
    with pytest.raises(ValueError):
        CloudStyle(background="not a colour")
    with pytest.raises(ValueError, match="font file"):
        CloudStyle(font_path="/nowhere/font.ttf")
    with pytest.raises(ValueError, match="50x50"):
        CloudStyle(width=10)


# ------------------------------------------------------------------ alt text


def test_alt_text_names_the_question_and_the_top_words() -> None:
    cloud = Cloud(
        png=b"",
        frequencies=[("student achievement", 12), ("trust", 9), ("LCAP", 4), ("union", 2)],
        skipped=[],
        answers=143,
    )
    text = alt_text(cloud, title="What does  success look like?", top=3)
    assert text == (
        'Word cloud of 143 answers to "What does success look like?". '
        "Top words: student achievement (12), trust (9), LCAP (4)."
    )
    one = Cloud(png=b"", frequencies=[("trust", 1)], skipped=["信任"], answers=1)
    assert alt_text(one, title="Q") == (
        'Word cloud of 1 answer to "Q". Top words: trust (1).'
        " 1 word in scripts the font cannot draw left out."
    )


def test_alt_text_stays_under_slacks_limit() -> None:
    words = [("collaboration-" + "x" * 60 + str(n), 100 - n) for n in range(60)]
    cloud = Cloud(png=b"", frequencies=words, skipped=["信任"] * 5, answers=10_000)
    text = alt_text(cloud, title="Why? " * 400, top=60)
    assert len(text) < ALT_TEXT_LIMIT
    assert text.startswith('Word cloud of 10,000 answers to "Why? Why?')
    assert "…" in text and text.endswith("5 words in scripts the font cannot draw left out.")
    assert f"{words[0][0]} (100)" in text
