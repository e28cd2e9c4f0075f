"""Page chrome: the parts of a saved web page (or a text copied from one) that are not the document.

Government sites wrap every document in the same furniture: navigation menus and link rows
(中国政府网 | 市政府网 | …), breadcrumbs (当前位置：首页 > 政务公开), share / QR / print widgets,
and a footer (版权所有, Copyright, 主办单位, 承办, ICP备, 网站标识码, 联系我们). Left in, a footer
becomes the text of a record and a menu the answer to every question. These rules are about
the shape of such lines, never about one site.
"""
from __future__ import annotations

import re

from knowledge.importers.clauses import fold

Lines = list[tuple[int, str]]

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_IMAGE = re.compile(r"(?:\S+?\.(?:jpe?g|png|gif|bmp|webp))+", re.I)
_WIDGET = (r"(?:打印页面|打印本页|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|返回首页|返回|分享到|分享|收藏本页|收藏|"
           r"新浪微博|腾讯微博|微信|QQ空间|扫描关注|微信扫一扫|扫一扫|手机扫码|下载|纠错|我要纠错|"
           r"[大中小]|字体|默认|放大|缩小|取消收藏|\S{0,6}格式下载|下载附件|附件下载|【|】|-|—)")
_DEBRIS = re.compile("|".join([
    r".*简繁转换.*", r"(?:搜索热词|热门搜索|热词)\s*:.*",
    r"(?:当前位置|您的位置|您当前的位置|您现在的位置|当前页面|所在位置|位置)\s*:.*",
    r"(?:浏览)?字号\s*:?.{0,14}", rf"(?:[【\[]?{_WIDGET}[】\]]?[\s|:/]*)+", r"分享到.{0,30}", r"扫描关注.{0,20}",
    r"\(此件.{1,8}\)", r"\(?责任编辑\s*:.{0,20}", r"来源\s*:.{0,40}", r"(?:作者|编辑|校对|供稿)\s*:.{0,20}",
    r".{0,40}(?:阅读次数|浏览次数|点击数|访问量|浏览量)\s*:?\s*\d*.{0,20}", r"(?:发布|发稿|成文)(?:时间|日期)\s*:.{0,40}",
    r"(?:时间|日期)\s*:\s*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?",
    r"(?:上一篇|下一篇|上一条|下一条|相关链接|相关文章|相关阅读|友情链接)\s*:?.{0,60}",
]))
# A footer line: nothing of the document is written like this.
_FOOTER = re.compile(
    r"版权所有|Copyright|\(c\)\s*\d{4}|©|ICP\s*备|ICP证|网站标识码|公网安备|网站地图|主办单位\s*:|承办单位?\s*:|"
    r"主办\s*:|承办\s*:|技术支持\s*:|运维单位\s*:|维护单位\s*:|建议使用.{0,20}浏览器|分辨率|联系我们|"
    r"网站声明|隐私声明|无障碍浏览|适老化模式|长者模式|关怀版|政府网站找错", re.I)
_SCRIPT = re.compile(r"alert\(|javascript:|function\s*\(|document\.|window\.|\$\(|=\s*0\s*\?|\);\s*\">?"
                     r"|(?:/[\w.-]+){2,}\.s?html?")  # a page's link targets left as text: 政务公开/col/col15393/index.html
_BREADCRUMB = re.compile(r"^(?:\S{1,12}\s*(?:>|»|›|→|＞|>>)\s*){2,}\S{0,20}$")
_SEPARATORS = re.compile(r"\s*[|｜丨·•]\s*")


def is_link_row(probe: str) -> bool:
    """A row of short link labels: '中国政府网 | 市政府网 | 部门网站' or '首页 政务公开 办事服务 互动交流'.
    Table rows (tab cells, markdown's '| a | b |') are not."""
    if "\t" in probe or probe.startswith(("|", "｜")):
        return False
    pieces = [p for p in _SEPARATORS.split(probe) if p]
    if len(pieces) >= 3 and len(_SEPARATORS.findall(probe)) >= 2 and all(len(p) <= 16 for p in pieces):
        return not any(p.endswith(("。", "；", ";")) for p in pieces)
    words = probe.split(" ")
    return (len(words) >= 4 and all(2 <= len(w) <= 8 for w in words)
            and not re.search(r"[\d。，,；;：:、（）()]", probe))


def is_chrome(probe: str) -> bool:
    """A line of page furniture (see the module docstring); probe is folded and stripped."""
    return bool(_DEBRIS.fullmatch(probe) or _BREADCRUMB.match(probe) or is_link_row(probe) or _SCRIPT.search(probe)
                or (_FOOTER.search(probe) and len(probe) <= 80))


def page_lines(text: str) -> Lines:
    """Every line with page chrome removed. Blank lines and tabs stay: in a Word export a
    tab opens a table cell and runs of blank lines end the table."""
    kept: Lines = []
    skip_caption = False
    for no, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = _BOOKMARK.sub("", line).replace("\xa0", " ")
        probe = fold(line).strip()
        if not probe:
            kept.append((no, line))
            continue
        if "关闭窗口" in probe and len(probe) <= 20:
            break  # the page footer starts here: share widgets, site name, copyright
        if _IMAGE.fullmatch(probe):
            skip_caption = True
            continue
        caption, skip_caption = skip_caption and len(probe) <= 50 and not probe.endswith("。"), False
        if not caption and not is_chrome(probe):
            kept.append((no, line))
    return _without_menus(kept)


MENU_RUN = 5  # this many short word-only lines in a row are a menu, not a text


def _without_menus(lines: Lines) -> Lines:
    """Drop runs of MENU_RUN or more lines that are each a short label ('通知通告', '发改之声',
    '政策解读' …): a site menu flattened one item per line. A flattened table has numbers
    ('1', '2') between its cells, so it never makes such a run."""
    out: Lines = []
    run: Lines = []
    for no, line in lines + [(0, "。")]:
        probe = fold(line).strip()
        if not probe and run and "\t" not in line:
            run.append((no, line))  # a blank line inside a menu run stays with it
            continue
        if probe and len(probe) <= 10 and not re.search(r"[\d。，,；;：:、（）()]", probe) and "\t" not in line:
            run.append((no, line))
            continue
        out.extend(run if len([1 for _, text in run if text.strip()]) < MENU_RUN else [])
        run = []
        out.append((no, line))
    return out[:-1]


def clean_lines(text: str) -> Lines:
    """(original 1-based line number, stripped line) for every line that is not page chrome."""
    return [(no, line.strip()) for no, line in page_lines(text) if line.strip()]
