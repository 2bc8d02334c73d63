"""Compare stored notebook outputs with fresh ones: text exactly, numbers within a tolerance.

Why: the same seed gives other last digits on another CPU (OpenBLAS and MKL pick their kernels
by vendor and instruction set, torch by ``ATEN_CPU_CAPABILITY``). Strict nbval compares text
byte for byte, so stored outputs made on one machine fail on the next. This plugin keeps nbval
as the runner and changes one thing: before nbval compares a cell, every number in its text
outputs is compared with the stored number within a tolerance, and where all of them agree the
fresh output is replaced by the stored one. nbval then compares as usual, so anything else that
changed (a word, a row, the number of outputs, an error) still fails with nbval's own diff.

The rules, applied to every text output (streams, ``text/plain``, ``text/html``, glue records,
plotly JSON written out with sorted keys):

* The text between the numbers must match exactly, and both sides must hold as many numbers.
* An integer (no decimal point, no exponent) must match exactly: counts, shapes, row numbers.
* A decimal may differ by one unit in its last printed digit (of the coarser of the two), which
  absorbs a rounding that falls the other way on another machine: ``0.238`` vs ``0.237``.
* A cell may declare a wider tolerance with a comment line and a reason, for example::

      # NBVAL_TOLERANCE rel=0.02: the GAN's 5,000 adversarial steps amplify last-digit changes

  ``abs=`` and ``rel=`` widen the decimals of that cell; ``units=N`` lets every number, integers
  included, move by N units of its last printed digit (for a count that sits on a threshold).
  A number passes if it meets the default rule or a declared one. A declaration without a
  reason, or with an unknown key, is an error.

Registered for every pytest run in ``pyproject.toml`` (``-p tests.nbval_tolerance``); without
``--nbval`` it does nothing. ``tools/portability.py`` uses the same functions.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

# A number that stands on its own: not part of an identifier (``L6``, ``fig-03``, ``0x7f``) and
# not a version (``2.13.0``). Signs include the typographic minus.
NUMBER = re.compile(r"(?<![\w.])[-+\u2212]?(?:\d+\.\d+|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w]|\.\d)")
DECLARATION = re.compile(r"^\s*#\s*NBVAL_TOLERANCE\b(?P<rest>.*)$", re.MULTILINE)
# Output keys nbval itself never compares (nbval.plugin.IPyNbFile.skip_compare, no nbdime).
SKIPPED = frozenset({"metadata", "traceback", "prompt_number", "output_type", "name",
                     "execution_count", "application/vnd.jupyter.widget-view+json",
                     "image/png", "image/jpeg"})


@dataclass(frozen=True)
class Tolerance:
    """How far a cell's numbers may move beyond the default rule.

    ``abs`` and ``rel`` apply to decimals; ``units`` to every number, in units of its last digit.
    """

    abs: float = 0.0
    rel: float = 0.0
    units: float = 0.0
    reason: str = ""

    @property
    def declared(self) -> bool:
        return self.abs > 0 or self.rel > 0 or self.units > 0


DEFAULT = Tolerance()


def parse_tolerance(source: str) -> Tolerance:
    """The tolerance a cell's source declares (``# NBVAL_TOLERANCE abs=… rel=… units=…: reason``).

    Returns :data:`DEFAULT` when there is none. Raises ``ValueError`` naming the problem for a
    second declaration, an unknown key, a value that is not a positive number, or no reason.
    """
    found = list(DECLARATION.finditer(source))
    if not found:
        return DEFAULT
    if len(found) > 1:
        raise ValueError("a cell declares NBVAL_TOLERANCE twice; keep one line")
    rest = found[0]["rest"]
    settings, colon, reason = rest.partition(":")
    if not colon or not reason.strip():
        raise ValueError(f"NBVAL_TOLERANCE needs a reason after a colon: {found[0][0].strip()!r}"
                         " (e.g. '# NBVAL_TOLERANCE rel=0.02: why numbers move here')")
    values: dict[str, float] = {}
    for item in settings.split():
        key, equals, value = item.partition("=")
        if key not in ("abs", "rel", "units") or not equals:
            raise ValueError(f"NBVAL_TOLERANCE accepts abs=X, rel=X and units=N, not {item!r}")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"NBVAL_TOLERANCE {key}= needs a number, not {value!r}") from None
        if not number > 0 or not math.isfinite(number):
            raise ValueError(f"NBVAL_TOLERANCE {key}= must be a positive number, not {value!r}")
        values[key] = number
    if not values:
        raise ValueError("NBVAL_TOLERANCE declares none of abs=, rel=, units=; give at least one")
    return Tolerance(abs=values.get("abs", 0.0), rel=values.get("rel", 0.0),
                     units=values.get("units", 0.0), reason=reason.strip())


def _value(token: str) -> float:
    return float(token.replace("\u2212", "-"))


def _decimals(token: str) -> int:
    """Digits after the decimal point, counting the exponent: ``1.5e-3`` has 4."""
    mantissa, _, exponent = token.lower().partition("e")
    fraction = mantissa.partition(".")[2]
    return len(fraction) - (int(exponent) if exponent else 0)


def _is_integer(token: str) -> bool:
    return "." not in token and "e" not in token.lower()


@dataclass(frozen=True)
class Deviation:
    """One pair of numbers that differ: stored and fresh text, how far apart."""

    stored: str
    fresh: str
    relative: float  # |a - b| / max(|a|, |b|)
    units: float  # |a - b| in units of the coarser last printed digit (1 for integers)
    within: bool


@dataclass
class Comparison:
    """The outcome of comparing one stored text (or cell) with a fresh one."""

    ok: bool = True
    numbers: int = 0  # numbers compared
    deviations: list[Deviation] = field(default_factory=list)  # pairs that were not identical
    problem: str = ""  # why it failed, when the text around the numbers differs

    @property
    def largest(self) -> Deviation | None:
        """The pair with the largest relative deviation, if any pair differed."""
        return max(self.deviations, key=lambda d: d.relative, default=None)

    def merge(self, other: "Comparison") -> None:
        self.ok = self.ok and other.ok
        self.numbers += other.numbers
        self.deviations.extend(other.deviations)
        self.problem = self.problem or other.problem


def _number_pair(stored: str, fresh: str, tolerance: Tolerance) -> Deviation:
    a, b = _value(stored), _value(fresh)
    gap = abs(a - b)
    scale = max(abs(a), abs(b))
    relative = gap / scale if scale else 0.0
    slack = 1 + 1e-9  # the decimal texts parse to binary floats
    if _is_integer(stored) and _is_integer(fresh):
        units = gap
        within = gap <= tolerance.units * slack
    else:
        units = gap / 10.0 ** -min(_decimals(stored), _decimals(fresh))
        within = (units <= max(1.0, tolerance.units) * slack or gap <= tolerance.abs * slack
                  or relative <= tolerance.rel * slack)
    return Deviation(stored, fresh, relative, units, within)


def compare_text(stored: str, fresh: str, tolerance: Tolerance = DEFAULT) -> Comparison:
    """Compare two texts: identical between the numbers, numbers within ``tolerance``."""
    result = Comparison()
    stored_numbers, fresh_numbers = NUMBER.findall(stored), NUMBER.findall(fresh)
    result.numbers = len(stored_numbers)
    if stored == fresh:
        return result
    if NUMBER.split(stored) != NUMBER.split(fresh) or len(stored_numbers) != len(fresh_numbers):
        result.ok = False
        result.problem = "the text around the numbers differs"
        return result
    for a, b in zip(stored_numbers, fresh_numbers):
        if a == b:
            continue
        deviation = _number_pair(a, b, tolerance)
        result.deviations.append(deviation)
        if not deviation.within:
            result.ok = False
            result.problem = f"{a} became {b}, beyond the tolerance"
    return result


def as_text(value: Any) -> str:
    """A text output as one string: JSON data written out with sorted keys."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def output_slots(outputs: list, skipped=SKIPPED) -> Iterator[tuple[str, Any, str]]:
    """``(key, container, field)`` for each compared value, grouped the way nbval groups them.

    ``container[field]`` is the value: a stream's text under the stream's name, each MIME
    type of ``display_data``/``execute_result``, an error's name and value.
    """
    for output in outputs:
        if output.get("output_type") == "stream":
            yield output["name"], output, "text"
            continue
        for key, value in output.items():
            if key in skipped:
                continue
            if key == "data":
                for mime in value:
                    if mime not in skipped:
                        yield mime, value, mime
            else:
                yield key, output, key


