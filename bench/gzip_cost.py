"""What gzip and brotli cost per response: each captured response of a benchmark run (the bodies
bench.py saved in bench/.data/responses-*.json) compressed as the service compresses it,
timed in-process (the fastest of 15 runs), with its size before and after.

    python bench/gzip_cost.py bench/.data/responses-sqlite-10k.json
"""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.compression import BR_QUALITY, CODINGS, LEVEL, MIN_SIZE, compress  # noqa: E402


def main(path: str, runs: int = 15) -> None:
    print(f"gzip level {LEVEL}, brotli quality {BR_QUALITY}; bodies under {MIN_SIZE} bytes")
    print("are sent as they are")
    print("| request | coding | bytes | compressed | ms |")
    print("|---|---|---|---|---|")
    for entry in json.loads(Path(path).read_text()):
        body = base64.b64decode(entry["body"])
        if len(body) < MIN_SIZE:
            continue
        for coding in CODINGS:
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                out = compress(body, coding)
                times.append(time.perf_counter() - t0)
            ms = min(times) * 1000  # the least disturbed run: the machine is shared
            name = coding.decode()
            print(f"| {entry['path']} | {name} | {len(body):,} | {len(out):,} | {ms:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1])
