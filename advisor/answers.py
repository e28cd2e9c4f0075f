"""Answers from the knowledge base: search, compose, and the follow-ups that lean on them.

A reply rests only on retrieved records. When the best records come from several places and
the person named none, we ask where they live rather than guess (a 南宁 answer to a 泾源 elder
is worse than a question back).
"""
from __future__ import annotations

import re

from advisor import compose, facts, intents
from advisor.examples import Examples, examples_of
from advisor.named import DocumentTitles, named_hit
from advisor.answer_cache import DEFAULT_SIZE, AnswerCache
from advisor.reply import Reply
from advisor.session import Session
from index.search import Hit, Result, Searcher
from knowledge.cases import STATUS_LABELS, Case
from knowledge.records import Record
from knowledge.regions import NATIONAL, Region, from_code, resolve
from knowledge.wordfreq import EVERYDAY, general_frequency

SELF_LOCATION = re.compile(r"(?:我|俺|咱|老人|我妈|我爸|父母|老伴|家里)们?家?(?:住在|住|在|是)")
MENU_CHOICE = re.compile(r"(?:回复)?[12１２一二]")
SEARCH_LIMIT = 30  # enough for a city's complete list of institutions
LIST_SHARE = 0.9  # institutions within this share of the best confidence belong to the list
FOLLOW_MARGIN = 0.05  # a follow-up asked with the last topic's words may be this much less sure
ASK_REGION = "这个问题各地规定不一样。请问您（或老人）在哪个市、县（区）？{hint}"
NOT_FOUND = ("抱歉，这个问题我在现有的政策资料里没有找到可靠的答案。\n"
             "可以换个说法再问，说清地方和事情，比如“{example}”。\n回复1转人工，请顾问帮您查。")
# Clearly about something else: everything else that the knowledge cannot answer is a gap in it.
ELSEWHERE = re.compile(r"天气|下雨|气温|股票|炒股|基金|彩票|中奖|比分|足球|篮球|球赛|电影|电视剧|明星|游戏|菜谱|怎么做菜"
                       r"|星座|算命|翻译|快递|外卖|高考|考研|房价|汇率|比特币")
OUT_OF_SCOPE = "这个问题不在我能帮忙的范围里，我只懂养老方面的政策和服务。"
DOMAIN = re.compile(r"养老|老人|老年|长者|敬老|护理|补贴|补助|失能|失智|高龄|助餐|助浴|饭堂|适老|床位|社区|民政"
                    r"|居家|医养|康养|旅居|候鸟|照护|护工|送餐|送饭|上门|低保|特困|独居|空巢|福利院|老龄|基地|协会|政策|服务")
APPLY_WORDS = re.compile(r"怎么|如何|申请|办理|去哪|哪里|办|材料|带什么|需要|流程|手续|截止|啥时候|什么时候|呢|吗|？|\?")
SMALLTALK = {
    "greeting": "您好！我是养老顾问小助手。",
    "identity": "我是社区养老顾问的智能助手：答案都来自政府公开的文件，会写明出处；拿不准时请真人顾问帮您。",
    "capabilities": "",
}


def smalltalk(kind: str | None) -> Reply:
    lead = SMALLTALK.get(kind or "greeting", SMALLTALK["greeting"])
    return Reply(compose.join_parts([lead, compose.MENU]), "smalltalk", suggestions=("转人工",))


def progress(cases: list[Case]) -> Reply:
    lines = [f"{c.number}（{c.need or c.kind}）：{STATUS_LABELS.get(c.status, c.status)}" for c in cases[:5]]
    return Reply("您登记的事项：\n" + "\n".join(lines), "refer")


