"""Examples in the bot's own replies, taken from the knowledge it holds, never from the code.

"请问您在哪个市、县？比如“南宁”“泾源县”" is right only where the knowledge is about 南宁 and 泾源;
an advisor in 浦北 imports 浦北's documents and expects 浦北 in the examples. So the places are
the deployment's home region first, then the places most records speak for, and the topic the
first of a few everyday ones (TOPICS) that the knowledge actually covers.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from knowledge.records import Record
from knowledge.regions import Region

TOPICS = ("高龄津贴", "长者饭堂", "护理补贴", "养老院", "优待证", "适老化改造", "助餐", "居家养老")
FALLBACK_TOPIC = "养老服务补贴"


@dataclass(frozen=True)
class Examples:
    places: tuple[str, ...]  # short names people write (浦北, 海口), most useful first; may be empty
    topic: str

    def place_hint(self) -> str:
        """'比如“海口”“北京”' — or nothing when the knowledge names no place at all."""
        return "比如" + "".join(f"“{place}”" for place in self.places[:2]) if self.places else ""

    def question(self) -> str:
        """An example question: '海口 高龄津贴'."""
        return f"{self.places[0]} {self.topic}" if self.places else self.topic


def examples_of(records: Iterable[Record], home: Region) -> Examples:
    counts, texts = Counter(), []
    for record in records:
        if record.region.code:
            counts[record.region.short] += 1
        texts.append(record.title)
    places = ([home.short] if home.code else []) + [p for p, _ in counts.most_common(3) if p != home.short]
    joined = "\n".join(texts)
    topic = next((t for t in TOPICS if t in joined), FALLBACK_TOPIC)
    return Examples(tuple(places[:2]), topic)
