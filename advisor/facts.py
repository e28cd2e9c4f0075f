"""The fact a question asks for, and which record — and which of its sentences — holds it.

"北京失能护理补贴一个月多少钱" asks for an amount; several clauses of the 办法 match its words
equally well, and only one names 元. So among the records that fit the question about as well
as the best (within CLOSE of its confidence), the reply takes one that holds a fact of the
asked kind, and when that record is long it leads with the sentence that holds it. The kinds
are shapes of Chinese text (an amount ends in 元, a time limit counts 工作日), not topics.
"""
from __future__ import annotations

import re

from index import ages
from index.fit import occurrences
from index.search import Hit
from knowledge.regions import Region

CLOSE = 0.1  # confidences this close count as fitting the question equally well
PLACE_CLOSE = 0.2  # … and this close, when the closer one speaks for exactly the asked place
TELLING_RUN = 3  # characters: a shorter shared run (成立, 的) is one word, which the confidence already weighed
LEAD_FROM = 120  # characters: a record shorter than this is read whole, no sentence is pulled forward

_CN = "[一二三四五六七八九十百千万两零〇]"
ASKED = {
    "amount": r"多少钱|几块钱|多少元|多少块|[月年]多少|多少一个月|[补给发领罚拿赔报]多少|多少补贴|补贴多少|津贴多少|标准是多少|能领多少|罚款",
    "penalty": r"怎么罚|咋罚|怎样罚|怎么处罚|罚不罚|会罚|受罚|处罚|罚吗|会怎么处理|会被怎么处理|什么处理|追究|什么后果|啥后果|什么责任|啥责任",
    "age": r"多大(?:岁数|年纪|年龄|了|的老人)|多少岁|几岁|岁数|年龄|年纪|多少周岁|够岁数",  # 配多大的用房 asks a size
    "duration": r"多久|多长时间|几天|多少天|几个工作日|多少个工作日|时限|期限|多少日|几个月|多少个月|提前多",
    "date": r"哪天|哪一天|什么时候|啥时候|何时|几号|哪年|几月份|从什么时候|开始实行|开始施行|开始执行|生效",
    "phone": r"电话|号码|联系方式|热线|打哪个|怎么联系",
    "address": r"地址|在哪儿|在哪里|在哪|位置|怎么走",
    "payer": r"谁出|谁付|谁掏|谁承担|谁负担|谁给钱|谁来出|谁来付|钱从哪|从哪[里儿]?出|哪[里儿]出的?钱",
    "office": r"哪个部门|什么部门|哪个单位|谁管|谁负责|谁来管|找谁|找哪|向谁|去哪[儿里]?办|在哪[儿里]?办|哪里办|哪儿办|去哪[儿里]?申请|去哪[儿里]?登记|去哪[儿里]?举报|去哪[儿里]?投诉",
    "materials": r"材料|证件|带什么|带啥|要带|拿什么|需要什么|证明|手续",
    "organizer": r"谁办|谁组织|谁举办|谁主办|谁承办|谁开展|谁搞|谁发起|谁牵头|由谁组织|哪个单位(?:办|组织|举办|主办)|哪家(?:单位|机构)(?:办|组织|举办)",
    "person": r"负责人|是谁|谁是|叫什么名字|哪位|谁讲|谁来讲|请的谁",
    "count": r"多少张|几张|多少个|几个|多少人|几个人|多少家|几家|比例|百分之|多少平|面积|占多少|达到多少|多大",
}
HOLDS = {
    "amount": rf"\d[\d.,]*\s*(?:万|千)?元|{_CN}+元|罚款",
    "penalty": r"罚款|处罚|处分|罢免|责令|追究|吊销|没收|拘留|法律责任",
    "age": rf"\d+\s*周?岁|{_CN}+周?岁",
    # a span (30日内, 三个月, 2年) or a frequency (每季度); never a date's day or month, nor a year (7月30日, 2022年)
    "duration": rf"(?<![\d月年])(?:\d{{1,3}}\s*个?(?:工作日|日|天|个月|月)|\d{{1,2}}\s*年)(?![\d月日])"
                rf"|{_CN}+个?(?:工作日|日|天|个月)"
                r"|每(?:个)?(?:季度|月|年|周|星期|天|日)",
    "date": r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{1,2}\s*月\s*\d{1,2}\s*日|起施行|起执行|起实施",
    "phone": r"\d{3,4}-\d{7,8}|1[3-9]\d{9}|\d{7,8}|12345|12349",
    "address": r"[路街道巷村]\s*\d+\s*号|\d+\s*号|位于|地址",
    "payer": r"自付|自行承担|负担|承担|支付|出资|财政|预算|补贴|资助|筹集",
    "office": r"民政|部门|[局厅委]|人民政府|办事处|街道|乡镇|居委会|村委会|窗口|中心|机构",
    "materials": r"身份证|户口簿|户口本|证明|材料|照片|复印件|申请表|证件",
    "organizer": r"开展|举办|主办|承办|组织|发起|牵头",
    "person": r"负责人|主任|院长|站长|书记|会长|经理|医生|医师|专家|老师|教授",
    "count": rf"\d+(?:\.\d+)?\s*(?:张|个|人|名|家|%|％|平方米|处)|百分之|{_CN}+(?:张|个|人|名|家|平方米)",
}
_ASKED = {kind: re.compile(pattern) for kind, pattern in ASKED.items()}
_HOLDS = {kind: re.compile(pattern) for kind, pattern in HOLDS.items()}
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")