class Answers:
    def __init__(self, searcher: Searcher, cache_size: int = DEFAULT_SIZE, home_region: Region = NATIONAL):
        self.searcher, self.home_region = searcher, home_region
        self._examples: tuple[int, Examples] | None = None
        self.cache = AnswerCache(cache_size)  # repeated questions skip the search, not the session
        self.titles = DocumentTitles()

    def search(self, text: str, session: Session, said: str | None = None) -> Reply:
        """Answer `text`; `said` is what the person typed when `text` was rebuilt from the last
        question (那深圳呢), so only their own words can set where they live."""
        default = self._default_region(session)
        results = self.cache.search(self.searcher, text, default, SEARCH_LIMIT)
        if said is None and session.last_terms and intents.leans_on_last(text):
            results = self._with_last_topic(text, results, session, default)
        if said is None and session.last_documents:
            results = self._kept_in_document(text, results, session, default)
        results = self._within_message(results, default)
        results = [self._in_named_document(result, default) for result in results]
        session.last_question = text
        session.forget_answer()
        region = next((r.query.region for r in results if r.query.region), None)
        if region and SELF_LOCATION.search(text if said is None else said):
            session.region = region.code  # "我在南宁" once is enough; a place asked about is not home
        if region:
            session.topic_region = region.code
        session.last_terms = [t for r in results for t in r.query.terms][:12]
        if len(results) == 1 and _needs_region(results[0]):
            session.pending = {"type": "region", "question": text}
            examples = self.examples()
            hint = examples.place_hint() + "。" if examples.places else ""
            return Reply(ASK_REGION.format(hint=hint), "clarify", suggestions=examples.places[:2])
        answered = [r for r in results if r.hits]
        if not answered:
            return self._nothing(text)
        return self._compose(text, results, session)

    def _compose(self, text: str, results: list[Result], session: Session) -> Reply:
        results = [Result(r.query, _ordered(r)) for r in results]
        single = len(results) == 1
        parts, records = [], []
        for result in results:
            part, used = self._part(result, session, single)
            parts.append(part if single or result.hits else f"“{result.query.normalized}”：没有找到可靠的答案。")
            records += used
        best = max((r.hits[0] for r in results if r.hits), key=lambda h: h.confidence)
        session.last_documents = list(dict.fromkeys(r.source.key for r in records if r.source.key))
        if single:
            parts.append(compose.NEXT_STEPS)
        return Reply(compose.join_parts(parts), _intent(text, results), confidence=best.confidence,
                     records=tuple({r.id: r for r in records}.values()), suggestions=("怎么申请", "转人工"))

    def _part(self, result: Result, session: Session, single: bool) -> tuple[str, list[Record]]:
        if not result.hits:
            return "", []
        session.last_ids += [h.record.id for h in result.hits]
        listing = _listing(result)
        if listing:
            body, ids = compose.numbered_list(listing)
            session.list_ids = ids
            used = [h.record for h in result.hits if h.record.id in ids or h.record is result.hits[0].record]
            lead = result.hits[0].record.title if result.hits[0].record not in listing else f"共找到{len(ids)}家："
            text = compose.join_parts([lead + "\n" + body, "回复编号（如“2”）看详情。" if single else ""])
            return compose.join_parts([text, compose.citation(used)]), used
        top = result.hits[0].record
        lead = facts.leading_sentence(top.text, facts.asked_fact(result.query.normalized), result.hits[0].matched,
                                      result.query.age)
        text = compose.join_parts([_place_note(result.query.region, top), compose.answer(top, _label(top), lead=lead)])
        if intents.asks_how_to_apply(result.query.normalized):
            text = compose.join_parts([text, compose.how_to_apply(top)])
        return compose.join_parts([text, compose.citation([top])]), [top]

    def _default_region(self, session: Session) -> Region | None:
        """Where a question that names no place is about: where the person said they live, else
        the place the conversation is about, else the deployment's home region."""
        code = session.region or session.topic_region or self.home_region.code
        return from_code(code) if code else None

    def _with_last_topic(self, text: str, results: list[Result], session: Session,
                         default: Region | None) -> list[Result]:
        """'那90岁的呢' after a question on 高龄津贴: asked again with the last question's words
        added; the fuller question wins unless it answers worse."""
        merged = self.cache.search(self.searcher, _joined(text, session.last_terms), default, SEARCH_LIMIT)
        return merged if _best(merged) >= _best(results) - FOLLOW_MARGIN else results

    def _kept_in_document(self, text: str, results: list[Result], session: Session,
                          default: Region | None) -> list[Result]:
        """'请的是哪个医院的医生来讲？' after an answer from a news report: a follow-up, or a
        question found nowhere on its own, is asked inside the documents the last answer cited,
        where its own words need cover less (the conversation has already chosen the document),
        and with the last question's words when its own find nothing even there.
        A question that found something elsewhere and does not lean on the last is a new topic."""
        documents = tuple(session.last_documents)
        leaning = intents.leans_on_last(text) or intents.points_back(text) or self._about(text, documents)
        if not leaning and all(r.hits for r in results):
            return results
        focused = self._inside(text, session.last_terms if leaning else [], documents, default)
        if not leaning and not any(r.hits for r in focused):  # its own words too few even there
            focused = self._inside(text, session.last_terms, documents, default)
        if len(focused) != len(results):
            return results
        return [_kept(own, inside, leaning, documents) for own, inside in zip(results, focused)]

    def _within_message(self, results: list[Result], default: Region | None) -> list[Result]:
        """'海南的养老院换了地址，要在多少天内去办变更？不去办会罚多少？': a later part of one
        message that names nothing new is asked inside the document the first answered part is
        answered from, with that part's words, like a follow-up in the next message."""
        first = next((r for r in results if r.hits), None)
        if first is None or len(results) < 2:
            return results
        answering = _ordered(first)[0].record  # the record the first part is answered from
        documents = (answering.source.key,) if answering.source.key else ()
        kept = [first]
        for own in results[results.index(first) + 1:]:
            leaning = self._about(own.query.normalized, documents)
            inside = self._inside(own.query.normalized, list(first.query.terms), documents, default) if leaning else []
            kept.append(_kept(own, inside[0], True, documents) if len(inside) == 1 else own)
        return results[:results.index(first)] + kept

    def _in_named_document(self, result: Result, default: Region | None) -> Result:
        """'海南省养老服务条列是哪天开始施行的': a question naming a document by its title is
        answered from it — its own hits, else a search inside it like a follow-up's — never
        from another 条例's article that happens to hold a date."""
        stamp = (self.searcher.generation, self.searcher.records_seq)
        documents = self.titles.named(result.query.normalized, result.query.region, self.searcher.records, stamp)
        if not documents:
            return result
        hits = [hit for hit in result.hits if hit.record.source.key in documents]
        if hits:
            return Result(result.query, hits)
        inside = self._inside(result.query.normalized, [], documents, default)
        return inside[0] if len(inside) == 1 and inside[0].hits else result

    def _inside(self, text: str, last_terms: list[str], documents: tuple[str, ...],
                default: Region | None) -> list[Result]:
        """`text` (with the earlier question's words, if given) searched inside `documents`."""
        asked = _joined(text, last_terms) if last_terms else text
        return self.cache.search(self.searcher, asked, default, SEARCH_LIMIT, documents) if documents else []

    def _about(self, text: str, documents: tuple[str, ...]) -> bool:
        """Most of the question's own knowledge words are in these documents (none at all counts
        too: 是哪个单位组织的): it goes on about them. A new topic names what they lack."""
        words = self._knowledge_words(text)
        inside = self.searcher.found_in(words, documents) if words and documents else []
        return len(inside) * 2 >= len(words)

    def examples(self) -> Examples:
        """Places and a topic for the bot's examples, from this generation of the knowledge."""
        generation = self.searcher.generation
        if self._examples is None or self._examples[0] != generation:
            self._examples = (generation, examples_of(self.searcher.records.values(), self.home_region))
        return self._examples[1]

    def _nothing(self, text: str) -> Reply:
        """Nothing good enough. About elder care — the knowledge's own words are in the question,
        or the domain's — it is a gap: say so and offer a human. Clearly about something else
        (weather, stocks), or no word the knowledge knows: decline kindly."""
        if not ELSEWHERE.search(text) and (DOMAIN.search(text) or self._knowledge_words(text)):
            return Reply(NOT_FOUND.format(example=self.examples().question()), "not_found", suggestions=("转人工",))
        return Reply(compose.join_parts([OUT_OF_SCOPE, compose.MENU]), "out_of_scope")

    def _knowledge_words(self, text: str) -> list[str]:
        """The question's words that the indexed knowledge holds and that are no everyday words."""
        words = [t for q in self.cache.understand(self.searcher, text) for t in q.terms]
        return [w for w in words if len(w) >= 2 and self.searcher.postings.frequency(w)
                and general_frequency(w) < EVERYDAY]

    # -- follow-ups ------------------------------------------------------------------------
    def follow_up(self, text: str, session: Session) -> Reply | None:
        number = intents.choice_number(text)
        if number and session.list_ids:
            return self._detail(session.list_ids, number)
        if number and session.last_ids and MENU_CHOICE.fullmatch(text.strip()):
            return self._apply(session) if number == 1 else None  # 回复1办理 / 回复2转人工 (the caller)
        if number and session.last_ids:
            return self._detail(session.last_ids, number)  # 第二个呢: the next best record
        if intents.wants_more(text):
            return self._more(session)
        if session.last_ids and intents.points_back(text) and facts.asked_fact(text):
            return self._detail(session.last_ids, 1)  # 它地址在哪儿: the institution just answered
        if intents.asks_how_to_apply(text) and session.last_ids and not self._new_topic(text):
            return self._apply(session)
        place = intents.region_follow_up(text) or self._bare_place(text)
        if place and session.last_question and resolve(place).code:
            return self.search(self._moved(session.last_question, place), session, said=text)
        if place and resolve(place).code:
            session.region = resolve(place).code
            return Reply(f"好的，记下了：{resolve(place).name}。请问想了解什么？", "smalltalk",
                         suggestions=("长者饭堂有补贴吗", "转人工"))
        return None

    def _bare_place(self, text: str) -> str | None:
        """A message that is only a place (泾源, 南宁市青秀区): an answer to "在哪里？"."""
        if len(text) > 12:
            return None  # a question, not a bare place: spare the second analysis
        queries = self.cache.understand(self.searcher, text)
        if len(queries) == 1 and queries[0].places and not queries[0].terms:
            return queries[0].places[0]
        return None

    def _detail(self, ids: list[str], number: int) -> Reply | None:
        if not 1 <= number <= len(ids) or ids[number - 1] not in self.searcher.records:
            return Reply(f"没有第{number}条，请回复1到{len(ids)}之间的数字。", "consult")
        record = self.searcher.records[ids[number - 1]]
        return Reply(record_reply(record), _kind_intent(record), confidence=1.0, records=(record,), suggestions=("怎么申请", "转人工"))

    def _apply(self, session: Session) -> Reply:
        records = [self.searcher.records[i] for i in session.last_ids if i in self.searcher.records]
        for record in records:
            steps = compose.how_to_apply(record)
            if steps:
                text = compose.join_parts([f"{record.title}\n{steps}", compose.citation([record])])
                return Reply(text, "apply", confidence=1.0, records=(record,), suggestions=("转人工",))
        return Reply("文件里没有写具体的办理方式。回复2转人工，请顾问帮您问清楚。", "apply", suggestions=("转人工",))

    def _more(self, session: Session) -> Reply:
        if session.pages:
            return Reply(session.pages.pop(0), "consult", confidence=1.0)
        if session.list_ids:
            return Reply(f"以上就是全部{len(session.list_ids)}条。回复编号看详情，或换个问题问我。", "refer")
        shown = 1 + len(session.list_ids)
        rest = [i for i in session.last_ids[shown:] if i in self.searcher.records]
        if not rest:
            return Reply("没有更多了。换个问题问我，或回复“转人工”。", "consult")
        session.last_ids = session.last_ids[:shown] + rest[1:]
        record = self.searcher.records[rest[0]]
        return Reply(record_reply(record), _kind_intent(record), confidence=1.0, records=(record,))

    def _new_topic(self, text: str) -> bool:
        rest = APPLY_WORDS.sub("", text)
        return bool(rest) and any(q.terms for q in self.cache.understand(self.searcher, rest))

    def _moved(self, question: str, place: str) -> str:
        """The last question about another place: 广州有几家基地 + 惠州 → 惠州有几家基地."""
        query = self.cache.understand(self.searcher, question)[0]
        for old in sorted(query.places, key=len, reverse=True):
            question = question.replace(old, "")
        return place + question


