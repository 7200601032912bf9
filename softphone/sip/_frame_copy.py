"""Fast copies between pjsua2 ``ByteVector`` frames and Python buffers (DESIGN.md §3).

``bytes(frame.buf)`` iterates a SWIG ``std::vector<unsigned char>`` element by element
(~0.2–0.5 ms per 20 ms frame). The standard guarantees a vector's storage is contiguous, but
the SWIG wrapper exposes neither ``data()`` nor the buffer protocol, so the fast path reads the
vector's begin/end pointers from the C++ object whose address SWIG gives us (``int(v.this)``,
a documented SWIG feature). *Where* those pointers sit inside ``std::vector`` is an
implementation detail (libstdc++, libc++ and MSVC release builds all put ``begin, end`` first;
MSVC debug builds put a proxy pointer before them), so:

* ``verify_layout()`` probes it once at start-up with known patterns — several sizes, after a
  reallocating ``resize``, writing through the pointer, and through a ``MediaFrame.buf`` —
  and returns the word offset of ``begin`` or ``None`` with a reason. A candidate pointer is
  dereferenced only after ``end - begin == size()`` holds numerically.
* ``FrameCopier`` uses the verified offset; every frame it re-checks ``end - begin`` against
  the expected size before copying, and falls back to the slow but layout-free path
  (``bytes(vec)`` / ``ByteVector(data)``) for that frame otherwise. Fallback frames are counted.

No logging, no allocation per frame on the fast path.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

_WORD = ctypes.sizeof(ctypes.c_void_p)
_CANDIDATE_OFFSETS = (0, 1)  # begin pointer at word 0 (release builds) or 1 (MSVC debug)
_PROBE_SIZES = (640, 1, 3, 320, 4096)


class _Words(ctypes.Structure):
    _fields_ = (("begin", ctypes.c_size_t), ("end", ctypes.c_size_t))


_WORDS_SIZE = ctypes.sizeof(_Words)


def _addr(vec: Any) -> int:
    return int(vec.this)


def _span(vec: Any, offset: int) -> tuple[int, int]:
    words = _Words.from_address(_addr(vec) + offset * _WORD)
    return words.begin, words.end


def _pointer_if_consistent(vec: Any, offset: int) -> int | None:
    """Begin pointer at ``offset`` if ``end - begin`` equals ``vec.size()``, else ``None``."""
    begin, end = _span(vec, offset)
    if begin == 0 or end - begin != vec.size():
        return None
    return begin


def _check_vector(vec: Any, offset: int, pattern: bytes) -> str:
    ptr = _pointer_if_consistent(vec, offset)
    if ptr is None:
        return f"begin/end at word {offset} do not match size {vec.size()}"
    if ctypes.string_at(ptr, len(pattern)) != pattern:
        return f"content at word {offset} does not match the pattern"
    return ""


def _check_offset(offset: int, new_vector: Callable[[bytes], Any]) -> str:
    for size in _PROBE_SIZES:
        pattern = os.urandom(size)
        vec = new_vector(pattern)
        problem = _check_vector(vec, offset, pattern)
        if problem:
            return problem
        # grow (reallocates), then the old content must be a prefix of the new storage
        vec.resize(size * 3 + 64)
        if _pointer_if_consistent(vec, offset) is None:
            return f"after resize to {size * 3 + 64}, begin/end do not match"
        problem = _check_vector(vec, offset, pattern)
        if problem:
            return "after resize: " + problem
        # write through the pointer; the slow, layout-free read must see it
        fresh = os.urandom(vec.size())
        ptr = _pointer_if_consistent(vec, offset)
        if ptr is None:
            return "pointer vanished after resize"
        ctypes.memmove(ptr, fresh, len(fresh))
        if bytes(vec) != fresh:
            return "a write through the begin pointer is not seen by the vector"
    return ""


def _check_media_frame(offset: int) -> str:
    """The real case: ``MediaFrame.buf`` is a member vector reached through the SWIG proxy."""
    frame = pj.MediaFrame()
    pattern = os.urandom(640)
    frame.buf = pj.ByteVector(pattern)
    problem = _check_vector(frame.buf, offset, pattern)
    if problem:
        return "MediaFrame.buf: " + problem
    return ""


def verify_layout(
    new_vector: Callable[[bytes], Any] = pj.ByteVector,
) -> tuple[int | None, str]:
    """Return ``(word_offset, "")`` if a verified begin pointer was found, else ``(None, why)``.

    ``new_vector`` builds a vector from bytes; tests pass a fake one to force a failure.
    """
    reasons = []
    for offset in _CANDIDATE_OFFSETS:
        try:
            problem = _check_offset(offset, new_vector)
            if not problem and new_vector is pj.ByteVector:
                problem = _check_media_frame(offset)
        except (AttributeError, TypeError, ValueError, OverflowError) as exc:
            problem = f"probe raised {exc!r}"
        if not problem:
            return offset, ""
        reasons.append(f"word {offset}: {problem}")
    return None, "; ".join(reasons)


_VERIFIED: tuple[int | None, str] | None = None


def verified_layout() -> tuple[int | None, str]:
    """``verify_layout()`` run once per process (cached)."""
    global _VERIFIED
    if _VERIFIED is None:
        _VERIFIED = verify_layout()
    return _VERIFIED


class FrameCopier:
    """Copies one frame size between ``ByteVector`` and preallocated ``bytearray`` buffers.

    ``read(vec)`` fills ``self.rx`` from ``vec``; ``fill(frame)`` sets ``frame.buf`` to the
    bytes of ``self.tx``. ``offset=None`` means always the slow, layout-free path.
    """

    def __init__(self, frame_bytes: int, offset: int | None) -> None:
        self.frame_bytes = frame_bytes
        self.offset = offset
        self.slow_frames = 0  # frames copied on the slow path while fast was enabled
        self.rx = bytearray(frame_bytes)
        self.tx = bytearray(frame_bytes)
        self._rx_addr = ctypes.addressof((ctypes.c_char * frame_bytes).from_buffer(self.rx))
        self._tx_addr = ctypes.addressof((ctypes.c_char * frame_bytes).from_buffer(self.tx))
        self._byte_offset = (offset or 0) * _WORD
        self._words = _Words()
        self._words_addr = ctypes.addressof(self._words)
        self._vec = pj.ByteVector(bytes(frame_bytes))
        self._vec_ptr = 0
        if offset is not None:
            ptr = _pointer_if_consistent(self._vec, offset)
            if ptr is None:
                self.offset = None
            else:
                self._vec_ptr = ptr  # stable: self._vec is never resized

    @property
    def fast(self) -> bool:
        return self.offset is not None

    def read(self, vec: Any) -> None:
        """Copy ``vec`` (whose size must be ``frame_bytes``) into ``self.rx``."""
        if self.offset is not None:
            words = self._words
            ctypes.memmove(self._words_addr, int(vec.this) + self._byte_offset, _WORDS_SIZE)
            begin = words.begin
            if begin and words.end - begin == self.frame_bytes:
                ctypes.memmove(self._rx_addr, begin, self.frame_bytes)
                return
            self.slow_frames += 1
        self._slow_read(vec)

    def _slow_read(self, vec: Any) -> None:
        data = bytes(vec)[: self.frame_bytes]  # layout-free; a short vector is zero-padded
        n = len(data)
        self.rx[:n] = data
        if n < self.frame_bytes:
            self.rx[n:] = bytes(self.frame_bytes - n)

    def fill(self, frame: Any) -> None:
        """Make ``frame.buf`` hold the bytes of ``self.tx``."""
        if self._vec_ptr:
            ctypes.memmove(self._vec_ptr, self._tx_addr, self.frame_bytes)
            frame.buf = self._vec  # C++ vector copy-assignment (one memcpy, no Python objects)
            return
        frame.buf = pj.ByteVector(bytes(self.tx))


def make_copier(frame_bytes: int, force_slow: bool = False) -> tuple[FrameCopier, str]:
    """A copier using the verified fast path when possible; the second item says why not."""
    if force_slow:
        return FrameCopier(frame_bytes, None), "slow path forced"
    offset, reason = verified_layout()
    return FrameCopier(frame_bytes, offset), reason
