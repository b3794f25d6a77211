"""Print one of the README's Quick start commands: `run` (first block) or `test` (second).

CI runs the README's own test command, so a step missing from the README fails CI first.
"""

import re
import sys
from pathlib import Path

readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```(?:sh|bash|shell)\n(.*?)```", section, flags=re.S)
index = {"run": 0, "test": 1}[sys.argv[1]]
print(blocks[index].strip())
