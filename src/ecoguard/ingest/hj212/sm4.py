"""SM4 encryption of the CP data area (HJ 212-2025 §6.4.2 and Appendix A.2).

Rules as quoted from the 2025 text by ``Daidai52640/cems-data-pipeline`` (the 2025 PDF itself was
not read; **unconfirmed** beyond these quotes, but the ciphertext of Appendix A.2 examples 1 and 3
is reproduced by this module, see ``tests/hj212/test_sm4.py``):

* SM4 (GB/T 32907), 128-bit key, ECB mode, **no padding**;
* the characters between ``CP=&&`` and the closing ``&&`` are encrypted in 16-byte blocks;
  a tail shorter than 16 bytes stays **plaintext**;
* the ciphertext is written as ``{0xE4,0x3E,...}`` followed by the plaintext tail;
* the CRC of the frame is that of the *plaintext* data segment
  ("先完成 CRC 校验并组包，再对数据段加密").

The block cipher is ``gmssl`` (pure Python, slow: use it per device that asks for encryption).
"""

from __future__ import annotations

import re

from gmssl import sm4 as _sm4

__all__ = ["CipherError", "decrypt_cp", "encrypt_cp", "is_encrypted_cp"]

_BLOCK = 16
_HEX_BYTE = re.compile(rb"0[xX]([0-9A-Fa-f]{1,2})")


class CipherError(ValueError):
    """The CP text is not a well-formed ``{0x..,...}`` ciphertext, or the key is not 16 bytes."""


def is_encrypted_cp(cp: bytes) -> bool:
    """Whether a CP data area (between ``CP=&&`` and ``&&``) is written as SM4 ciphertext."""
    return cp[:3] in (b"{0x", b"{0X")


def _blocks(key: bytes, data: bytes, mode: int) -> bytes:
    if len(key) != _BLOCK:
        raise CipherError(f"SM4 key must be 16 bytes, got {len(key)}")
    crypt = _sm4.CryptSM4()
    crypt.set_key(key, mode)
    out = bytearray()
    for i in range(0, len(data), _BLOCK):
        out += bytes(crypt.one_round(crypt.sk, list(data[i : i + _BLOCK])))
    return bytes(out)


def encrypt_cp(plain: bytes, key: bytes) -> bytes:
    """Encrypt a CP data area as HJ 212-2025 §6.4.2 prescribes.

    Parameters
    ----------
    plain : bytes
        The plaintext between ``CP=&&`` and the closing ``&&``.
    key : bytes
        The device's 16-byte SM4 key.

    Returns
    -------
    bytes
        ``{0xE4,0x3E,...}`` for the whole 16-byte blocks, then the plaintext tail.
    """
    whole = len(plain) - len(plain) % _BLOCK
    if whole == 0:
        return plain
    cipher = _blocks(key, plain[:whole], _sm4.SM4_ENCRYPT)
    text = ",".join(f"0x{b:02X}" for b in cipher)
    return b"{" + text.encode("ascii") + b"}" + plain[whole:]


def decrypt_cp(text: bytes, key: bytes) -> bytes:
    """Decrypt a CP data area written by :func:`encrypt_cp`.

    Parameters
    ----------
    text : bytes
        ``{0x..,0x..,...}tail``.
    key : bytes
        The device's 16-byte SM4 key.

    Returns
    -------
    bytes
        The plaintext CP data area.

    Raises
    ------
    CipherError
        When the braces or byte list are malformed or the byte count is not a multiple of 16.
    """
    end = text.find(b"}")
    if not text.startswith(b"{") or end < 0:
        raise CipherError("ciphertext must be written as {0x..,...}")
    parts = text[1:end].split(b",")
    data = bytearray()
    for part in parts:
        m = _HEX_BYTE.fullmatch(part.strip())
        if m is None:
            raise CipherError(f"ciphertext byte {part[:8]!r} is not 0xHH")
        data.append(int(m.group(1), 16))
    if len(data) % _BLOCK:
        raise CipherError(f"ciphertext has {len(data)} bytes, not a multiple of 16")
    return _blocks(key, bytes(data), _sm4.SM4_DECRYPT) + text[end + 1 :]
