"""Understanding a question before searching: split it, find the place, the kind, fix typos.

Elders type the way they speak: several questions in one message, homophones (适老话改造,
南凝), filler (请问, 有没有). This module turns one message into one or more `Query` objects
with content terms, a region and a kind hint; the searcher does the rest.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import jieba

from index.ages import asked_age
from index.analysis import ensure_jieba, is_word, normalize, stopwords, terms
from index.vocabulary import Vocabulary
from knowledge.privacy import find_phone
from knowledge.regions import Region, all_place_names, find_mentions, resolve
from knowledge.wordfreq import COMMON, general_frequency

RARE_WORD = 10  # jieba's count under which a listed word is rare enough to be a typo (中新 3, 接到 1490)

_SPLIT = re.compile(r"(?<=[？?！!。；;\n])|(?=(?:另外|还有就是|还想问|顺便问|再问一下|再问))")
# what makes a clause ask; 扶手防滑什么的 (and so on), 这么, 那么 ask nothing
_QUESTION = re.compile(r"[？?]|吗|呢|哪|什么(?!的)|啥(?!的)|怎么|咋|多少|几|谁|有没有|是否|能否|可以|如何|(?<![这那多怎什要])么")
KIND_HINTS = {
    "subsidy": re.compile(r"补贴|补助|津贴|资助|奖励|多少钱|给钱|发钱|消费券|花多少|投入|投资"),
    "location": re.compile(r"哪里|在哪|哪儿|哪家|哪几家|哪些(?:机构|地方|基地|养老院|敬老院)|地址|电话(?:多少|号码|是多少)|联系方式|怎么联系|怎么去|附近|名单"
                           r"|有哪些|几家|多少家|几个(?:基地|机构|养老院|敬老院)|叫啥|叫什么"),
}


# A part asking only how to go about it (怎么申请, 去哪办) is about the topic of the part before.
PROCEDURE_WORDS = frozenset("申请 办理 办 手续 材料 流程 条件 报名 找 谁管".split())


@dataclass
class Query:
    text: str
    normalized: str
    terms: tuple[str, ...]
    region: Region | None = None
    kind_hint: str | None = None  # "subsidy" or "location" (service/base)
    corrections: dict[str, str] = field(default_factory=dict)
    places: tuple[str, ...] = ()
    age: int | None = None  # an elder's age the question names (85了): matched against age bands

    @property
    def age_term(self) -> str:
        """The term standing for the asked age among the query's weights ('' when none is asked)."""
        return f"{self.age}岁" if self.age is not None else ""


def split_questions(text: str) -> list[str]:
    """Split a message into questions; statements without a question join the next one.

    Sentences split at 。？！； and line breaks; inside a sentence a comma or a space also
    separates two questions when each side asks something ("…改造多少张，…改造多少户").
    """
    pieces = [c for p in _SPLIT.split(text) for c in _clauses(p.strip(" ，,、\t\n"))
              if c and c.strip(" ，,、\t。？?！!；;\n")]
    parts, context = [], ""
    for number, piece in enumerate(pieces, 1):
        if parts and number == len(pieces) and _trailing_remark(piece):
            context += piece
        elif _QUESTION.search(piece) or number == len(pieces):
            parts.append(context + piece)
            context = ""
        else:
            context += piece.rstrip("。；;！!") + "，"
    if context and parts:
        parts[-1] += "，" + context.rstrip("，")
    return [p for p in parts if terms(p)] or ([text] if text.strip() else [])


def _trailing_remark(piece: str) -> bool:
    """"…能送餐上门吗？我电话139…" or "…谢谢": said about the question before, not a new one —
    searched alone, "电话" would find whichever record mentions a phone."""
    if _QUESTION.search(piece):
        return False
    words = [t for t in terms(piece) if len(t) > 1 and not t.isdigit()]  # digits alone are no topic
    return bool(find_phone(piece)) or "****" in piece or len(words) <= 1


def _clauses(sentence: str) -> list[str]:
    """Cut a sentence at commas and spaces where a new question starts after a finished one."""
    groups: list[str] = []
    for chunk in re.split(r"[，,]|\s+", sentence):
        asks = bool(_QUESTION.search(chunk)) and len([t for t in terms(chunk) if len(t) > 1]) >= 1
        if groups and asks and _QUESTION.search(groups[-1]) and len(chunk) >= 4:
            groups.append(chunk)
        elif groups:
            groups[-1] += "，" + chunk
        else:
            groups.append(chunk)
    return groups


