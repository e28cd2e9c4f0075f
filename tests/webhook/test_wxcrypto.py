"""WXBizMsgCrypt: Tencent's published vectors, wechatpy as an independent client, bad inputs."""
import base64
import struct
import time
from types import SimpleNamespace

import pytest
import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto as WechatpyOfficialAccount
from wechatpy.enterprise.crypto import WeChatCrypto as WechatpyWeCom

from webhook.channels import wxcrypto
from webhook.channels.wxcrypto import (BadCiphertext, BadSignature, InvalidAESKey, MessageCrypto,
                                       ProtocolError, StaleTimestamp, WrongReceiver, check_signature,
                                       check_timestamp, signature)

# WeCom's sample account, used throughout Tencent's WXBizMsgCrypt samples and the protocol page
# https://developer.work.weixin.qq.com/document/path/90968 (加解密方案说明); the requests below
# appear in github.com/sbzhu/weworkapi_python callback/Sample.py and callback_python3/Sample.py
# (GET /cgi-bin/wxpush?msg_signature=5c45ff5e…, POST …msg_signature=477715d1…) and in the
# C# Sample.cs of the same SDK (sReqMsgSig, sReqTimeStamp, sReqNonce, sReqData).
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP_ID = "wx5823bf96d3bd56c7"
VERIFY = ("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
          "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")
REQUEST = ("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149",
           "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qcz"
           "cdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8q"
           "Ljvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4L"
           "UMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rU"
           "PA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXd"
           "Q2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==")

# The 2016 sample account of github.com/sbzhu/weworkapi_python callback/Sample.py
# (sVerifyMsgSig/sVerifyEchoStr and sReqMsgSig/sReqData there).
WECOM_2016 = ("hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
              "ww1436e0e65a779aee")
VERIFY_2016 = ("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683",
               "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==")
REQUEST_2016 = ("0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914",
                "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3Ny"
                "eTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqf"
                "de0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pF"
                "rdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84E"
                "pHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+")

# The Official Account sample of Tencent's 公众平台 WXBizMsgCrypt Python SDK ("对公众平台发送给
# 公众账号的消息加解密示例代码", its __main__: token spamtest, appid wx2c2769f8efd9abc2,
# msg_sign 5d197aaf…); the same vector is in github.com/fotock/WXbizMsgCrypt-Node README.md.
OA = ("spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2")
OA_REQUEST = ("5d197aaffba7e9b25a30732f161a50dee96bd5fa", "1409735669", "1320562132",
              "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM"
              "4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyX"
              "won8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCV"
              "KSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1Dl"
              "D+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF"
              "2PE=")

# wechatpy's own WeCom vectors, github.com/wechatpy/wechatpy tests/test_crypto.py.
WECHATPY = ("123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx49f0ab532d5d035a")


def at(timestamp: str) -> float:
    """`now` for a recorded request: the vectors are from 2014-2016, far outside the window."""
    return float(timestamp)


@pytest.fixture
def wecom() -> MessageCrypto:
    return MessageCrypto(TOKEN, AES_KEY, CORP_ID)


# --- the published vectors ------------------------------------------------------------------

@pytest.mark.parametrize("account, request_, echo", [
    ((TOKEN, AES_KEY, CORP_ID), VERIFY, "1616140317555161061"),
    (WECOM_2016, VERIFY_2016, "1288432023552776189"),
    # wechatpy tests/test_crypto.py test_check_signature_should_ok
    (WECHATPY, ("dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374425",
                "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="),
     "5927782489442352469"),
], ids=["wecom-sample", "wecom-2016", "wechatpy"])
def test_verify_url_decrypts_the_published_echostr(account, request_, echo):
    assert MessageCrypto(*account).verify_url(*request_, now=at(request_[1])) == echo


@pytest.mark.parametrize("account, request_, expected", [
    ((TOKEN, AES_KEY, CORP_ID), REQUEST,
     {"FromUserName": "mycreate", "Content": "hello", "MsgId": "4561255354251345929", "AgentID": "218"}),
    (WECOM_2016, REQUEST_2016, {"FromUserName": "ChenJiaShun", "Content": "你好", "AgentID": "1000002"}),
    (OA, OA_REQUEST, {"FromUserName": "oyORnuP8q7ou2gfYjqLzSIWZf0rs", "Content": "abcdteT",
                      "MsgId": "6054768590064713728"}),
], ids=["wecom-sample", "wecom-2016", "official-account"])
def test_check_decrypts_the_published_request(account, request_, expected):
    plain = MessageCrypto(*account).check(*request_, now=at(request_[1]))
    fields = xmltodict.parse(plain)["xml"]
    assert {key: fields[key] for key in expected} == expected


