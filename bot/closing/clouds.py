"""Word clouds of open-text answers: from the texts people typed to a PNG and its alt text.

Knows nothing of Slack beyond ignoring its markup (<@U123>, <!channel>, links,
:emoji:) in the texts. The text handling is written for short event answers:

- Words are lower-cased, except that a word most people typed in capitals is
  shown in capitals ("LCAP"). Answers of three or more words typed all in
  capitals are shouting and have no say in this.
- Stop words: the library's English list plus a few more (EXTRA_STOP_WORDS),
  plus the caller's per-event list. All are matched case-insensitively; a
  caller's entry of several words ("ca lmi") removes that phrase, and a
  caller's single word also removes its plural.
- Plurals are merged into whichever of the two forms is more frequent, and
  only when both forms occur: -ies/-y, -es after s/x/z/ch/sh, else -s, never
  -ss/-us/-is ("business", "status", "analysis"), plus a few listed words.
- Two neighbouring words (no stop word, number, link or punctuation between
  them) count as a phrase when the pair occurs at least PHRASE_MIN_COUNT
  times and makes up at least PHRASE_MIN_SHARE of the uses of its rarer word;
  those uses are then counted for the phrase, not its words. Overlapping
  phrases join up to MAX_PHRASE_WORDS words ("shared decision making").
- Apostrophes and hyphens inside words are kept ("labor-management"), a
  possessive 's is dropped ("district's" is "district"), and so is a French
  elision ("l'équipe" is "équipe"); numbers, emoji, symbols, links, e-mail
  addresses and mentions are dropped. Accented letters are kept, in either
  Unicode form.
- Words the font cannot draw (Chinese, Arabic and other scripts; right-to-left
  text in any font, since it would come out reversed) are left out and
  reported in Cloud.skipped.
"""

from __future__ import annotations

import io
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from random import Random
from typing import Any, TypeVar

from bot.core import formatting
from bot.polls import NO_ANSWERS_NOTE

# The drawing libraries (wordcloud, matplotlib, numpy, Pillow) are imported where a
# cloud is drawn, not here: a process answering votes never pays for them.

EXTRA_STOP_WORDS = frozenset(
    {
        "will", "also", "can", "us", "may", "might", "must", "just", "really", "much", "many", "lot",
        "lots", "thing", "things", "get", "got", "make", "made", "one", "way", "well", "even", "still",
        "yet", "etc", "within", "without", "upon", "via", "think", "im", "ive", "dont", "cant", "wont",
        "isnt", "doesnt", "didnt", "thats", "youre", "theyre", "let", "new", "need",
    }
)  # fmt: skip


@lru_cache(maxsize=1)
def english_stop_words() -> frozenset[str]:
    """The library's English stop words and EXTRA_STOP_WORDS."""
    from wordcloud.wordcloud import STOPWORDS  # not "from wordcloud": see bench/wordcloud.py

    return frozenset(w.replace("’", "'") for w in STOPWORDS) | EXTRA_STOP_WORDS


# Plural-looking words that are not plurals of the word without the s.
NOT_PLURALS = frozenset(
    {"news", "always", "perhaps", "series", "species", "means", "ethics", "politics", "economics",
     "physics", "mathematics", "sometimes", "lens", "yes", "has", "was", "does", "goes"}
)  # fmt: skip

PHRASE_MIN_COUNT = 3
PHRASE_MIN_SHARE = 0.25
MAX_PHRASE_WORDS = 3  # overlapping pairs join up to this many words: "shared decision making"

# The layout is computed on a canvas of about this many pixels and drawn scaled up to
# the requested size: the library's placement scans the whole canvas for every word at
# every font size it tries, so its cost grows with the canvas area.
LAYOUT_PIXELS = 480_000
MIN_DRAWN_FONT_PX = 10  # smaller words are unreadable in a picture this size anyway
MARGIN_DIVISOR = 90  # space between words: 10 px at 1600x900
MIN_CONTRAST = 2.0  # colormap colours fainter than this against the background are not used

ALT_TEXT_LIMIT = 1000  # Slack's limit for a file's alt text
_TITLE_LIMIT = 300

ONLY_COMMON_WORDS = "The answers contain only common words."
ONLY_UNDRAWABLE = "The answers contain only words in scripts the cloud's font cannot draw."
NO_WORDS = "The answers contain no words, only emoji, numbers, links or mentions."

