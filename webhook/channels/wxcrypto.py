"""WeChat Official Account / WeCom message crypto: the WXBizMsgCrypt protocol.

Both platforms sign each callback with sha1(sorted(token, timestamp, nonce[, encrypted]))
and, in safe mode (always for WeCom), carry the message AES-256-CBC encrypted:

    key = base64decode(EncodingAESKey + "="), iv = key[:16], PKCS#7 padding to 32 bytes,
    plaintext = 16 random bytes + 4-byte big-endian length + message + receive id

where the receive id is the AppID (WeChat) or CorpID (WeCom). Everything arriving here is
untrusted, so every failure is a `ProtocolError` whose message is safe to put in a 400 reply:
it names what was wrong, never the token, the key or the decrypted text.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # PKCS#7 block of the protocol (twice the AES block)
MAX_AGE = 300  # seconds a signed request stays acceptable: bounds replay of a captured one
MAX_SKEW = 60  # seconds a timestamp may lie in the future: clock drift, not an attack
_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")
_HEADER = 20  # 16 random bytes + 4-byte length


class ProtocolError(ValueError):
    """A callback that breaks the protocol; str(error) is a safe 400 message."""

    message = "request does not follow the protocol"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)


class BadSignature(ProtocolError):
    message = "signature does not match"


class StaleTimestamp(ProtocolError):
    message = "timestamp outside the accepted window"


class BadCiphertext(ProtocolError):
    message = "ciphertext cannot be decrypted"


class WrongReceiver(ProtocolError):
    message = "message is addressed to another AppID/CorpID"


class InvalidAESKey(ValueError):
    """A misconfigured EncodingAESKey: a deployment error (500 at startup), not a bad request."""


def signature(token: str, timestamp: str | int, nonce: str, *parts: str) -> str:
    """The platforms' sha1 over the sorted strings, concatenated (hex, lower case)."""
    joined = "".join(sorted([token, str(timestamp), nonce, *parts]))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def check_signature(expected: str, token: str, timestamp: str | int, nonce: str,
                    *parts: str) -> None:
    """Raise BadSignature unless `expected` signs the strings; constant time, no oracle."""
    actual = signature(token, timestamp, nonce, *parts)
    if not hmac.compare_digest(actual.encode(), str(expected).encode("utf-8", "replace")):
        raise BadSignature()


def check_timestamp(timestamp: str | int, now: float | None = None, window: int = MAX_AGE,
                    skew: int = MAX_SKEW) -> None:
    """Reject replays: older than `window` seconds or more than `skew` seconds ahead.

    WeChat retries an unanswered callback within ~15 s with the same timestamp, so five
    minutes is ample; the 60 s of future skew tolerates a server clock a little behind.
    Returns the timestamp as an int.
    """
    text = str(timestamp).strip()
    if not text.isascii() or not text.isdigit():
        raise StaleTimestamp("timestamp is not a number")
    now = time.time() if now is None else now
    if not now - window <= int(text) <= now + skew:
        raise StaleTimestamp()


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind an EncodingAESKey (43 base64 characters, no padding)."""
    if not isinstance(encoding_aes_key, str) or not _AES_KEY.fullmatch(encoding_aes_key):
        raise InvalidAESKey("EncodingAESKey must be 43 base64 characters (A-Z, a-z, 0-9)")
    return base64.b64decode(encoding_aes_key + "=")


class MessageCrypto:
    """Encrypt, decrypt and sign messages for one AppID/CorpID (the receive id)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str):
        if not token:
            raise ValueError("token must not be empty")
        self._token = token
        key = decode_aes_key(encoding_aes_key)
        # Immutable (each use makes its own encryptor/decryptor context), so built once.
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))
        self._receive_id = receive_id.encode("utf-8")

    def __repr__(self) -> str:  # never show the token or the key in logs and tracebacks
        return f"MessageCrypto(receive_id={self._receive_id.decode()!r})"

    def decrypt(self, ciphertext_b64: str) -> str:
        """Open a ciphertext; call only after its signature checked out (see `check`).

        Unauthenticated CBC would leak through padding errors, which is why `check`
        verifies the signature, keyed by the token, before anything is decrypted.
        """
        raw = _b64decode(ciphertext_b64)
        if not raw or len(raw) % 16:
            raise BadCiphertext("ciphertext length is not a whole number of AES blocks")
        decryptor = self._cipher.decryptor()
        body = _unpad(decryptor.update(raw) + decryptor.finalize())
        message, receive_id = _split_plaintext(body)
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise WrongReceiver()
        return _utf8(message)

    def encrypt(self, text: str, nonce: str | None = None,
                timestamp: str | int | None = None) -> tuple[str, str, str, str]:
        """Encrypt and sign a reply: (encrypted_b64, msg_signature, timestamp, nonce)."""
        message = text.encode("utf-8")
        plain = os.urandom(16) + struct.pack(">I", len(message)) + message + self._receive_id
        encryptor = self._cipher.encryptor()
        encrypted = encryptor.update(_pad(plain)) + encryptor.finalize()
        encrypted_b64 = base64.b64encode(encrypted).decode("ascii")
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or str(secrets.randbelow(10**10))
        msg_signature = signature(self._token, timestamp, nonce, encrypted_b64)
        return encrypted_b64, msg_signature, timestamp, nonce

    def check(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str,
              now: float | None = None) -> str:
        """Verify signature and freshness, then decrypt: the whole inbound check, in order."""
        check_signature(msg_signature, self._token, timestamp, nonce, encrypted)
        check_timestamp(timestamp, now)
        return self.decrypt(encrypted)

    def open_signed(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """`check` for a caller that has checked the timestamp already (before parsing the body
        the ciphertext came in): the signature, then decrypt."""
        check_signature(msg_signature, self._token, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str,
                   now: float | None = None) -> str:
        """WeCom's GET URL check: the decrypted echostr is the body to answer with."""
        return self.check(msg_signature, timestamp, nonce, echostr, now)


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise BadCiphertext("ciphertext is not valid base64") from None


def _pad(data: bytes) -> bytes:
    size = BLOCK - len(data) % BLOCK
    return data + bytes([size]) * size


def _unpad(data: bytes) -> bytes:
    size = data[-1]
    if not 1 <= size <= BLOCK or size > len(data) or data[-size:] != bytes([size]) * size:
        raise BadCiphertext("bad padding")
    return data[:-size]


def _split_plaintext(body: bytes) -> tuple[bytes, bytes]:
    """(message, receive id) out of random(16) + length(4) + message + receive id."""
    if len(body) < _HEADER:
        raise BadCiphertext("plaintext too short")
    (length,) = struct.unpack(">I", body[16:_HEADER])
    if _HEADER + length > len(body):
        raise BadCiphertext("bad message length")
    return body[_HEADER:_HEADER + length], body[_HEADER + length:]


def _utf8(message: bytes) -> str:
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError:
        raise BadCiphertext("message is not UTF-8") from None
