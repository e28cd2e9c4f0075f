"""The domain dictionary, the synonym groups and the colloquial lexicon (交钱 → 缴费 收费) of one
data dir, editable from the console.

The shipped files (`index/data/dictionary.txt`, `synonyms.txt`, `colloquial.txt`) are the
defaults. A save writes an override to `<data_dir>/lexicon/` (temp file, fsync, rename: a
reader sees the old file or the new one, never half of it), which from then on is what every
process of that data dir uses. Readers notice a save by `stamp()` — one `stat` per file — so a
searcher can check on every search without reading anything. A synonym or colloquial change
takes effect at the next search; a dictionary change changes how text is cut into words, so
the index is rebuilt (index/engine.py compares the dictionary's fingerprint) and swapped in.

With a shared database (ADVISOR_DATABASE_URL) a Lexicon is given its SharedLexicon
(index/shared_lexicon.py): a save goes to every node, and `stamp()` first mirrors what another
node saved into these files — everything downstream reads the files as on one box.
"""
from __future__ import annotations

import fcntl
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from index.analysis import DATA, DEFAULT_FREQ, normalize, parse_dictionary, read_word_file, use_dictionary
from index.synonyms import idle_words

if TYPE_CHECKING:
    from index.shared_lexicon import SharedLexicon

DICTIONARY, SYNONYMS, COLLOQUIAL = "dictionary.txt", "synonyms.txt", "colloquial.txt"
NAMES = (DICTIONARY, SYNONYMS, COLLOQUIAL)
MAX_WORD = 20  # characters; longer "words" are sentences
_WORD = re.compile(r"^[\u4E00-\u9FD5a-z0-9+#&._%\-]+$")  # what jieba can keep as one word
_FREQ, _TAG = re.compile(r"^[1-9][0-9]{0,8}$"), re.compile(r"^[a-z]{1,4}$")
HEADERS = {
    DICTIONARY: "# 养老领域词典（控制台编辑）：每行一个词，可选词频与词性。改动后索引会自动重建。\n",
    SYNONYMS: "# 同义词（控制台编辑）：每行一组，组内用空格分隔。改动在下一次检索时生效。\n",
    COLLOQUIAL: "# 口语→书面语（控制台编辑）：每行“口语 → 书面词 书面词”。改动在下一次检索时生效。\n",
}
ARROW = re.compile(r"\s*(?:→|->|=>)\s*")
WRITTEN_SEPARATORS = re.compile(r"[\s、，,；;]+")  # between the written forms typed into the console
Pair = tuple[str, tuple[str, ...]]  # (how people say it, how documents write it)


