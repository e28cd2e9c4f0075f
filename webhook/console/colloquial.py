"""口语 → 书面语 on the 词典 page: which pairs the list shows, and what a form was sent with.

The lexicon has a thousand pairs, so the page searches both sides (钱 finds 交钱 → 缴费 and
养老金 → 退休金 …) and shows 50 at a time; one row at a time turns into a form to change it.
A form that fails validation is shown again as it was typed, its message beside it. The
routes are in webhook/console/lexicon.py; index/lexicon.py validates and writes.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request

from index.analysis import normalize
from index.lexicon import Lexicon
from webhook.console.records_browse import Page, paginate

ANCHOR, EDIT_ANCHOR = "colloquial", "colloquial-edit"  # the section, and the row being changed


@dataclass
class Form:
    """What an add, change or delete form was sent with; `kind` says which one `error` is about."""
    kind: str = ""  # add | edit | delete
    spoken: str = ""
    written: str = ""
    was: str = ""  # the phrase a change form edits
    error: str = ""


@dataclass
class Listing:
    q: str
    page: Page
    total: int  # pairs in the lexicon, whatever the search
    edit: str  # the phrase whose row is a form ('' for none)

    @property
    def editing(self) -> bool:
        """Whether the row being changed is on this page (a phrase deleted meanwhile is not)."""
        return any(spoken == self.edit for spoken, _ in self.page.items)

    def args(self, **more) -> dict:
        """The query that shows this page of this search again (empty values left out)."""
        return {"q": self.q or None, "page": self.page.number if self.page.number > 1 else None, **more}


def listing(lexicon: Lexicon, q: str, number: int, edit: str = "") -> Listing:
    table = lexicon.colloquial_table()
    wanted = normalize(q.strip())
    rows = [(spoken, written) for spoken, written in table.items()
            if not wanted or wanted in spoken or any(wanted in word for word in written)]
    return Listing(q.strip(), paginate(rows, number), len(table), normalize(edit.strip()))


def requested(lexicon: Lexicon, form: Form | None = None) -> Listing:
    """The list as this request asks for it: the page's query (checked by webhook/console/query.py),
    or the hidden fields a form carried, so a failed save shows the list it was sent from."""
    values = request.values
    edit = form.was if form and form.kind == "edit" else values.get("edit", "")
    return listing(lexicon, values.get("q", ""), page_number(values.get("page", "")), edit)


def sent(kind: str) -> Form:
    fields = request.form
    return Form(kind, fields.get("spoken", "").strip(), fields.get("written", "").strip(), fields.get("was", ""))


def page_number(value: str) -> int:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 7 else 1