@pytest.mark.parametrize("token, timestamp, nonce, parts, expected", [
    (*OA[:1], *OA_REQUEST[1:3], OA_REQUEST[3:], OA_REQUEST[0]),  # Tencent OA sample msg_sign
    (TOKEN, *REQUEST[1:3], REQUEST[3:], REQUEST[0]),  # WeCom sample msg_signature
    ("test", "1410685589", "test", (), "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"),  # wechatpy test_utils
    ("789", "456", "123", (), "f7c3bc1d808e04732adf679965ccc34ca7ae3441"),  # wechatpy WeChatSigner test
], ids=["oa-msg", "wecom-msg", "url-plain", "signer"])
def test_signature_matches_published_values(token, timestamp, nonce, parts, expected):
    assert signature(token, timestamp, nonce, *parts) == expected
    check_signature(expected, token, timestamp, nonce, *parts)


def test_encrypt_reproduces_wechatpys_published_ciphertext(monkeypatch):
    """wechatpy fixes the 16 random bytes to "1234567890123456"; so can we, byte for byte."""
    monkeypatch.setattr(wxcrypto, "os", SimpleNamespace(urandom=lambda size: b"1234567890123456"))
    reply = ("<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n"
             "<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n"
             "<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n"
             "<CreateTime>1411525903</CreateTime>\n</xml>")
    encrypted, msg_signature, _, _ = MessageCrypto(*WECHATPY).encrypt(reply, "461056294", "1411525903")
    assert encrypted == (
        "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBq"
        "GsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nF"
        "hHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbg"
        "X05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3y"
        "pD3WeK2XeFYFMNMpatF9XiKzHo3")
    assert msg_signature == "407518b7649e86ef23978113f92d27afa9296533"


# --- wechatpy as the other side -------------------------------------------------------------

CLIENTS = [pytest.param(WechatpyOfficialAccount, OA, id="official-account"),
           pytest.param(WechatpyWeCom, (TOKEN, AES_KEY, CORP_ID), id="wecom")]
TEXTS = ["<xml><Content><![CDATA[hello]]></Content></xml>", "天河区长者饭堂几点开门？", "👵🏻" * 700, ""]


@pytest.mark.parametrize("client, account", CLIENTS)
@pytest.mark.parametrize("text", TEXTS, ids=["xml", "chinese", "long-emoji", "empty"])
def test_we_decrypt_what_wechatpy_encrypts(client, account, text):
    envelope = xmltodict.parse(client(*account).encrypt_message(text, "5051", "1700000000"))["xml"]
    ours = MessageCrypto(*account)
    args = envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"]
    assert ours.check(*args, now=1700000000) == text


@pytest.mark.parametrize("client, account", CLIENTS)
@pytest.mark.parametrize("text", TEXTS, ids=["xml", "chinese", "long-emoji", "empty"])
def test_wechatpy_decrypts_what_we_encrypt(client, account, text):
    encrypted, msg_signature, timestamp, nonce = MessageCrypto(*account).encrypt(text)
    assert client(*account).decrypt_message({"Encrypt": encrypted}, msg_signature, timestamp, nonce) == text


def test_wechatpy_verifies_our_echostr(wecom):
    encrypted, msg_signature, timestamp, nonce = wecom.encrypt("8763221")
    assert WechatpyWeCom(TOKEN, AES_KEY, CORP_ID).check_signature(msg_signature, timestamp, nonce,
                                                                   encrypted) == "8763221"


def test_encrypt_defaults_to_a_fresh_timestamp_and_nonce(wecom):
    first, second = wecom.encrypt("你好"), wecom.encrypt("你好")
    assert first[0] != second[0], "the 16 random bytes make every ciphertext different"
    assert abs(int(first[2]) - time.time()) < 5 and first[3].isdigit()
    encrypted, msg_signature, timestamp, nonce = first
    assert wecom.check(msg_signature, timestamp, nonce, encrypted) == "你好"


@given(st.text())
def test_round_trip_any_text(text):
    crypto = MessageCrypto(TOKEN, AES_KEY, CORP_ID)
    encrypted, msg_signature, timestamp, nonce = crypto.encrypt(text)
    assert crypto.check(msg_signature, timestamp, nonce, encrypted) == text


# --- bad input ------------------------------------------------------------------------------

def assert_safe(error: ProtocolError) -> None:
    """A 400 body may quote the error: it must not carry the secrets."""
    assert isinstance(error, ValueError)
    for secret in (TOKEN, AES_KEY, base64.b64decode(AES_KEY + "=").hex()):
        assert secret not in str(error)


@pytest.mark.parametrize("bad", [
    "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4",  # last digit changed
    "5C45FF5E21C57E6AD56BAC8758B79B1D9AC89FD3",  # upper case: the platforms send lower case
    signature("another-token", *VERIFY[1:]),
    "",
    "签名",
], ids=["flipped", "upper", "wrong-token", "empty", "non-ascii"])
def test_wrong_signature_is_refused_before_decrypting(wecom, bad):
    with pytest.raises(BadSignature) as caught:
        wecom.verify_url(bad, *VERIFY[1:], now=at(VERIFY[1]))
    assert_safe(caught.value)


def test_signature_covers_the_ciphertext(wecom):
    with pytest.raises(BadSignature):
        wecom.check(*REQUEST[:3], VERIFY[3], now=at(REQUEST[1]))


