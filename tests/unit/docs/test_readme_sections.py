"""Every README section a message sends the user to exists (a message naming a section that
is gone leaves them with nothing)."""

import re

from tests.support import ROOT

NAMED = re.compile(r"""README(?::\s*|\s+['"])([A-Z][A-Za-z ,/-]+?)['")]""")


def _sections() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {
        line.removeprefix("## ").strip() for line in text.splitlines() if line.startswith("## ")
    }


def test_each_readme_section_a_message_names_exists():
    sections = _sections()
    named: dict[str, str] = {}
    for folder in ("layers/fusioncharge/fusioncharge", "tools", "functions"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in NAMED.findall(path.read_text(encoding="utf-8")):
                named[name] = str(path.relative_to(ROOT))
    assert named, "no message names a README section: the pattern is out of date"
    missing = {name: where for name, where in named.items() if name not in sections}
    assert not missing, f"README has no section {missing}"
