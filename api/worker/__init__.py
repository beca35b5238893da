"""The batching worker: accepted participations → ``rewardBatch`` transactions, exactly once.

One worker at a time holds the lease (:mod:`.lease`), so several API replicas can share one
database. :mod:`.relay` signs, records and broadcasts each batch — recorded *before* it is
broadcast; the nonce is the chain's pending nonce at the moment of signing (one batch is in
flight at a time), never a counter kept here — and re-prices one that is stuck. :mod:`.settle`
settles what the chain did: a mined batch from its receipt, a refused one entry by entry from the
decoded revert of a simulation (already rewarded → confirmed, not a member → failed; a problem of
the relayer itself — cap, pause, role — keeps them queued and shows in the health report), and
after a crash or an outage what the chain already rewarded. :mod:`.loop` drives the three.
"""

from .loop import Worker
from .relay import RelayerProblem

__all__ = ["RelayerProblem", "Worker"]
