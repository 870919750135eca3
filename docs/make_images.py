"""Make every picture in docs/images from the commands the user guide shows.

Run from the repository's root: ``python docs/make_images.py``. Each entry of COMMANDS is a
command line exactly as the user guide (``docs/guide/``) prints it (``tests/test_docs.py``
checks that it does); the script runs them in a scratch folder and copies what they write
into docs/images, so the pictures stay the output of the commands beside them.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"
ROOT = IMAGES.parent.parent

COMMANDS = [
    "chainrule train --data two-moons --hidden 16,16 --optimizer adam --lr 0.01 --epochs 200 "
    "--batch-size 32 --save moons.npz --plot moons.png",
    "chainrule plot --model moons.npz --frames 8 -o boundary.gif",
    "chainrule graph --layers 3,4,2,1 -o graph.svg",
    "chainrule graph --layers 3,2,1 --values -o graph-values.png",
    "chainrule train --data digits --hidden 32,32,32,32,32,32 --activation sigmoid "
    "--optimizer sgd --lr 0.05 --batch-size 64 --epochs 30 --record-every 2 --save deep.npz",
    "chainrule plot --model deep.npz --dynamics -o dynamics.png",
]
"""The commands, in order (later ones read the models earlier ones save)."""

SCRIPTS = ["benchmarks/playground.py --screenshot playground.png"]
"""Scripts of the repository, run as ``python SCRIPT ...`` (the playground's picture needs
Chromium, as its browser tests do)."""

PICTURES = {
    "moons.png": "curves-and-boundary.png",
    "boundary.gif": "boundary.gif",
    "graph.svg": "graph.svg",
    "graph-values.png": "graph-values.png",
    "dynamics.png": "dynamics.png",
    "playground.png": "playground.png",
}
"""What each command writes, and its name in docs/images."""


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for command in COMMANDS:
            print("$", command, flush=True)
            words = shlex.split(command)
            subprocess.run([sys.executable, "-m", *words], cwd=scratch, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        for script in SCRIPTS:
            print("$ python", script, flush=True)
            path, *options = shlex.split(script)
            subprocess.run([sys.executable, str(ROOT / path), *options], cwd=scratch, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        for made, name in PICTURES.items():
            shutil.copyfile(Path(scratch) / made, IMAGES / name)
            print("wrote", IMAGES / name)


if __name__ == "__main__":
    main()