def correct(text: str, vocabulary: Vocabulary, known: frozenset[str] = frozenset()) -> tuple[str, dict[str, str]]:
    """Replace typos and homophones with the index's words: 适老话 → 适老化, 南凝 → 南宁. A way of
    saying things the lexicon lists (`known`: 长护险) is no typo, whatever the index lacks."""
    ensure_jieba()
    words, out, fixes, i, at = jieba.lcut(text), [], {}, 0, 0
    kept = {n for phrase in known if len(phrase) >= 2 and phrase in text
            for found in re.finditer(re.escape(phrase), text) for n in range(found.start(), found.end())}
    kept |= _named_institutions(text, words, vocabulary)
    while i < len(words):
        size, window, replacement = _fix_at(words, i, vocabulary)
        span = "".join(words[i:i + size])
        end = at + len(span)  # offsets in `text`, where the kept sayings were found
        if replacement and not kept.intersection(range(at, end)):
            fixes[window] = replacement
            span = span.replace(window, replacement, 1)
        out.append(span)
        i, at = i + size, end
    return "".join(out), fixes


def _named_institutions(text: str, words: list[str], vocabulary: Vocabulary) -> set[int]:
    """Offsets of the institution names the text writes whole, starting and ending where its
    words do: jieba may cut a name into characters (中|颐|颐养|园) that would pass for a typo of
    a known word (中医). A name starting inside a word (县老年养护院 in 泾|原县|…) is no name there."""
    bounds = {0, *itertools.accumulate(len(word) for word in words)}
    return {n for start, end in vocabulary.institution_spans(text)
            if start in bounds and end in bounds for n in range(start, end)}


def _fix_at(words: list[str], i: int, vocabulary: Vocabulary) -> tuple[int, str, str | None]:
    """(words consumed, suspicious window, its correction or None) for the words starting at i.

    Suspicious are runs of single characters (jieba's sign of a word it does not know) and
    words the index has never seen; for the latter, prefixes and suffixes are tried too.
    """
    run = 0
    while i + run < len(words) and _single_cjk(words[i + run]) and run < 5:
        run += 1
    glued = bool(run) and i + run < len(words) and _unknown(words[i + run], vocabulary)
    if glued:
        run += 1  # 泾|原县: a lone character glued to an unknown word is one suspicious window
    if run >= 2:
        window = _without_function_edges("".join(words[i:i + run]))
        if len(window) < 2:
            return run, window, None  # 是|先: a function word and one character are no typo of 实现
        # glued, only the whole window: 住|一个月 holds no typo of 主义 (住一 would cut 一个月 apart)
        for candidate in [window] if glued else _windows(window):  # 饭|唐有 → 饭唐 → 饭堂
            fix = _known_fix(candidate, vocabulary)
            if fix:
                return run, candidate, fix
        return run, window, None
    word = words[i]
    if len(word) >= 2 and i + 1 < len(words) and _single_cjk(words[i + 1]) and words[i + 1] not in stopwords() \
            and word not in all_place_names():  # 南宁|适老话 is no 南宁市
        fix = vocabulary.same_sound(word + words[i + 1])  # 黑龙|姜 → 黑龙江
        if fix and fix != word + words[i + 1]:
            return 2, word + words[i + 1], fix
    if not _unknown(word, vocabulary):
        return 1, word, None
    # only a whole word may sound near, and not through a function word: 降|压药 is no 医药, 这合 no 整合
    near = not any(ch in stopwords() for ch in word)
    for window in _windows(word):
        fix = _known_fix(window, vocabulary, near=near and window == word)
        if fix:
            return 1, window, fix
    return 1, word, None


def _without_function_edges(window: str) -> str:
    """A run of single characters without the function words at its ends (是, 有, 的)."""
    edges = "".join(ch for ch in window if ch in stopwords())
    return window.strip(edges) if edges else window


def _unknown(word: str, vocabulary: Vocabulary) -> bool:
    return len(word) >= 2 and _has_cjk(word) and word not in stopwords() and not vocabulary.knows(word)


def _windows(word: str) -> list[str]:
    """The unknown word, then its prefixes and suffixes of two characters or more."""
    return [word] + [word[:n] for n in range(len(word) - 1, 1, -1)] + [word[n:] for n in range(1, len(word) - 1)]


def _known_fix(window: str, vocabulary: Vocabulary, near: bool = False) -> str | None:
    """The word `window` is a typo of, unless it is a real word itself: 接到 is no 街道. A word
    jieba lists but general text hardly uses (中新, 3 uses) may still be a homophone typo of a word
    the knowledge uses (中心): only the same sound corrects it, or a near one (条列 → 条例) when
    `near` (the window is a whole word of the question), never mere similar spelling."""
    if is_word(window):
        if general_frequency(window) >= RARE_WORD:
            return None
        fix = vocabulary.same_sound(window) or (near and vocabulary.near_sound(window))
        return fix if fix and fix != window else None
    fix = vocabulary.closest(window, near)
    return fix if fix and fix != window else None


def _single_cjk(word: str) -> bool:
    return len(word) == 1 and _has_cjk(word)


def _has_cjk(word: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in word)


