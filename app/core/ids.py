import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = (0, 0)  # (milliseconds, 12-bit sequence) of the previous id of this process


def uuid7() -> uuid.UUID:
    """Time-ordered UUID (RFC 9562 v7): ids sort by creation, which keyset pagination relies on.
    Within one millisecond a counter in `rand_a` keeps them increasing (RFC 9562, method 1)."""
    global _last
    with _lock:
        ms = time.time_ns() // 1_000_000
        last_ms, seq = _last
        if ms <= last_ms:
            ms, seq = last_ms, seq + 1
            if seq > 0xFFF:
                ms, seq = last_ms + 1, 0
        else:
            seq = int.from_bytes(os.urandom(2), "big") & 0x3FF  # leave room to count up
        _last = (ms, seq)
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | seq << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)
