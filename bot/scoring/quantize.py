"""torch dynamic int8 quantization of the Linear layers, one layer at a time, handing fp32 pages back.

`torch.ao.quantization.quantize_dynamic` would build every int8 layer while all fp32 weights stay resident;
with a memory-mapped checkpoint the fp32 pages of a layer can be given back as soon as its int8 copy exists,
so the process never holds both models. The result is the same modules `quantize_dynamic(model, {Linear},
dtype=torch.qint8)` produces.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import mmap
import warnings
from typing import Any

_MADV_PAGEOUT = 21  # Linux >= 5.4: reclaim these pages now; contents are kept (re-read from the file if needed)


def quantize_dynamic_int8(model: Any) -> Any:
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from torch.ao.quantization import default_dynamic_qconfig

    libc = _libc()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch 2.13 marks torch.ao.quantization deprecated (pitfall 10)
        for parent in list(model.modules()):
            for name, child in list(parent.named_children()):
                if type(child) is not torch.nn.Linear:
                    continue
                child.qconfig = default_dynamic_qconfig  # type: ignore[assignment]
                setattr(parent, name, DynamicLinear.from_float(child))  # type: ignore[no-untyped-call]
                if libc is not None:
                    _page_out(libc, child.weight)
    model.eval()
    return model


def release_freed_memory() -> None:
    """Collect garbage and ask glibc to return free heap pages to the system (steady RSS, not peak)."""
    gc.collect()
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None
    if not hasattr(libc, "madvise"):
        return None
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    libc.madvise.restype = ctypes.c_int
    return libc


def _page_out(libc: Any, tensor: Any) -> None:
    """Advise the kernel to reclaim the whole pages under `tensor` (a no-op where it is unsupported).

    MADV_PAGEOUT never changes contents: on a memory-mapped checkpoint the clean file pages are dropped and
    would be read again on access; on anonymous memory without swap it does nothing.
    """
    start = tensor.data_ptr()
    end = start + tensor.numel() * tensor.element_size()
    first = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE
    last = end // mmap.PAGESIZE * mmap.PAGESIZE
    if last > first:
        libc.madvise(first, last - first, _MADV_PAGEOUT)
