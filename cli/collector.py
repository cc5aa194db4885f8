"""The garbage collector's policy in batch commands (`c360 load`, `c360 identity resolve`,
`c360 metrics compute`).

CPython's cyclic collector runs a full collection, which visits every live object, each time ten
younger collections have passed and the objects that survived since the last one are a quarter of
all long-lived ones. A load keeps building large, long-lived data (the records a resolution reads,
their features, the blocks), so that condition holds again and again, and the full collections grow
with the heap. Preparing the 84,000 records a 1,000-row delta reaches at 1M took 1.24 s of Python
with the default, 0.94 s with full collections 100 times rarer (the policy until the metrics run
came under it), 0.84 s with no collector at all (`gc.disable`, which we do not do: a cycle would
then never be freed in a long load).

The metrics read decodes a million customers' rows, page after page, into lists that live until
their page is taken in. With the default thresholds, collections cost it 9.3 s of its 14.0 s of
Python at 1M (8.6 s of 13.5 s in a second run); with full collections 100 times rarer, 1.0 s of
6.1 s (young collections every 700 new containers, and the middle ones); with young collections
every 100,000 new containers and the others as by default, none of 4.5 s, and the read took 14.0 s
instead of 21.4 s (`gc.callbacks` timing). That last is the policy: a full collection then comes
after about ten million new containers, close to the 7 million of the one before it, so a long load
still frees its cycles. `c360 metrics compute` at 1M (a rerun, warm) took 81.2 s without a policy
and 55.9 s with this one.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG = 100_000  # new containers between young collections (CPython's default is 700)


@contextmanager
def for_batches() -> Iterator[None]:
    """Young collections after `YOUNG` new containers inside the block (as before after it)."""
    before = gc.get_threshold()
    gc.set_threshold(YOUNG, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