def _joined(text: str, last_terms: list[str]) -> str:
    """The question with the earlier question's words: they join it, not a second question after its "？"."""
    return f"{text.rstrip('?？!！。. ')} {' '.join(last_terms)}"


def _kept(own: Result, inside: Result, leaning: bool, documents: tuple[str, ...]) -> Result:
    """The result inside the documents, when it found something and the question's own search
    found nothing, or (leaning on them) found it in another document."""
    elsewhere = own.hits and own.hits[0].record.source.key not in documents
    return inside if inside.hits and (not own.hits or leaning and elsewhere) else own


def _place_note(asked: Region | None, record: Record) -> str:
    """When the answer is another place's rule than the one asked about (the province's, the
    country's), the first line says so: a 渝中区 elder must not take 重庆市's rule for 渝中's own."""
    if not asked or not asked.code or record.region.code == asked.code or asked.contains(record.region):
        return ""
    whose = record.region.name if record.region.code else "国家"
    return f"没有找到{asked.short}单独的规定，下面是{whose}的规定："


def _best(results: list[Result]) -> float:
    return max((r.hits[0].confidence for r in results if r.hits), default=0.0)


def _needs_region(result: Result) -> bool:
    """Good answers from two or more places and no place asked: ask rather than guess — unless
    the question names one institution (福海老年公寓价格): its name says where; or a national
    record fits as well as any (it is the answer wherever the person lives)."""
    if result.query.region or len(result.hits) < 2 or named_hit(result.hits, result.query.normalized):
        return False
    best = max(hit.confidence for hit in result.hits)
    if any(not hit.record.region.code and hit.confidence >= best - facts.CLOSE for hit in result.hits):
        return False  # the country's rule fits as well: it holds wherever the person lives
    regions = {h.record.region.code for h in result.hits[:3]}
    return "" not in regions and len({code[:4] for code in regions}) >= 2


