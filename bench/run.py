"""`make bench` (python -m bench.run): every benchmark, each beside its baseline."""

from __future__ import annotations

from bench import (
    catalog_listing,
    cold_start,
    dev_stack_load,
    dev_stack_start,
    login_latency,
    playback_latency,
)

if __name__ == "__main__":
    cold_start.run()
    dev_stack_start.run()
    login_latency.main()
    catalog_listing.main()
    playback_latency.main()
    dev_stack_load.main([])  # the longest (about 8 minutes): last
