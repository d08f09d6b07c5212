"""Progressive `@override(from:, label:)`: which subgraph serves a field depends on
labels active for the request.

A field overridden with a label is served by the overriding subgraph only when the
label is active, and by the original subgraph otherwise. `percent(N)` labels are
drawn per request with probability N% (as Apollo Router does); other labels are
active when configured. A supergraph *view* per set of active labels keeps the
planner pure: it plans against the view, the plan cache is keyed by the label set.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from gateway.supergraph.model import Supergraph

_PERCENT = re.compile(r"^percent\((\d+(?:\.\d+)?)\)$")


def override_labels(sg: Supergraph) -> frozenset[str]:
    """Every label used by a progressive override in the supergraph."""
    return frozenset(
        info.override_label for graphs in sg.fields.values() for info in graphs.values() if info.override_label
    )


def with_active_labels(sg: Supergraph, active: frozenset[str]) -> Supergraph:
    """A view where each labelled override is in force iff its label is active."""
    by_name = {s.name.lower(): enum for enum, s in sg.subgraphs.items()}
    fields = dict(sg.fields)
    for key, graphs in sg.fields.items():
        # The source subgraph's entry carries the label too, without `override`.
        labelled = [i for i in graphs.values() if i.override_label and i.override_from]
        if not labelled:
            continue
        view = dict(graphs)
        for info in labelled:
            on = info.override_label in active
            view[info.graph] = replace(info, used_overridden=not on)
            source = by_name.get((info.override_from or "").lower())
            if source in view:
                view[source] = replace(view[source], used_overridden=on)
        fields[key] = view
    return replace(sg, fields=fields)


class OverrideLabelPolicy:
    """Decides the active labels of one request.

    `enabled`: custom labels always active. `percent(N)` labels use `draw()`, a float in
    [0, 100) per label and request (random by default; inject a function for
    deterministic tests or sticky per-user routing)."""

    def __init__(
        self, labels: Iterable[str], enabled: Iterable[str] = (), draw: Callable[[str], float] | None = None
    ) -> None:
        self.percent = {label: float(m.group(1)) for label in labels if (m := _PERCENT.match(label))}
        self.enabled = frozenset(enabled) & frozenset(labels)
        self.draw = draw or (lambda _label: random.uniform(0, 100))

    def active(self) -> frozenset[str]:
        if not self.percent:
            return self.enabled
        drawn = {label for label, share in self.percent.items() if self.draw(label) < share}
        return self.enabled | drawn
