"""Articles a rule cites by number: "违反本条例第十七条第三款规定，……处一万元以上三万元以下罚款".

A regulation's 法律责任 chapter names the duty it punishes only by its number, so the penalty
shares few words with a question about that duty ("养老院用没健康证的护理员会怎么罚"): the
words are in 第十七条. The cited paragraph is kept with the citing record (attrs["cites"], which
the index reads with the record's body), so the question finds the penalty, and the reply
still quotes the penalty's own words. Only citations inside the same document (本条例, 本办法)
are followed; another law's articles are not in it.
"""
from __future__ import annotations

import re

from knowledge.importers.clauses import Clause, cn_to_int

_NUMERAL = r"[一二三四五六七八九十百零〇\d]+"
_CITED = re.compile(rf"本(?:条例|办法|规定|细则|实施办法|决定)((?:第{_NUMERAL}条(?:第{_NUMERAL}款)?[、，,和及或至]*)+)")
_ONE = re.compile(rf"第({_NUMERAL})条(?:第({_NUMERAL})款)?")
_ARTICLE = re.compile(rf"第({_NUMERAL})条")
CITED_CHARS = 300  # of each cited paragraph: enough for its duty, not a chapter's worth of words


def articles(clauses: list[Clause]) -> dict[int, Clause]:
    """The document's articles by number (the clause whose own heading is 第N条)."""
    found = {}
    for clause in clauses:
        match = _ARTICLE.match(clause.heading_path[-1]) if clause.heading_path else None
        if match and not _ARTICLE.match(clause.heading_path[-2] if len(clause.heading_path) > 1 else ""):
            found.setdefault(cn_to_int(match.group(1)), clause)
    return found


def cited_text(clause: Clause, by_number: dict[int, Clause]) -> str:
    """The paragraphs of this document's other articles that the clause cites, one per line."""
    own = articles([clause])
    cited = []
    for group in _CITED.finditer(clause.text):
        for article, paragraph in _ONE.findall(group.group(1)):
            target = by_number.get(cn_to_int(article))
            if target is not None and target not in own.values():
                cited.append(_paragraph(target.text, cn_to_int(paragraph) if paragraph else None))
    return "\n".join(dict.fromkeys(text for text in cited if text))


def _paragraph(text: str, number: int | None) -> str:
    """The article's `number`th paragraph (款), else the whole article, cut to CITED_CHARS."""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if number and number <= len(paragraphs):
        return paragraphs[number - 1][:CITED_CHARS]
    return text.strip()[:CITED_CHARS]
