"""The classification's rules in words, and the doubts about them (what the
statement, ``resource.json`` and the report say of the classes).

Examples
--------
>>> describe_rules({"inferred": ClassRule(max_nearest_range=1.5)})[2]
'Inferred: the nearest core within 1.5 practical ranges.'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from seabed.resource.classes import CLASSES, ClassRule

__all__ = ["classification_doubts", "describe_rules"]


def describe_rules(
    rules: Mapping[str, ClassRule | None],
    *,
    practical_range_m: float | None = None,
    n_sectors: int = 4,
) -> list[str]:
    """The rules in words, one sentence per class, then the unclassified cells.

    Examples
    --------
    >>> from seabed.resource.classes import DEFAULT_RULES
    >>> for line in describe_rules(DEFAULT_RULES, practical_range_m=30_000.0):
    ...     print(line)
    Measured: no rule, so no cell is Measured.
    Indicated: slope of regression at least 0.8, at least 3 cores of the kriging search within 2/3 of the practical range (20.0 km), cores of the search in at least 3 of 4 angular sectors, and kriging standard deviation at most 50% of the estimated grade.
    Inferred: the nearest core within the practical range (30.0 km).
    Unclassified: every other cell, and every cell without an estimate.
    """
    lines = []
    for name in CLASSES:
        rule = rules.get(name)
        title = name.capitalize()
        if rule is None and name != "inferred":
            lines.append(f"{title}: no rule, so no cell is {title}.")
            continue
        criteria = _criteria_words(rule or ClassRule(), practical_range_m, n_sectors)
        if not criteria:
            lines.append(f"{title}: every estimated cell not in a class above.")
        else:
            joined = ", ".join(criteria[:-1]) + ", and " if len(criteria) > 1 else ""
            lines.append(f"{title}: {joined}{criteria[-1]}.")
    lines.append("Unclassified: every other cell, and every cell without an estimate.")
    return lines


def classification_doubts(
    rules: Mapping[str, ClassRule | None],
    *,
    practical_range_m: float | None,
    extent_m: float,
) -> list[str]:
    """A plain sentence when range-based rules cannot separate the cells.

    When the practical range is wider than the area, every cell lies within it of
    some core: spacing rules measured in ranges then separate nothing, and the
    classes rest on the other criteria.

    Examples
    --------
    >>> rules = {"inferred": ClassRule(max_nearest_range=1.0)}
    >>> classification_doubts(rules, practical_range_m=90_000.0, extent_m=60_000.0)[0][:60]
    'the variogram practical range (90 km) is wider than the area'
    """
    uses_range = [
        name
        for name, rule in rules.items()
        if rule is not None and rule.needs_variogram
    ]
    if not uses_range or practical_range_m is None:
        return []
    if practical_range_m == 0:
        return [
            "the variogram is a pure nugget (no spatial correlation between the "
            "cores): its practical range is 0, so the spacing rules of the "
            f"{_classes(uses_range)}, measured in ranges, are met nowhere and "
            "those classes hold no cells; continuity is not shown, so nothing "
            "measured in ranges can be classified. Give a variogram in [estimate] "
            "variogram if the geology shows continuity, or rules in absolute terms "
            "(min_cores, min_sectors)"
        ]
    if practical_range_m <= extent_m:
        return []
    return [
        f"the variogram practical range ({practical_range_m / 1000:,.0f} km) is wider "
        f"than the area ({extent_m / 1000:,.0f} km across): the spacing rules of the "
        f"{_classes(uses_range)}, measured in ranges, are met almost "
        "everywhere and mean little; the classes rest on the other criteria, so "
        "give a variogram in [estimate] variogram or rules in absolute terms "
        "(min_cores, min_sectors, min_slope_of_regression)"
    ]


def _classes(names: list[str]) -> str:
    """'indicated class', 'indicated and inferred classes'."""
    if len(names) == 1:
        return f"{names[0]} class"
    return f"{', '.join(names[:-1])} and {names[-1]} classes"


def _criteria_words(
    rule: ClassRule, practical_range_m: float | None, n_sectors: int
) -> list[str]:
    """Each set criterion of a rule in words."""

    words = []
    if rule.min_slope_of_regression is not None:
        words.append(f"slope of regression at least {rule.min_slope_of_regression:g}")
    if rule.max_nearest_range is not None:
        reach = _share_of_range(rule.max_nearest_range, practical_range_m)
        words.append(f"the nearest core within {reach}")
    if rule.min_cores is not None:
        where = "in the kriging search"
        if rule.cores_within_range is not None:
            reach = _share_of_range(rule.cores_within_range, practical_range_m)
            where = f"of the kriging search within {reach}"
        words.append(f"at least {rule.min_cores} cores {where}")
    if rule.min_sectors is not None:
        words.append(
            f"cores of the search in at least {rule.min_sectors} of "
            f"{n_sectors} angular sectors"
        )
    if rule.max_relative_std is not None:
        words.append(
            "kriging standard deviation at most "
            f"{rule.max_relative_std:.0%} of the estimated grade"
        )
    return words


def _share_of_range(share: float, practical_range_m: float | None) -> str:
    """``2/3 of the practical range (20.0 km)``, ``the practical range`` ..."""
    # thirds and quarters as fractions (2/3), other shares as decimals (1.5)
    fraction = Fraction(share).limit_denominator(12)
    exact = share < 1 and math.isclose(fraction, share, rel_tol=1e-9)
    text = str(fraction) if exact else f"{share:g}"
    if share == 1:
        words = "the practical range"
    elif share < 1:
        words = f"{text} of the practical range"
    else:
        words = f"{text} practical ranges"
    if practical_range_m is None:
        return words
    return f"{words} ({share * practical_range_m / 1000:,.1f} km)"