def _grouped(outputs: list, skipped) -> dict[str, list[tuple[Any, str]]]:
    groups: dict[str, list[tuple[Any, str]]] = {}
    for key, container, name in output_slots(outputs, skipped):
        groups.setdefault(key, []).append((container, name))
    return groups


def compare_outputs(stored: list, fresh: list, tolerance: Tolerance = DEFAULT, *,
                    sanitize=lambda text: text, skipped=SKIPPED,
                    adopt: bool = False) -> Comparison:
    """Compare a cell's stored outputs with fresh ones, value by value, as nbval pairs them.

    ``sanitize`` is applied to both texts first (nbval's sanitizer patterns). With ``adopt``,
    each fresh value whose numbers are all within tolerance is replaced by the stored value,
    so that nbval's own exact comparison then passes for it and fails for everything else.
    """
    result = Comparison()
    stored_groups, fresh_groups = _grouped(stored, skipped), _grouped(fresh, skipped)
    if stored_groups.keys() != fresh_groups.keys():
        missing = sorted(stored_groups.keys() ^ fresh_groups.keys())
        return Comparison(ok=False, problem=f"outputs differ in kind: {', '.join(missing)}")
    for key, stored_slots in stored_groups.items():
        fresh_slots = fresh_groups[key]
        if len(stored_slots) != len(fresh_slots):
            result.ok = False
            result.problem = result.problem or f"a different number of {key} outputs"
            continue
        for (s_box, s_name), (f_box, f_name) in zip(stored_slots, fresh_slots):
            old, new = s_box[s_name], f_box[f_name]
            one = compare_text(sanitize(as_text(old)), sanitize(as_text(new)), tolerance)
            result.merge(one)
            if one.ok and adopt:
                f_box[f_name] = old
    return result


