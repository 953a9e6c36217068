"""The RFC 4752 security layer's framing, against a stand-in GSS context (the real one runs against the
Samba DC in test_kerberos_ldap.py): frames round-trip, and whatever a peer sends is bounded and either
read or refused with SaslFrameError, never anything else."""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

import pytest

from scanner.directory.sasl_gssapi import SaslFrameError, SealedSocket


@dataclass
class Wrapped:
    message: bytes
    encrypted: bool


class XorContext:
    """Stands in for a gssapi SecurityContext: 'seals' with a 1-byte tag and XOR."""

    def wrap(self, data: bytes, encrypt: bool) -> Wrapped:
        return Wrapped(b"\xaa" + bytes(b ^ 0x5C for b in data), encrypt)

    def unwrap(self, token: bytes) -> Wrapped:
        if not token.startswith(b"\xaa"):
            raise ValueError("bad token")
        return Wrapped(bytes(b ^ 0x5C for b in token[1:]), True)


class Pipe:
    def __init__(self, incoming: bytes = b"") -> None:
        self.incoming = bytearray(incoming)
        self.sent = bytearray()

    def sendall(self, data: bytes) -> None:
        self.sent += data

    def recv(self, size: int) -> bytes:
        out = bytes(self.incoming[:max(1, size // 2)])  # short reads, as a real socket may give
        del self.incoming[:len(out)]
        return out


def test_messages_round_trip_in_frames_the_peer_can_take() -> None:
    ctx = XorContext()
    out = Pipe()
    SealedSocket(out, ctx, encrypt=True, peer_max=2048).sendall(b"x" * 5000)
    frames = []
    data = bytes(out.sent)
    while data:
        (n,) = struct.unpack(">I", data[:4])
        assert n <= 2048
        frames.append(data[4:4 + n])
        data = data[4 + n:]
    assert len(frames) == 3
    back = SealedSocket(Pipe(bytes(out.sent)), ctx, encrypt=True, peer_max=2048)
    got = b""
    while len(got) < 5000:
        got += back.recv(700)
    assert got == b"x" * 5000


@pytest.mark.parametrize("incoming", [
    struct.pack(">I", 0),  # an empty frame
    struct.pack(">I", 64 * 1024 * 1024) + b"\xaa",  # past the bound
    struct.pack(">I", 10) + b"\xaa\x00",  # cut short
    struct.pack(">I", 3) + b"zzz",  # does not unwrap
])
def test_a_bad_frame_is_refused(incoming: bytes) -> None:
    with pytest.raises(SaslFrameError):
        SealedSocket(Pipe(incoming), XorContext(), encrypt=True, peer_max=0).recv(100)


def test_a_closed_connection_reads_as_empty() -> None:
    assert SealedSocket(Pipe(b""), XorContext(), encrypt=True, peer_max=0).recv(10) == b""


def test_random_input_is_read_or_refused() -> None:
    rng = random.Random(4752)  # noqa: S311 - reproducible fuzz input
    for _ in range(2000):
        size = rng.randrange(0, 40)
        blob = bytes(rng.randrange(256) for _ in range(size))
        if rng.random() < 0.5 and size >= 4:  # a plausible length half the time
            blob = struct.pack(">I", rng.randrange(0, size)) + blob[4:]
        sock = SealedSocket(Pipe(blob), XorContext(), encrypt=True, peer_max=0)
        try:
            while sock.recv(16):
                pass
        except SaslFrameError:
            pass
