"""The hotline platform's side for the work-order bench: ``python -m bench.hotline_receiver SECRET``.

A platform that is up, as in steady production: the simulator's receiver (it checks each message's
signature and per-ticket order) in a process of its own, answering every message. It prints its
URL, serves until SIGTERM, then prints one JSON line of what it received.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from types import FrameType


def main(secret: str) -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.settings")
    django.setup()  # the simulator reads the protocol's models' choices; no query is made
    from cityloop.hotline.simulator import Receiver

    receiver = Receiver(secret, fail_rate=0.0, seed=22, unsatisfied_rate=0.0)
    print(receiver.url, flush=True)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=receiver.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    receiver.serve_forever(poll_interval=0.2)
    ledger = receiver.ledger
    print(
        json.dumps(
            {
                "received": sum(len(seqs) for seqs in ledger.seen.values()),
                "duplicated": ledger.duplicated,
                "out_of_order": ledger.out_of_order,
                "bad_signatures": ledger.bad_signatures,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