_TOKENS = re.compile(
    r"""
      <(?:[@#!]|\w+:)[^<>]*>                # Slack markup: <@U123>, <!channel>, <#C1|x>, <https://…|x>
    | (?:https?://|www\.)\S+                # bare links
    | [^\s@<>]+@[^\s@<>]+\.\w+              # e-mail addresses
    | @[\w.\-]+                             # typed @mentions
    | :[\w+\-']+:                           # emoji codes: :tada:
    | &(?:amp|lt|gt);                       # what Slack escapes in message text
    | ([^\W_]+(?:['’\-][^\W_]+)*)           # a word, with inner apostrophes and hyphens
    | [^\w\s]+                              # anything else breaks a phrase
    """,
    re.VERBOSE,
)
_NUMBER_CHARS = "0123456789'’-"


class NoWords(ValueError):
    """Nothing is left to draw; the message says why, in words fit to show to a facilitator."""


@dataclass(frozen=True)
class CloudStyle:
    """How a cloud looks. Invalid values fail here rather than halfway through a render."""

    width: int = 1600
    height: int = 900
    background: str = "white"
    colormap: str = "viridis"  # a matplotlib colormap name
    font_path: str | None = None  # a .ttf/.otf; None = DejaVu Sans, which ships with matplotlib
    max_words: int = 150
    seed: int = 2015  # same input, same picture

    def __post_init__(self) -> None:
        if self.width < 50 or self.height < 50:
            raise ValueError(f"a word cloud needs at least 50x50 pixels, not {self.width}x{self.height}")
        if self.max_words < 1:
            raise ValueError("max_words must be at least 1")
        import matplotlib
        from PIL import ImageColor

        if self.colormap not in matplotlib.colormaps:
            raise ValueError(f"unknown colormap {self.colormap!r}")
        ImageColor.getrgb(self.background)  # raises ValueError for an unknown colour
        if self.font_path is not None and not os.path.isfile(self.font_path):
            raise ValueError(f"font file not found: {self.font_path}")


@dataclass(frozen=True)
class Cloud:
    """A rendered cloud and what went into it."""

    png: bytes  # the image, exactly width x height
    frequencies: list[tuple[str, int]]  # what was drawn, most frequent first
    skipped: list[str]  # words left out because the font cannot draw them, most frequent first
    answers: int  # how many texts went in


@dataclass
class _Analysis:
    counts: Counter[str] = field(default_factory=Counter)
    answers: int = 0
    nonblank: int = 0
    saw_words: bool = False  # any word at all before stop words were removed


def word_frequencies(texts: Iterable[str], *, stop_words: Iterable[str] = ()) -> Counter[str]:
    """Words and phrases in `texts` with how often each occurs, as they would be drawn.

    Font coverage is not considered here: a Chinese word is counted like any
    other, and make_cloud decides whether it can be drawn.
    """
    return _analyse(texts, stop_words).counts


def make_cloud(
    texts: Iterable[str], *, style: CloudStyle | None = None, stop_words: Iterable[str] = ()
) -> Cloud:
    """Draw the answers as a word cloud PNG of exactly style.width x style.height.

    The same texts, stop words and style give byte-identical PNGs. Raises
    NoWords when nothing is left to draw.
    """
    style = style or CloudStyle()
    analysis = _analyse(texts, stop_words)
    font = style.font_path or default_font()
    drawable: dict[str, int] = {}
    skipped: list[str] = []
    for word, count in _ranked(analysis.counts):
        if _can_draw(word, font):
            drawable[word] = count
        else:
            skipped.append(word)
    if not drawable:
        if skipped:
            raise NoWords(ONLY_UNDRAWABLE)
        if analysis.saw_words:
            raise NoWords(ONLY_COMMON_WORDS)
        raise NoWords(NO_WORDS if analysis.nonblank else NO_ANSWERS_NOTE)  # as every results view says it

    from PIL import Image
    from wordcloud.wordcloud import WordCloud

    scale = max(1.0, math.sqrt(style.width * style.height / LAYOUT_PIXELS))
    cloud = WordCloud(
        font_path=font,
        width=max(1, round(style.width / scale)),
        height=max(1, round(style.height / scale)),
        scale=scale,
        background_color=style.background,
        color_func=_color_func(style.colormap, style.background),
        max_words=style.max_words,
        min_font_size=max(4, math.ceil(MIN_DRAWN_FONT_PX / scale)),
        # Room between words, in layout pixels; the library's 2 lets small words settle
        # between the letters of big ones and neighbours run together once scaled up.
        margin=max(2, round(min(style.width, style.height) / MARGIN_DIVISOR / scale)),
        random_state=style.seed,
    )
    cloud.generate_from_frequencies(drawable)
    image = cloud.to_image()
    if image.size != (style.width, style.height):
        # Rounding the layout canvas can leave the scaled picture a pixel or two off.
        exact = Image.new("RGB", (style.width, style.height), style.background)
        exact.paste(image, (0, 0))
        image = exact
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    drawn = [(entry[0][0], drawable[entry[0][0]]) for entry in cloud.layout_]
    return Cloud(png=buffer.getvalue(), frequencies=drawn, skipped=skipped, answers=analysis.answers)


