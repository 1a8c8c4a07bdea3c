"""What the abstract run knows at a point of the notebook: variables, open loops, facts so far."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from nbops.check.analysis import Cell, Notebook
from nbops.check.facts import Fact
from nbops.check.values import Step, Value


@dataclass
class Loop:
    """A loop or comprehension being run: when it started, what fitted and scored inside."""

    start: int
    fits: int = 0
    test_scores: list[tuple[int, int, int]] = field(default_factory=list)


@dataclass
class State:
    """The shared state of one abstract run over a notebook."""

    nb: Notebook
    time_ordered: bool = False
    env: dict[str, Value] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    recorded: set[Fact] = field(default_factory=set)  # the same facts, for a quick lookup
    loops: list[Loop] = field(default_factory=list)
    # the model object trained at each "cell:line" (its constructor's identity)
    trained_models: dict[str, int] = field(default_factory=dict)
    # models built to stop early on their evaluation set (`XGBClassifier(early_stopping_rounds=)`)
    stopping_models: set[int] = field(default_factory=set)
    sampled: dict[str, dict[str, tuple[int, int, int]]] = field(default_factory=dict)
    step: int = 0
    tokens: int = 0
    cell: Cell | None = None
    # user-defined functions and lambdas by name, with the cell that defines them
    functions: dict[str, tuple[ast.AST, Cell]] = field(default_factory=dict)
    returns: list[list[Value]] = field(default_factory=list)  # one list per call being run
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # `frames = [a, b]`
    # attributes set on instances of the notebook's classes (`self.folds = KFold(5)`), by class
    attributes: dict[tuple[str, str], Value] = field(default_factory=dict)
    # Predict calls that are not scores: predictions stored as a column of a frame
    # (`df["Age"] = model.predict(...)`, a feature or a display) and recursive forecasts (their
    # input is rebuilt from their own predictions).
    unscored: set[int] = field(default_factory=set)

    def where(self, node: ast.AST) -> tuple[int, int, int]:
        """(cell number, line, column) of a node in the current cell."""
        return self.cell.number, node.lineno, self.cell.column(node.lineno, node.col_offset)

    def record(self, kind: str, place: tuple[int, int, int], **details) -> None:
        """Record a fact (once per kind, place and details)."""
        fact = Fact(kind, *place, **details)
        if fact not in self.recorded:
            self.recorded.add(fact)
            self.facts.append(fact)

    def step_at(self, kind: str, node: ast.AST, what: str, data: Value, rows: str) -> Step:
        """A fit / statistic / resampling of `data`'s rows located at `node`."""
        return Step(kind, *self.where(node), what, rows, data.rows)

    def token(self, prefix: str) -> str:
        """A new row-set or split identifier."""
        self.tokens += 1
        return f"{prefix}{self.tokens}"
