#!/usr/bin/env python
"""Regenerate the coder's accuracy report (docs/coder.md) without refitting the model.

    python bench/accuracy_report.py [--data-dir DIR]

Cross-validates the coder's training recipe by transcript on AnnoMI and rewrites the
report for the shipped model (size, load time and provenance come from the model file).
AnnoMI is not in the repository: without ``../shared/data/annomi`` this says so and exits 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    import train_coder  # scripts/train_coder.py: one implementation of CV and report

    data_dir = train_coder.DEFAULT_DATA_DIR
    if "--data-dir" in argv:
        data_dir = Path(argv[argv.index("--data-dir") + 1])
    if not (data_dir / "annomi-simple-train.csv").is_file():
        print(
            f"SKIPPED: AnnoMI training data not found in {data_dir} (it is not shipped with "
            "the repository); pass --data-dir to point at it."
        )
        return 0
    return train_coder.main([*argv, "--report-only"])


if __name__ == "__main__":
    raise SystemExit(main())
