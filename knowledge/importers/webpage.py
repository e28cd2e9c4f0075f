"""A web page saved from a browser → the lines of its document, without the site around it.

Three sources of truth, most reliable first:
* the page's own metadata — government sites follow the national website standard and put
  `<meta name="ArticleTitle">`, `PubDate` and `ContentSource` in every article page;
* structure — `<nav>`, `<header>`, `<footer>`, and blocks whose class or id says what they are
  (nav, menu, breadcrumb/crumb, footer, share, qrcode, copyright, sidebar …), removed only while
  they hold a small part of the page's text (a site that calls its article div "main-nav" keeps it);
* link density — a block that is mostly link text (menus, 相关链接, 友情链接) is furniture.
Line-level rules for what is left (breadcrumbs, footers, widgets) are in `chrome`.
"""
from __future__ import annotations

import re

from knowledge.importers.textio import decode

_DROP_TAGS = ["script", "style", "nav", "header", "footer", "noscript", "iframe", "form", "button", "select",
              "input", "aside", "link", "meta", "svg", "object"]
_CHROME_NAME = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|submenu|breadcrumbs?|crumbs?|footer|foot|share|bdshare\w*|qrcode|ewm|erweima|"
    r"copyright|banner|sidebar|toolbar|topbar|headnav|head-nav|friendlink|links?|position|location|"
    r"daohang|dh|login|search|skip)(?:$|[-_\s\d])", re.I)
_BLOCKS = ["ul", "ol", "dl", "div", "p", "table", "section", "td", "span"]
CHROME_SHARE = 0.3  # a named or link-dense block is chrome only while it holds less of the page's text
LINK_SHARE = 0.6
_LINE_TAGS = ["br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "dt", "dd", "section"]


def html_text(data: bytes) -> str:
    """The document's lines; a title and byline from the page's metadata come first when present."""
    from bs4 import BeautifulSoup

    # Pages taken from a database dump keep its escapes (<a href=\"…\">, \"爷爷\"); no page means them.
    soup = BeautifulSoup(re.sub(r"\\([\"'])", r"\1", decode(data)), "html.parser")
    meta = _meta(soup)
    head = _metadata_lines(soup, meta)
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for anchor in soup.find_all("a"):
        if anchor.get_text(strip=True) in ("#", "¶", "§", "🔗"):
            anchor.decompose()  # a heading's permalink: '海口市居家养老服务条例#'
    total = len(soup.get_text(strip=True)) or 1
    _drop_blocks(soup, total)
    for cell in soup.find_all(["td", "th"]):
        cell.append("\t")
    for block in soup.find_all(_LINE_TAGS):
        block.insert_after("\n")
    lines = [line.strip(" \t\u3000") for line in soup.get_text().split("\n")]
    lines = [line for line in _labels_joined(lines) if line != meta.get("sitename")]  # the site's name alone
    return "\n".join(head + _squeeze_blank(lines))


def _meta(soup) -> dict[str, str]:
    return {str(tag.get("name", "")).lower(): str(tag.get("content", "")).strip()
            for tag in soup.find_all("meta") if tag.get("name")}


def _metadata_lines(soup, meta: dict[str, str]) -> list[str]:
    """'标题' and '发布时间：… 来源：…' lines from ArticleTitle / PubDate / ContentSource. A PubDate
    that is the time the site regenerated the page (its '页面生成时间') dates nothing: the page's
    own byline (时间：2022-07-04) does."""
    title = meta.get("articletitle") or _og_title(soup) or _captioned_title(soup)
    published = meta.get("pubdate", "")
    if published and published in meta.get("others", ""):
        published = ""
    byline = " ".join(part for part in (
        f"发布时间：{published}" if published else "",
        f"来源：{meta['contentsource']}" if meta.get("contentsource") else "") if part)
    return [line for line in (title, byline) if line]


_LABEL = re.compile(r"^(?:发布)?(?:时间|日期|来源|作者|发布机构|发文机关)[:：]$")


def _labels_joined(lines: list[str]) -> list[str]:
    """'时间：' over '2022-07-04' (a byline laid out in cells) becomes one line, and so does a
    date cut by spans into '2022-', '05-', '23'; a label with no value ('来源：' followed by
    another label or nothing) goes."""
    out: list[str] = []
    for line in lines:
        if out and line[:1].isdigit() and out[-1].endswith(("-", ":", "：")) and out[-1][-2:-1].isdigit():
            out[-1] += line  # 发布时间：2022- / 05- / 23 / 15: / 56: one value cut by spans
        elif out and _LABEL.match(out[-1]) and line and not _LABEL.match(line):
            out[-1] += line
        elif out and _LABEL.match(out[-1]) and line:
            out[-1] = line
        elif line or not (out and _LABEL.match(out[-1])):
            out.append(line)
    return [line for line in out if not _LABEL.match(line)]


def _captioned_title(soup) -> str:
    """An article body taken out of its page (a news item kept in a database) has no title
    line, but a CMS captions each of its pictures with the article's title: one alt text on
    every captioned picture, seen at least twice, names the article. A whole page has a <title>
    or <h1> of its own and is not read so."""
    if soup.find(["title", "h1"]):
        return ""
    captions = [alt for img in soup.find_all("img") if (alt := str(img.get("alt", "")).strip())]
    if len(set(captions)) != 1 or len(captions) < 2:
        return ""
    alt = captions[0]
    return alt if sum("\u4e00" <= char <= "\u9fff" for char in alt) >= 6 and len(alt) <= 80 else ""


def _og_title(soup) -> str:
    tag = soup.find("meta", attrs={"property": "og:title"})
    return str(tag.get("content", "")).strip() if tag else ""


def _drop_blocks(soup, total: int) -> None:
    for block in soup.find_all(_BLOCKS):
        if block.decomposed:  # inside a block already dropped
            continue
        text = len(block.get_text(strip=True))
        if text / total >= CHROME_SHARE:
            continue
        if _named_chrome(block) or _link_dense(block, text):
            block.decompose()


def _named_chrome(block) -> bool:
    names = " ".join([*(block.get("class") or []), str(block.get("id") or "")])
    return bool(names.strip()) and bool(_CHROME_NAME.search(names))


def _link_dense(block, text: int) -> bool:
    links = block.find_all("a")
    if len(links) < 3 or not text:
        return False
    return sum(len(a.get_text(strip=True)) for a in links) / text >= LINK_SHARE


def _squeeze_blank(lines) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return out
