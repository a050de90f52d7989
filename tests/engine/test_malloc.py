"""malloc.py: freed temporaries stay in the heap for the next step instead of being mapped
afresh (and faulted in again), in the processes that train big steps; a user's own
MALLOC_* settings win."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")

# A fresh interpreter makes and drops a 40 MiB temporary (over the 32 MiB up to which glibc
# raises its threshold by itself), then prints the free bytes its heap keeps (mallinfo2).
PROBE = """
import ctypes, sys
import numpy as np
from nnplayground.engine import malloc

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
kept = malloc.keep_freed_memory() if sys.argv[1] == "on" else None
a = np.ones(10 << 20, np.float32)
del a
print(kept, libc.mallinfo2().fordblks >> 20)
"""


def _probe(mode: str, **env: str) -> tuple[str, int]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", PROBE, mode], env={**clean, **env},
                         capture_output=True, text=True, check=True, timeout=60).stdout
    kept, free_mib = out.split()
    return kept, int(free_mib)


def test_a_freed_temporary_stays_in_the_heap_for_the_next_step():
    assert _probe("off")[1] < 40  # by default it went back to the OS (munmap)
    assert _probe("on") == ("True", 40)


def test_a_users_own_setting_wins():
    kept, free_mib = _probe("on", MALLOC_MMAP_THRESHOLD_=str(128 << 10))
    assert kept == "False"
    assert free_mib < 40
