"""Runs Hugging Face's Math-Verify on src/__fixtures__/math-answer-cases.jsonl and prints, by category, how often
its verdict equals the case's `expected` (this judge's verdict), then every case where they differ.

    python3 -m venv /tmp/mv && /tmp/mv/bin/pip install 'math-verify[antlr4_13_2]'
    /tmp/mv/bin/python plugins/judges/scripts/math_verify_agreement.py

Default `parse`/`verify` configs; a reference without `$` is wrapped in `$…$` (Math-Verify reads LaTeX only
between delimiters).
"""

import json
from collections import defaultdict
from pathlib import Path

from math_verify import parse, verify

CASES = Path(__file__).resolve().parent.parent / "src" / "__fixtures__" / "math-answer-cases.jsonl"


def math_verify_verdict(prediction: str, reference: str) -> bool | None:
    try:
        gold = parse(reference if "$" in reference else f"${reference}$") or parse(reference)
        return bool(verify(gold, parse(prediction)))
    except Exception:  # noqa: BLE001 - a crash is reported as no verdict
        return None


def main() -> None:
    rows = [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]
    agree: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    differences = []
    for row in rows:
        verdict = math_verify_verdict(row["prediction"], row["reference"])
        counts = agree[row["category"]]
        counts[1] += 1
        if verdict == row["expected"]:
            counts[0] += 1
        else:
            differences.append((row["category"], row["prediction"][:90], row["reference"], row["expected"], verdict))
    for category, (same, total) in agree.items():
        print(f"{category:28} {same}/{total}")
    print(f"{'total':28} {sum(c[0] for c in agree.values())}/{sum(c[1] for c in agree.values())}")
    for difference in differences:
        print(json.dumps(difference, ensure_ascii=False))


if __name__ == "__main__":
    main()