def test_the_2014_sample_replayed_today_is_stale(wecom):
    with pytest.raises(StaleTimestamp):
        wecom.check(*REQUEST)


NOW = 1_700_000_000


@pytest.mark.parametrize("timestamp", [NOW, str(NOW - 300), str(NOW + 60), f" {NOW} "])
def test_timestamps_inside_the_window_pass(timestamp):
    check_timestamp(timestamp, now=NOW)


@pytest.mark.parametrize("timestamp", [
    str(NOW - 301), str(NOW + 61), "0", "99999999999", "", "abc", "-5", "1e9", "1700000000.5", "١٧٠٠٠٠٠٠٠٠",
], ids=["stale", "future", "zero", "far-future", "empty", "letters", "negative", "exponent", "fraction",
        "arabic-digits"])
def test_timestamps_outside_the_window_fail(timestamp):
    with pytest.raises(StaleTimestamp) as caught:
        check_timestamp(timestamp, now=NOW)
    assert_safe(caught.value)


def test_check_timestamp_defaults_to_the_clock():
    check_timestamp(str(int(time.time())))
    with pytest.raises(StaleTimestamp):
        check_timestamp(str(int(time.time()) - 3600))


def seal(plaintext: bytes) -> str:
    """Encrypt raw bytes with the sample key, bypassing our padding and framing."""
    key = base64.b64decode(AES_KEY + "=")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plaintext) + encryptor.finalize()).decode()


def frame(message: bytes, receive_id: bytes = CORP_ID.encode(), length: int | None = None) -> bytes:
    size = len(message) if length is None else length
    return b"0123456789abcdef" + struct.pack(">I", size) + message + receive_id


def pkcs7(data: bytes) -> bytes:
    size = 32 - len(data) % 32
    return data + bytes([size]) * size


SAMPLE_RAW = base64.b64decode(REQUEST[3])


@pytest.mark.parametrize("ciphertext", [
    "not base64!",
    "QUJD\n",
    "QUJ",
    "",
    base64.b64encode(SAMPLE_RAW[:-5]).decode(),
    base64.b64encode(SAMPLE_RAW[:-16]).decode(),
    seal(frame(b"hello") + bytes(5)),
    seal(pkcs7(frame(b"hello"))[:-1] + b"\x21"),
    seal(frame(b"hello", b"wx5823bf96d3bd56c") + b"\x06\x06\x06\x06\x05\x06"),
    seal(pkcs7(b"0123456789abcdef")),
    seal(pkcs7(frame(b"hello", length=10_000))),
    seal(pkcs7(frame("你好".encode("gbk")))),
], ids=["bad-base64", "newline", "base64-length", "empty", "truncated-bytes", "truncated-block",
        "zero-padding", "padding-too-large", "inconsistent-padding", "too-short", "bad-length",
        "not-utf8"])
def test_bad_ciphertext_is_refused(wecom, ciphertext):
    with pytest.raises(BadCiphertext) as caught:
        wecom.decrypt(ciphertext)
    assert_safe(caught.value)


def test_our_framing_helpers_build_what_decrypt_accepts(wecom):
    """The bad cases above differ from a good one only where they mean to."""
    assert wecom.decrypt(seal(pkcs7(frame("你好".encode())))) == "你好"


@pytest.mark.parametrize("plaintext", [
    pkcs7(frame(b"hello", b"wx0000000000000000")),
    pkcs7(frame(b"hello", b"wx5823bf96d3bd56c7x")),
    pkcs7(frame(b"hello", b"")),
], ids=["other-corp", "longer-id", "no-id"])
def test_other_receive_ids_are_refused(wecom, plaintext):
    with pytest.raises(WrongReceiver) as caught:
        wecom.decrypt(seal(plaintext))
    assert_safe(caught.value)


def test_a_message_for_another_app_id_is_refused(wecom):
    other = WechatpyOfficialAccount(TOKEN, AES_KEY, "wx2c2769f8efd9abc2")
    envelope = xmltodict.parse(other.encrypt_message("hello", "1", str(NOW)))["xml"]
    with pytest.raises(WrongReceiver):
        wecom.check(envelope["MsgSignature"], str(NOW), "1", envelope["Encrypt"], now=NOW)


@pytest.mark.parametrize("key", [
    "", "short", AES_KEY + "A", AES_KEY[:-1] + "=", AES_KEY[:-1] + "-", AES_KEY[:-1] + "中", None,
], ids=["empty", "short", "44-chars", "padding", "url-safe", "non-ascii", "none"])
def test_invalid_encoding_aes_key_is_a_clear_config_error(key):
    with pytest.raises(InvalidAESKey, match="EncodingAESKey must be 43"):
        MessageCrypto(TOKEN, key, CORP_ID)


def test_empty_token_is_a_config_error():
    with pytest.raises(ValueError, match="token"):
        MessageCrypto("", AES_KEY, CORP_ID)


def test_repr_hides_the_secrets(wecom):
    assert TOKEN not in repr(wecom) and AES_KEY not in repr(wecom) and CORP_ID in repr(wecom)