def asked_fact(question: str) -> str | None:
    """The kind of fact the question asks for (first match in ASKED's order), or None."""
    return next((kind for kind, pattern in _ASKED.items() if pattern.search(question)), None)


def holds(text: str, kind: str) -> bool:
    return bool(_HOLDS[kind].search(text))


def answering_first(hits: list[Hit], asked: str | None, question: str = "", place: Region | None = None) -> list[Hit]:
    """The hits with the one to answer from first. The pool: those of exactly the asked place
    within PLACE_CLOSE of the best confidence when the best speaks for a wider place (asked about
    海口, 海口's rule, not 海南's a little surer one); else those within CLOSE, the asked place's
    own when it has some (asked of no place, the country's). Of the pool, those holding the
    asked kind of fact, else those of the rest of the best one's document holding it, else all
    of them; and of these the one sharing the longest telling run of characters with the question."""
    if len(hits) < 2:
        return hits
    top = max(hit.confidence for hit in hits)
    pool = _own_place([hit for hit in hits if hit.confidence >= top - PLACE_CLOSE], place) \
        or _where_asked([hit for hit in hits if hit.confidence >= top - CLOSE], place)
    holding = _holding(pool, asked) or _holding(_rest_of_document(hits, pool), asked) or pool
    chosen = _most_telling(holding, question, {term for hit in hits for term in hit.matched}) if question else holding[0]
    return [chosen] + [hit for hit in hits if hit is not chosen]


def _most_telling(hits: list[Hit], question: str, weighed: set[str]) -> Hit:
    """The hit sharing the longest telling run with the question (the first, in score order, of
    equals). A run lying wholly in words already weighed (护理|补贴 written together) tells only
    among the most confident: there it is the phrase the others lack, below it a name the
    confidence has counted already (福康|老年公寓 against a record holding 大多)."""
    texts = [hit.record.text for hit in hits]
    best = max(hit.confidence for hit in hits)
    return max(hits, key=lambda hit: (_telling_run(question, hit.record.text, texts, weighed),
                                      _telling_run(question, hit.record.text, texts) if hit.confidence >= best else 0))


def _holding(hits: list[Hit], asked: str | None) -> list[Hit]:
    return [hit for hit in hits if asked and holds(hit.record.text, asked)]


def _rest_of_document(hits: list[Hit], pool: list[Hit]) -> list[Hit]:
    """The other hits from the document of the pool's most confident record."""
    best = max(pool, key=lambda hit: hit.confidence).record.source.key
    return [hit for hit in hits if best and hit.record.source.key == best and hit not in pool]


def _own_place(near: list[Hit], place: Region | None) -> list[Hit]:
    """Nearly as good fits speaking for exactly the asked place, when the best one speaks for a
    wider one (the province, the country): asked about 海口, 海口's own rule, not 海南's."""
    if not place or not place.code:
        return []
    own = [hit for hit in near if hit.record.region.code == place.code]
    surest = max(near, key=lambda hit: hit.confidence)
    return own if own and surest.record.region.code != place.code else []


def _where_asked(pool: list[Hit], place: Region | None) -> list[Hit]:
    """Of equal fits, those speaking for the asked place itself, else for a place inside it
    (asked about 河北, 河北's rule before 承德's; never a province above it); asked of no
    place, the country's, which hold wherever the person lives."""
    if place and place.code:
        exact = [hit for hit in pool if hit.record.region.code == place.code]
        own = exact or [hit for hit in pool if hit.record.region.code and place.contains(hit.record.region)]
    else:
        own = [hit for hit in pool if not hit.record.region.code]
    return own or pool


def _telling_run(question: str, text: str, others: list[str], weighed: set[str] = frozenset()) -> int:
    """The longest run of the question's characters the record holds and not every other
    candidate does: 北京敬老日是哪天 finds 敬老日 in "…为本市敬老日", where the others hold only
    敬老; a name all of them repeat (福康老年公寓) tells none apart, nor does one word (成立),
    nor a run lying wholly inside words the confidence already weighed (福康|老年公寓 in one
    record, 大多 in another): then the score order stands."""
    inside = {i for term in weighed for start in occurrences(question, term) for i in range(start, start + len(term))}
    longest = 0
    for start in range(len(question)):
        for end in range(len(question), start + longest, -1):
            piece = question[start:end]
            if piece in text and not all(piece in other for other in others) \
                    and not inside.issuperset(range(start, end)):
                longest = end - start
                break
    return longest if longest >= TELLING_RUN else 0


def leading_sentence(text: str, asked: str | None, matched: tuple[str, ...], age: int | None = None) -> str:
    """The sentence of a long record that holds the asked fact (the one naming most of the
    matched words; for an asked age, the one whose narrowest age band holds it: 85了 →
    "80周岁至89周岁的老年人，每人每月100元"), or '' when the record is short or its opening
    already holds it."""
    if (not asked and age is None) or len(text) < LEAD_FROM:
        return ""
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    holding = [s for s in sentences if holds(s, asked)] if asked else sentences  # 那92了呢: the age alone
    if not holding or holding[0] == sentences[0] and len(sentences[0]) >= len(text) // 2:
        return ""
    aged = [(width, s) for s in holding for width in [_band_width(s, age)] if width is not None]
    if not aged and not asked:
        return ""
    best = min(aged)[1] if aged else max(holding, key=lambda s: sum(term in s for term in matched))
    return "" if best == sentences[0] else best


def _band_width(sentence: str, age: int | None) -> int | None:
    """How many years the sentence's narrowest band holding `age` spans (None: none holds it)."""
    widths = [high - low for low, high in ages.bands(sentence) if age is not None and low <= age <= high]
    return min(widths, default=None)
