"""`make bench` (python -m bench.run): every benchmark, each beside its baseline."""

from __future__ import annotations

from bench import cold_start, dev_stack_start

if __name__ == "__main__":
    cold_start.run()
    dev_stack_start.run()
