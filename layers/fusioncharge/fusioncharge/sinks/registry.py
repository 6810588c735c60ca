"""The registry of sinks: one row per receiver, the one table settings (SINKS), the secret's
checks, the run's wiring, `make status`, `make run`, the first deploy's questions and the
template's allowed Sinks values read (tests/unit/sinks/test_registry.py keeps the template
equal to it). A new sink is a module with a `KIND` row and its line here
(docs/contributing.md, "Add a sink")."""

from fusioncharge.sinks import SinkKind, chargehq, hass, pvoutput

# In SINKS' default order: ChargeHQ first while it answers (an existing stack's default).
SINKS: tuple[SinkKind, ...] = (chargehq.KIND, hass.KIND, pvoutput.KIND)
DEFAULT = "chargehq"  # what an empty SINKS means (stacks from before there were sinks)


def names() -> tuple[str, ...]:
    return tuple(kind.name for kind in SINKS)


def kind(name: str) -> SinkKind:
    """The row of a sink SINKS names (settings checked the name)."""
    for row in SINKS:
        if row.name == name:
            return row
    raise KeyError(name)


def charging(name: str) -> bool:
    """Whether a charger follows this sink (False for a name the registry does not hold)."""
    return any(row.name == name and row.charging for row in SINKS)


def keys(sink_names: tuple[str, ...]) -> tuple[str, ...]:
    """The secret keys of these sinks, in order."""
    return tuple(key.name for name in sink_names for key in kind(name).keys)


def titles(sink_names: tuple[str, ...]) -> str:
    """The receivers in the users' words: "ChargeHQ and Home Assistant"."""
    words = [kind(name).title for name in sink_names]
    return " and ".join(filter(None, (", ".join(words[:-1]), words[-1]))) if words else ""
