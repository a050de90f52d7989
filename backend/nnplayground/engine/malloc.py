"""glibc malloc thresholds for the processes that train big steps.

glibc maps each temporary over its mmap threshold afresh and hands it back on free, so a
step that allocates the same multi-megabyte arrays every time pays page faults for all of
them.  The threshold does rise by itself after bigger frees, but a fresh interpreter starts
at 128 KiB: replicas.py's second process paid 547 faults a step for SimpleConvNet's half
batch and 1,194 for DeepConvNet's, and ran 5-27 % slower than the same half in the model's
process.  Even the model's long-running process kept 1,033 faults a DeepConvNet half batch
(2-core Zen 4 VM).  With the thresholds below: 0 faults a step in the second process and
0.1 in the model's, whose half went 36.7 -> 34.5-35.1 ms.  The price is up to
TRIM_THRESHOLD bytes of freed heap kept for reuse rather than handed back to the OS.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform

MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20
# What a new interpreter is given (replicas.py's second process); a user's own win.
ENV = {"MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
       "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD)}
_PARAMS = {"MALLOC_MMAP_THRESHOLD_": -3, "MALLOC_TRIM_THRESHOLD_": -1}  # glibc's malloc.h


@functools.cache
def keep_freed_memory() -> bool:
    """This process's thresholds as ENV's, once, on glibc: each one whose variable the
    user did not set (as the second process gets them); returns whether both are ours."""
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    ours = [name for name in ENV if name not in os.environ]
    set_ok = all(mallopt(_PARAMS[name], int(ENV[name])) == 1 for name in ours)
    return set_ok and len(ours) == len(ENV)