def _ordered(result: Result) -> list[Hit]:
    """The hits with the one to answer from first: the institution the question names, else
    the record holding the asked fact (advisor/facts.py)."""
    named = named_hit(result.hits, result.query.normalized)
    if named is not None:
        return [named] + [hit for hit in result.hits if hit is not named]
    return facts.answering_first(result.hits, facts.asked_fact(result.query.normalized), result.query.normalized,
                                 result.query.region)


def _listing(result: Result) -> list[Record]:
    """The institutions a where/which question found, when there are two or more — unless it
    names one of them (`_ordered` put that one first, and it answers)."""
    if result.query.kind_hint != "location" or named_hit(result.hits[:1], result.query.normalized):
        return []
    best = max(h.confidence for h in result.hits)
    members = [h.record for h in result.hits if h.record.kind in ("base", "service")
               and h.confidence >= LIST_SHARE * best and not _summary(h)]
    return members if len(members) >= 2 else []


def _summary(hit: Hit) -> bool:
    return bool(re.search(r"\d+家|名单|\d+个", hit.record.title)) or "bases" in hit.record.attrs


def record_reply(record: Record) -> str:
    """What an elder reads when this record answers them: its words, key facts, validity, source."""
    return compose.join_parts([compose.answer(record, _label(record)), compose.citation([record])])


def preview(record: Record) -> str:
    """The reply to a single question this record answers best — the console shows it before a save."""
    return compose.join_parts([record_reply(record), compose.NEXT_STEPS])


def _label(record: Record) -> str:
    return record.region.short or ""


def _kind_intent(record: Record) -> str:
    return "refer" if record.kind in ("service", "base") else "consult"


def _intent(text: str, results: list[Result]) -> str:
    if intents.asks_how_to_apply(text):
        return "apply"
    top = next(r.hits[0] for r in results if r.hits)
    return "refer" if results[0].query.kind_hint == "location" else _kind_intent(top.record)