class Lexicon:
    def __init__(self, data_dir: Path | str, shared: "SharedLexicon | None" = None):
        self.dir = Path(data_dir) / "lexicon"
        self.shared = shared  # the overrides every node shares (PostgreSQL), or None: files only

    def path(self, name: str) -> Path:
        """The file in force: the data dir's override when there is one, else the shipped one."""
        override = self.dir / name
        return override if override.exists() else DATA / name

    def stamp(self) -> tuple:
        """Changes whenever an override is saved, added or removed (inode, mtime, size). With a
        shared database, a save on another node is mirrored here first (`follow`)."""
        self.follow()
        return tuple(_stat(self.dir / name) for name in NAMES)

    def follow(self) -> None:
        """Bring the overrides in line with the shared database's, if there is one (one small
        query at most every second or so: index/shared_lexicon.py)."""
        if self.shared is not None:
            self.shared.pull(self)

    def override_text(self, name: str) -> str | None:
        """The data dir's override as written, or None while the shipped file is in force."""
        try:
            return (self.dir / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def mirror(self, name: str, text: str) -> None:
        """Make `text` the override `name` (another node's save), unless it already is."""
        if self.override_text(name) != text:
            self.write_file(name, text)

    # -- reading ------------------------------------------------------------------------
    def dictionary_entries(self) -> tuple[tuple[str, int], ...]:
        """(word, frequency) in file order, as jieba gets them."""
        return parse_dictionary(read_word_file(self.path(DICTIONARY)))

    def dictionary(self) -> list[str]:
        return [word for word, _ in self.dictionary_entries()]

    def synonym_groups(self) -> list[list[str]]:
        return [line.split() for line in read_word_file(self.path(SYNONYMS))]

    def colloquial_pairs(self) -> list[tuple[str, tuple[str, ...]]]:
        """(how people say it, how documents write it): 交钱 → (缴费, 收费). A line without an
        arrow is skipped: this file is data an advisor edits, and one slip must not stop a search."""
        if not self.path(COLLOQUIAL).exists():
            return []
        return [pair for line in read_word_file(self.path(COLLOQUIAL)) if (pair := parse_colloquial(line))]

    def colloquial_table(self) -> dict[str, tuple[str, ...]]:
        """Each spoken phrase once with all its written forms, in file order: what the console
        lists (a phrase on two lines of a hand-edited file counts as one, as the search has it)."""
        table: dict[str, tuple[str, ...]] = {}
        for spoken, written in self.colloquial_pairs():
            table[spoken] = tuple(dict.fromkeys(table.get(spoken, ()) + written))
        return table

    def save_colloquial_pairs(self, lines: list[str]) -> None:
        pairs = [_checked_pair(line, number) for number, line in enumerate(lines, 1) if line.strip()]
        with self._locked():
            self._write(COLLOQUIAL, [pair_line(pair) for pair in pairs])

    # -- the colloquial lexicon one pair at a time (the console's list) -------------------
    # Each edit rewrites the file in force line by line, so the shipped file's topic headings and
    # comments stay where they were, and a new pair goes at the end.
    def add_colloquial(self, spoken: str, written: str) -> Pair:
        pair = check_colloquial(spoken, written)
        with self._locked():
            lines = self._colloquial_lines()
            self._refuse_listed(pair[0])
            self._write(COLLOQUIAL, lines + [pair_line(pair)])
        return pair

    def change_colloquial(self, was: str, spoken: str, written: str) -> tuple[Pair, Pair]:
        """Replace the pair of the spoken phrase `was` (it may be renamed): (before, after)."""
        pair = check_colloquial(spoken, written)
        with self._locked():
            before = self._listed(was)
            if pair[0] != before[0]:
                self._refuse_listed(pair[0])
            lines = self._colloquial_lines()
            at = _lines_of(lines, before[0])
            lines[at[0]] = pair_line(pair)
            self._write(COLLOQUIAL, [line for i, line in enumerate(lines) if i not in at[1:]])
        return before, pair

    def remove_colloquial(self, spoken: str) -> Pair:
        with self._locked():
            removed = self._listed(spoken)
            lines = self._colloquial_lines()
            at = set(_lines_of(lines, removed[0]))
            self._write(COLLOQUIAL, [line for i, line in enumerate(lines) if i not in at])
        return removed

    def _colloquial_lines(self) -> list[str]:
        """The file in force as it is written, comments included, without the header `_write` adds."""
        path = self.path(COLLOQUIAL)
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return [line for line in lines if line != HEADERS[COLLOQUIAL].rstrip("\n")]

    def _listed(self, spoken: str) -> Pair:
        phrase = normalize((spoken or "").strip())
        table = self.colloquial_table()
        if phrase not in table:
            raise ValueError(f"“{phrase}”已不在口语词表里（可能刚被别人改过或删除），请刷新页面再试 / "
                             f"“{phrase}” is not listed")
        return phrase, table[phrase]

    def _refuse_listed(self, phrase: str) -> None:
        written = self.colloquial_table().get(phrase)
        if written is not None:
            raise ValueError(f"“{phrase}”已经在口语词表里了（→ {' '.join(written)}），要改请在列表里点“修改” / "
                             f"“{phrase}” is listed already")

    def split_words(self) -> list[str]:
        """Synonyms the analyzer cuts into several words: a question never holds them as one
        term, so they only work once they are in the dictionary too (for the console to say)."""
        from index.analysis import terms, use_dictionary

        use_dictionary(self.dictionary_entries())
        return [word for group in self.synonym_groups() for word in group if normalize(word) not in terms(word)]

    def idle_colloquial(self, pair: Pair) -> list[str]:
        """The words of `pair` no search uses with this data dir's dictionary (for the console to
        say). Like `split_words`, it puts that dictionary in force in jieba, which is global."""
        use_dictionary(self.dictionary_entries())
        return idle_words(*pair)

    # -- writing ------------------------------------------------------------------------
    def save_dictionary(self, words: list[str]) -> None:
        """Replace the dictionary. Each item is a word, or `word frequency [tag]` as in jieba's
        user dictionaries; a word already in the dictionary keeps its frequency and tag."""
        known = {line.split()[0]: line for line in read_word_file(self.path(DICTIONARY))}
        lines: dict[str, str] = {}
        for number, item in enumerate(words, 1):
            line = _dictionary_line(item, number, known)
            lines.setdefault(line.split()[0], line)  # a word twice: the first one counts
        with self._locked():
            self._write(DICTIONARY, list(lines.values()))

    def save_synonym_groups(self, groups: list[list[str]]) -> None:
        with self._locked():
            self._write(SYNONYMS, [" ".join(group) for group in check_groups(groups)])

    def add_synonym(self, word: str, to_word: str) -> None:
        """Add `word` to the group holding `to_word`, or make the two a new group."""
        new, target = _check_word(word, "word"), _check_word(to_word, "to_word")
        if new == target:
            raise ValueError(f"“{word}”和“{to_word}”是同一个词 / a word cannot be its own synonym")
        with self._locked():
            groups = [[normalize(w) for w in group] for group in self.synonym_groups()]
            holding = next((group for group in groups if target in group), None)
            if holding is None:
                groups.append([target, new])
            elif new not in holding:
                holding.append(new)
            self._write(SYNONYMS, [" ".join(group) for group in check_groups(groups)])

    def _write(self, name: str, lines: list[str]) -> None:
        """Inside `_locked`: the file here, or with a shared database the row every node mirrors
        (and this file once the row is committed)."""
        text = HEADERS[name] + "".join(line + "\n" for line in lines)
        if self.shared is None:
            self.write_file(name, text)
        else:
            self.shared.publish(name, text)

    def write_file(self, name: str, text: str) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{name}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.dir / name)

    @contextmanager
    def _locked(self):
        """One writer at a time: across this node's processes, and with a shared database
        across every node's (two console users adding synonyms at once both keep theirs)."""
        with self.file_lock():
            if self.shared is None:
                yield
                return
            with self.shared.editing(self):
                yield

    @contextmanager
    def file_lock(self):
        """One writer of this data dir's files at a time across processes."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "write.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def check_groups(groups: list[list[str]]) -> list[list[str]]:
    """Normalised groups, or ValueError: empty words, spaces, a group of one, a word in two groups."""
    seen: dict[str, int] = {}
    checked = []
    for number, group in enumerate(groups, 1):
        if isinstance(group, str):
            raise ValueError(f"第{number}组应是词的列表 / group {number} must be a list of words")
        words = list(dict.fromkeys(_check_word(word, f"group {number}") for word in group))
        if len(words) < 2:
            raise ValueError(f"第{number}组至少要两个不同的词 / group {number} needs two different words")
        for word in words:
            if word in seen:
                raise ValueError(f"“{word}”同时在第{seen[word]}组和第{number}组 / "
                                 f"“{word}” is in groups {seen[word]} and {number}")
            seen[word] = number
        checked.append(words)
    return checked


def _check_word(word: str, where: str) -> str:
    """The word normalised as the index holds text (simplified, half-width, lower case)."""
    if not isinstance(word, str) or not word.strip():
        raise ValueError(f"词不能为空（{where}） / empty word ({where})")
    word = normalize(word.strip())
    if re.search(r"\s", word):
        raise ValueError(f"“{word}”：词里不能有空格 / a word cannot contain spaces ({where})")
    if len(word) > MAX_WORD:
        raise ValueError(f"“{word}”太长（最多{MAX_WORD}个字） / longer than {MAX_WORD} characters ({where})")
    if not _WORD.match(word):
        raise ValueError(f"“{word}”：只能含汉字、字母和数字 / only Chinese characters, letters and digits ({where})")
    return word


def _dictionary_line(item: str, number: int, known: dict[str, str]) -> str:
    parts = item.split() if isinstance(item, str) else []
    if len(parts) > 1 and not (len(parts) <= 3 and _FREQ.match(parts[1]) and (len(parts) == 2 or _TAG.match(parts[2]))):
        raise ValueError(f"“{item.strip()}”：词里不能有空格（第{number}个） / a word cannot contain spaces (entry {number}); "
                         "write `词 词频 词性` for a frequency")
    word = _check_word(parts[0] if parts else "", f"entry {number}")
    if len(parts) > 1:
        return " ".join([word] + parts[1:])
    return known.get(word, f"{word} {DEFAULT_FREQ}")


def parse_colloquial(line: str) -> tuple[str, tuple[str, ...]] | None:
    pieces = ARROW.split(line.strip(), maxsplit=1)
    if len(pieces) != 2 or not pieces[0] or not pieces[1].split():
        return None
    return normalize(pieces[0]), tuple(normalize(word) for word in pieces[1].split())


def check_colloquial(spoken: str, written: str) -> Pair:
    """One pair as typed into the console's two fields: the spoken phrase, and the written forms
    separated by spaces or 、，; — normalised, repeats dropped. ValueError for an empty side, a
    word the index cannot hold, or written forms that only repeat the spoken phrase (such a
    pair finds nothing the phrase itself does not)."""
    if not (spoken or "").strip():
        raise ValueError("口语说法不能为空：写老人平常怎么说，如“交钱” / the spoken phrase is empty")
    words = [word for word in WRITTEN_SEPARATORS.split((written or "").strip()) if word]
    if not words:
        raise ValueError("书面写法不能为空：写文件里的说法，如“缴费 收费” / the written side is empty")
    phrase = _check_word(spoken, "spoken")
    forms = tuple(dict.fromkeys(_check_word(word, "written") for word in words))
    if set(forms) == {phrase}:
        raise ValueError(f"“{phrase}”：口语说法和书面写法一样，这一条不起作用；右边要写文件里的说法 / "
                         "the written form equals the spoken phrase")
    return phrase, forms


def pair_line(pair: Pair) -> str:
    """As the file and the console write it: 交钱 → 缴费 收费."""
    return f"{pair[0]} → {' '.join(pair[1])}"


def _lines_of(lines: list[str], phrase: str) -> list[int]:
    return [i for i, line in enumerate(lines)
            if not line.lstrip().startswith("#") and (pair := parse_colloquial(line)) and pair[0] == phrase]


def _checked_pair(line: str, number: int) -> tuple[str, tuple[str, ...]]:
    pair = parse_colloquial(line)
    if pair is None:
        raise ValueError(f"第{number}行：要写成“口语 → 书面词 书面词” / line {number}: expected 'spoken → written …'")
    for word in (pair[0], *pair[1]):
        _check_word(word, f"line {number}")
    return pair


def _stat(path: Path) -> tuple | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size