def load_sanitizer(path) -> "callable":
    """The substitution nbval applies with ``--nbval-sanitize-with path``."""
    from nbval.plugin import get_sanitize_patterns

    with open(path, encoding="utf-8") as handle:
        patterns = get_sanitize_patterns(handle.read())

    def sanitize(text: str) -> str:
        for regex, replacement in patterns:
            text = re.sub(regex, replacement, text)
        return text

    return sanitize


# --- the pytest hook ---------------------------------------------------------------------


def _tolerant_compare(original):
    def compare(self, test, ref, skip_compare=None):
        skipped = skip_compare or self.parent.skip_compare
        try:
            tolerance = parse_tolerance(self.cell.source)
        except ValueError as error:
            self.comparison_traceback = [f"cell {self.cell_num}: {error}"]
            return False
        compare_outputs(ref, test, tolerance, sanitize=self.sanitize, skipped=skipped, adopt=True)
        return original(self, test, ref, skip_compare)

    compare.__wrapped__ = original
    return compare


# pytest-xdist modes that keep every cell of a notebook on one worker, in order (nbval runs a
# notebook's cells as separate tests in one kernel, so they must not be spread over workers).
NOTEBOOK_SAFE_DIST = ("no", "loadscope", "loadfile", "each")


def pytest_configure(config):
    """Wrap nbval's comparison (once) when nbval is installed and ``--nbval`` is on; refuse a
    pytest-xdist mode that would spread a notebook's cells over workers."""
    if not getattr(config.option, "nbval", False):
        return
    dist = getattr(config.option, "dist", "no")  # "no" also when pytest-xdist is not installed
    if dist not in NOTEBOOK_SAFE_DIST:
        import pytest

        raise pytest.UsageError(
            f"--nbval with pytest-xdist needs --dist loadscope (or loadfile), not --dist {dist}: "
            "every cell of a notebook must run in one worker's kernel, in order")
    from nbval.plugin import IPyNbCell

    if not hasattr(IPyNbCell.compare_outputs, "__wrapped__"):
        IPyNbCell.compare_outputs = _tolerant_compare(IPyNbCell.compare_outputs)