def understand(text: str, vocabulary: Vocabulary, default_region: Region | None = None,
               phrases: frozenset[str] = frozenset(), known: frozenset[str] = frozenset()) -> list[Query]:
    """One Query per question in the message; a place named anywhere applies to parts without one.

    "佛山和揭阳各有哪家基地" names two places side by side: it becomes one query per place.
    A spoken phrase of `phrases` (交钱 — from the colloquial lexicon) is one term, however jieba
    would cut it: the searcher expands it to the words documents use.
    """
    normalized, fixes = correct(normalize(text), vocabulary, known)
    parts = split_questions(normalized)
    regions = [_regions_of(part, vocabulary) for part in parts]
    message_region = next((rs[0] for rs, _ in regions if rs), None) or default_region
    queries: list[Query] = []
    message_age = asked_age(normalized)
    for part, (part_regions, places) in zip(parts, regions):
        age = asked_age(part) or message_age
        asked = _strip_places(part, places).replace(age[1], " ") if age else _strip_places(part, places)
        content_terms, hint = _content_terms(asked, phrases), _kind_hint(part)
        if queries and set(content_terms) <= PROCEDURE_WORDS:  # "广州有几家基地？惠州呢", "…多少钱，怎么申请"
            content_terms, hint = queries[-1].terms + content_terms, hint or queries[-1].kind_hint
        for region in part_regions or [message_region]:
            queries.append(Query(text=text if len(parts) == 1 else part, normalized=part, terms=content_terms,
                                 region=region, kind_hint=hint, corrections=fixes, places=places,
                                 age=age[0] if age else None))
    return queries


def _content_terms(text: str, phrases: frozenset[str]) -> tuple[str, ...]:
    """The part's terms, each spoken phrase in it (index.synonyms.Synonyms.phrases) kept whole,
    longest first, no overlaps."""
    found = []
    for phrase in sorted((p for p in phrases if p in text), key=len, reverse=True):
        if phrase in text:
            found.append(phrase)
            text = text.replace(phrase, " ")
    return terms(text) + tuple(found)


def _regions_of(text: str, vocabulary: Vocabulary) -> tuple[list[Region], tuple[str, ...]]:
    """The places a question is about, from names that stand as words of their own.

    A name must start and end on jieba's word boundaries (泾河源 is not 河源). A county's short
    name (龙湾, 城关 — also everyday words) counts only where the knowledge covers its city;
    written with its suffix (龙湾区) it always counts. Nested names (广西南宁) make one region;
    places side by side (佛山和揭阳) stay separate.
    """
    ensure_jieba()
    starts, ends = set(), set()
    for _, start, end in jieba.tokenize(text):
        starts.add(start)
        ends.add(end)
    places = [alias for offset, alias, codes in find_mentions(text)
              if offset in starts and offset + len(alias) in ends and _plausible(alias, codes, vocabulary)]
    found: list[Region] = []
    for alias in _asked_places(text, places, vocabulary):
        region = resolve(alias, abbreviations=False)
        nested = next((i for i, r in enumerate(found) if r.contains(region) or region.contains(r)), None)
        if nested is None:
            found.append(region)
        elif found[nested].contains(region):
            found[nested] = region  # 广西 … 南宁 → 南宁
    return [r for r in found if r.code], tuple(places)


def _asked_places(text: str, places: list[str], vocabulary: Vocabulary) -> list[str]:
    """All places when they are listed together (佛山和揭阳); otherwise the ones the knowledge
    covers, so "南京德州的协会去东营交流过吗" is about 东营."""
    joined = re.search("(?:" + "|".join(map(re.escape, places)) + r")(?:和|与|跟|及|、|还有|或)", text) if places else None
    if len(places) < 2 or joined:
        return places
    covered = [p for p in places if vocabulary.covers(resolve(p, abbreviations=False).code)]
    return covered or places[:1]


def _plausible(alias: str, codes: tuple[str, ...], vocabulary: Vocabulary) -> bool:
    """A county's short name (浦北, 滕州, 渝中) is a place when it names one county only and is no
    everyday word (新建, 长安 are words first), or when the knowledge covers its city. Where the
    knowledge does not cover it, a short name its records' titles use names one of them
    (福海老年公寓 in 西安), not the county (福海县)."""
    county_short = all(not c.endswith("00") for c in codes) and not alias.endswith(("县", "区", "市", "旗"))
    if not county_short or any(vocabulary.covers(c) for c in codes):
        return True
    return len(codes) == 1 and general_frequency(alias) < COMMON and alias not in vocabulary.names


def _strip_places(text: str, places: tuple[str, ...]) -> str:
    for place in sorted(places, key=len, reverse=True):
        text = text.replace(place, " ")
    return text


def _kind_hint(text: str) -> str | None:
    for hint, pattern in KIND_HINTS.items():
        if pattern.search(text):
            return hint
    return None