def alt_text(cloud: Cloud, *, title: str, top: int = 10) -> str:
    """A description of the cloud for screen readers, always under Slack's 1000-character limit.

    'Word cloud of 143 answers to "…". Top words: student achievement (12), trust (9), …'
    """
    title = " ".join(title.split())
    if len(title) > _TITLE_LIMIT:
        title = title[: _TITLE_LIMIT - 1] + "…"
    answers = formatting.count(cloud.answers, "answer", "answers")
    text = f'Word cloud of {answers} to "{title}".'
    tail = ""
    if cloud.skipped:
        n = len(cloud.skipped)
        tail = f" {formatting.count(n, 'word', 'words')} in scripts the font cannot draw left out."
    shown = [f"{word} ({count})" for word, count in cloud.frequencies[: max(0, top)]]
    if shown:
        text += " Top words: "
        room = ALT_TEXT_LIMIT - 1 - len(text) - len(tail) - len("….")
        picked: list[str] = []
        for item in shown:
            if len(", ".join([*picked, item])) > room:
                break
            picked.append(item)
        text += ", ".join(picked) + ("…" if len(picked) < len(shown) else "") + "."
    return (text + tail)[: ALT_TEXT_LIMIT - 1]


@lru_cache(maxsize=1)
def default_font() -> str:
    """DejaVu Sans from matplotlib (a dependency of wordcloud), else wordcloud's own font."""
    import matplotlib
    from wordcloud.wordcloud import FONT_PATH as LIBRARY_FONT

    path = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")
    return path if os.path.isfile(path) else str(LIBRARY_FONT)


# ------------------------------------------------------------------ text


