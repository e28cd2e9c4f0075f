"""The plain baseline `advisor eval` compares against: stock jieba + BM25 over the same records.

No domain dictionary, no synonyms, no region handling, no threshold — a fresh jieba tokenizer
(so the domain words our analyzer adds are not seen) and whoosh's default BM25F.
"""
from __future__ import annotations

import logging

import jieba
from whoosh import query as Q
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from knowledge.records import Record

_plain = jieba.Tokenizer()


class PlainJiebaTokenizer(Tokenizer):
    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, word in enumerate(w for w in _plain.cut_for_search(value) if w.strip()):
            token.text, token.boost, token.stopped = word, 1.0, False
            if positions:
                token.pos = start_pos + position
            yield token


class Baseline:
    def __init__(self, records: list[Record]):
        jieba.setLogLevel(logging.WARNING)
        self.records = {record.id: record for record in records}
        self.analyzer = PlainJiebaTokenizer()
        self.index = RamStorage().create_index(Schema(id=ID(stored=True), body=TEXT(analyzer=self.analyzer)))
        with self.index.writer() as writer:
            for record in records:
                writer.add_document(id=record.id, body=f"{record.title}\n{record.text}")
        self.searcher = self.index.searcher()

    def rank(self, question: str) -> list[list[str]]:
        words = {t.text for t in self.analyzer(question)}
        hits = self.searcher.search(Q.Or([Q.Term("body", w) for w in words]), limit=10)
        return [[hit["id"] for hit in hits]]