def _analyse(texts: Iterable[str], stop_words: Iterable[str]) -> _Analysis:
    stop, stop_phrases = _stop_lists(stop_words)
    result = _Analysis()
    sequences: list[list[str | None]] = []  # per answer, the kept words; None where a phrase cannot span
    tally: Counter[str | None] = Counter()
    capitals: Counter[str] = Counter()  # how often each word was typed as an acronym ...
    shouted: Counter[str | None] = Counter()  # ... and how often it came in an answer all in capitals
    # Answers repeat the same few thousand tokens, so each distinct one is worked out once.
    # Stop words are settled there too, unless stop phrases must be matched first.
    known: dict[str, tuple[str | None, bool]] = {}
    typed_in_capitals: list[int] = []  # where stop phrases are matched first: positions, counted after
    settle_stop = stop if not stop_phrases else frozenset()
    findall = _TOKENS.findall
    for text in texts:
        result.answers += 1
        if not text or text.isspace():
            continue
        result.nonblank += 1
        text = unicodedata.normalize("NFC", text)
        # Capitals in an answer typed all in capitals say nothing about the word, unless the
        # answer is a word or two long: "LCAP" is as likely an answer as "TRUST".
        shouting = text.isupper() and len(text.split()) > 2
        keys: list[str | None] = []
        for raw in findall(text):
            token = known.get(raw)
            if token is None:
                token = known[raw] = _token(raw, settle_stop)
            key, capital = token
            if capital and not shouting:
                if stop_phrases:
                    typed_in_capitals.append(len(keys))
                else:
                    capitals[key] += 1  # type: ignore[index]
            keys.append(key)
        if stop_phrases:
            _remove_phrases(keys, stop_phrases)
            keys = [None if k in stop else k for k in keys]
            capitals.update(keys[i] for i in typed_in_capitals if keys[i])  # type: ignore[misc]
            typed_in_capitals.clear()
        sequences.append(keys)
        tally.update(keys)
        if shouting:
            shouted.update(keys)
    result.saw_words = any(raw and raw.strip(_NUMBER_CHARS) for raw in known)
    counts: Counter[str] = Counter({k: n for k, n in tally.items() if k is not None})

    def shown(key: str) -> str:
        return key.upper() if 2 * capitals[key] > counts[key] - shouted[key] > 0 else key

    roots = _plural_roots(counts)
    if roots:
        grouped = [[roots.get(k, k) if k else None for k in seq] for seq in sequences]
        merged: Counter[str] = Counter()
        for key, count in counts.items():
            merged[roots.get(key, key)] += count
    else:
        grouped, merged = sequences, counts
    phrases = _phrases(grouped, merged)
    words, runs = _count_with_phrases(sequences, grouped, phrases) if phrases else (counts.copy(), Counter())

    # A phrase or word is drawn in the form people used most: "teachers" if they wrote that
    # more often than "teacher", and in capitals if most uses were.
    def rooted(run: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(roots.get(w, w) for w in run)

    # Every pair in a run is a phrase, but a longer run can be too rare to show as one: it
    # then counts as its first pair and the words after that.
    totals: Counter[tuple[str, ...]] = Counter()
    for run, count in runs.items():
        totals[rooted(run)] += count
    for run, count in list(runs.items()):
        if len(run) > 2 and totals[rooted(run)] < PHRASE_MIN_COUNT:
            del runs[run]
            runs[run[:2]] += count
            for word in run[2:]:
                words[word] += count
    final: Counter[str] = Counter()
    run_forms: dict[tuple[str, ...], Counter[tuple[str, ...]]] = {}
    for run, count in runs.items():
        run_forms.setdefault(rooted(run), Counter())[run] = count
    for root_run, variants in run_forms.items():
        final[" ".join(shown(w) for w in _most_used(variants, root_run))] = sum(variants.values())
    word_forms: dict[str, Counter[str]] = {}
    for word, count in words.items():
        word_forms.setdefault(roots.get(word, word), Counter())[word] = count
    for root, spellings in word_forms.items():
        final[shown(_most_used(spellings, root))] = sum(spellings.values())
    result.counts = final
    return result


def _token(raw: str, stop: Collection[str]) -> tuple[str | None, bool]:
    """The word a token counts as (None for a number, a stop word or not a word), and whether
    it was typed in capitals."""
    if not raw or not raw.strip(_NUMBER_CHARS):
        return None, False
    key = raw.lower()
    if "’" in key:
        key = key.replace("’", "'")
    if key in stop:
        return None, False
    if key.endswith("'s"):
        key = key[:-2]
    if len(key) > 2 and key[1] == "'" and key[0] in "cdjlmnst":
        key = key[2:]  # French elision: l'équipe, d'accord
    elif key.startswith("qu'"):
        key = key[3:]
    if len(key) < 2 or key in stop:
        return None, False
    return key, raw.isupper()


def _stop_lists(extra: Iterable[str]) -> tuple[Collection[str], dict[str, list[tuple[str, ...]]]]:
    """The caller's stop words added to the English list; entries of several words apart."""
    words = set(english_stop_words())
    phrases: dict[str, list[tuple[str, ...]]] = {}
    for entry in extra:
        parts = tuple(
            w.lower().replace("’", "'") for w in _TOKENS.findall(unicodedata.normalize("NFC", entry)) if w
        )
        if not parts:
            continue
        if len(parts) > 1:
            phrases.setdefault(parts[0], []).append(parts)
            words.add("-".join(parts))  # "CA LMI" is two tokens, "CA-LMI" one
            continue
        words.update(_with_plural(parts[0]))
        if "-" in parts[0]:
            pieces = tuple(parts[0].split("-"))
            phrases.setdefault(pieces[0], []).append(pieces)
    return words, phrases


def _with_plural(word: str) -> set[str]:
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    return forms


def _remove_phrases(keys: list[str | None], phrases: dict[str, list[tuple[str, ...]]]) -> None:
    for i, key in enumerate(keys):
        for phrase in phrases.get(key, ()) if key else ():
            if tuple(keys[i : i + len(phrase)]) == phrase:
                keys[i : i + len(phrase)] = [None] * len(phrase)
                break


def _singulars(word: str) -> tuple[str, ...]:
    """Words `word` may be the plural of, most likely first."""
    if len(word) < 4 or word[-1] != "s" or word in NOT_PLURALS:
        return ()
    if word.endswith("ies"):
        return word[:-3] + "y", word[:-1]  # policies, movies
    if word.endswith("es") and (word[-3] in "sxz" or word.endswith(("ches", "shes"))):
        return word[:-2], word[:-1]  # classes, boxes, churches; but also houses
    if word.endswith(("ss", "us", "is")):
        return ()
    return (word[:-1],)


def _plural_roots(counts: Counter[str]) -> dict[str, str]:
    """Each word in `counts` that is the plural of another word in `counts`, with that word."""
    roots: dict[str, str] = {}
    for word in counts:
        for singular in _singulars(word):
            if singular in counts:
                roots[word] = singular
                break
    return roots


_T = TypeVar("_T", str, tuple[str, ...])


def _most_used(variants: Counter[_T], preferred: _T) -> _T:
    """The most used of the variants; on a tie, the preferred one (the singular), else the first."""
    return max(sorted(variants), key=lambda v: (variants[v], v == preferred))


def _phrases(sequences: list[list[str | None]], counts: Counter[str]) -> set[tuple[str, str]]:
    """Neighbouring pairs frequent enough, and tied closely enough, to be drawn as one."""
    pairs: Counter[tuple[str | None, str | None]] = Counter()
    for seq in sequences:
        pairs.update(zip(seq, seq[1:], strict=False))
    # The share rule keeps words that are merely common from pairing up by chance: in ten
    # thousand answers, "trust" sits next to "union" often enough to pass any fixed count.
    return {
        (a, b)
        for (a, b), n in pairs.items()
        if a and b and a != b and n >= PHRASE_MIN_COUNT and n >= PHRASE_MIN_SHARE * min(counts[a], counts[b])
    }


def _count_with_phrases(
    sequences: list[list[str | None]], grouped: list[list[str | None]], phrases: set[tuple[str, str]]
) -> tuple[Counter[str], Counter[tuple[str, ...]]]:
    """Words outside phrases, and runs of words joined by phrases ("shared decision making"),
    as typed; `grouped` is `sequences` with plurals in their singular, which phrases are in."""
    words: Counter[str] = Counter()
    runs: Counter[tuple[str, ...]] = Counter()
    for seq, roots in zip(sequences, grouped, strict=True):
        i, n = 0, len(seq)
        while i < n:
            key = seq[i]
            if key is None:
                i += 1
                continue
            j = i + 1
            while j < n and j - i < MAX_PHRASE_WORDS and (roots[j - 1], roots[j]) in phrases:
                j += 1
            if j - i > 1:
                runs[tuple(seq[i:j])] += 1  # type: ignore[arg-type]
            else:
                words[key] += 1
            i = j
    return words, runs


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    # Ties in alphabetical order, so the order (and so the picture) does not depend on the
    # order of the answers.
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# ------------------------------------------------------------------ drawing


def _can_draw(word: str, font: str) -> bool:
    covered = _coverage(font)
    for char in word:
        if char == " ":
            continue
        if unicodedata.bidirectional(char) in ("R", "AL", "AN"):
            return False  # without bidi layout it would be drawn back to front
        if covered is not None:
            if ord(char) not in covered:
                return False
        elif not _probably_in_dejavu(char):
            return False
    return True


@lru_cache(maxsize=8)
def _coverage(font: str) -> frozenset[int] | None:
    """The code points the font has glyphs for, or None if fontTools cannot tell."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        return None
    try:
        with TTFont(font, lazy=True, fontNumber=0) as ttf:
            cmap = ttf.getBestCmap()
    except Exception:  # an unreadable font: fall back to the conservative check
        return None
    return frozenset(cmap) if cmap else None


def _probably_in_dejavu(char: str) -> bool:
    # Latin (with its extensions), Greek and Cyrillic: what any text font can be expected to draw.
    code = ord(char)
    return code < 0x0250 or 0x0370 <= code < 0x0530 or 0x1E00 <= code < 0x2000


def _color_func(colormap: str, background: str) -> Callable[..., str]:
    """Colours from the colormap, leaving out those too faint to read on the background
    (viridis's yellows on white), unless that would leave too few to tell words apart."""
    import matplotlib
    from PIL import ImageColor

    cmap = matplotlib.colormaps[colormap]
    colours = [tuple(round(255 * c) for c in cmap(i / 255)[:3]) for i in range(256)]
    back = ImageColor.getrgb(background)[:3]
    readable = [c for c in colours if _contrast(c, back) >= MIN_CONTRAST]
    palette = [f"rgb({r}, {g}, {b})" for r, g, b in (readable if len(readable) >= 64 else colours)]

    def colour(*_: Any, random_state: Random | None = None, **__: Any) -> str:
        return palette[(random_state or Random()).randrange(len(palette))]

    return colour


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG contrast ratio of two sRGB colours."""

    def luminance(rgb: tuple[int, ...]) -> float:
        linear = [(v / 255) / 12.92 if v <= 10 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
