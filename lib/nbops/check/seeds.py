"""NB202: stochastic calls without a seed (scikit-learn, pandas `sample`, legacy numpy/random)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic, at
from nbops.check.registry import rule
from nbops.check.sklearn_seeds import SeededCallable, seeded_callables
from nbops.check.vocabulary import words

# random_state only matters when this keyword is given one of these values (None: any value).
ONLY_WHEN: dict[str, tuple[str, frozenset | None]] = {
    "DummyClassifier": ("strategy", frozenset({"stratified", "uniform"})),
    "LogisticRegression": ("solver", frozenset({"sag", "saga", "liblinear"})),
    "LogisticRegressionCV": ("solver", frozenset({"sag", "saga", "liblinear"})),
    "Ridge": ("solver", frozenset({"sag", "saga"})),
    "RidgeClassifier": ("solver", frozenset({"sag", "saga"})),
    "SVC": ("probability", frozenset({True})),
    "NuSVC": ("probability", frozenset({True})),
    "silhouette_score": ("sample_size", None),
}
NUMPY_LEGACY = words(
    "rand randn randint random random_sample ranf sample choice shuffle permutation normal "
    "uniform binomial poisson exponential beta gamma lognormal multinomial multivariate_normal "
    "standard_normal laplace logistic geometric"
)
STDLIB_RANDOM = words("random randint randrange choice choices shuffle sample uniform gauss")
UNSET = object()


@rule("NB202", "unseeded-randomness")
def unseeded_randomness(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A stochastic call without a seed.

    ## What it does
    Flags scikit-learn estimators, splitters, CV objects and functions whose `random_state`
    matters (found by introspecting scikit-learn) called without `random_state`;
    `DataFrame.sample` without `random_state`; legacy `np.random.*` and `random.*` functions
    before any seed; `np.random.default_rng()` without a seed. Deterministic set-ups are silent:
    `KFold()` without shuffling, `DummyClassifier(strategy="most_frequent")`, the default
    `LogisticRegression` solver.

    ## Why is this bad?
    An unseeded run cannot be reproduced: metrics move between runs and `nbops reproduce` fails.

    ## Example
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE)
    ```

    ## Use instead
    ```python
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=RANDOM_STATE
    )
    ```
    """
    seeded_at = _seed_calls(nb)
    for cell in nb.parsed_cells:
        for call in (n for n in cell.nodes if isinstance(n, ast.Call)):
            message = _problem(nb, call, seeded_at, (cell.index, call.lineno))
            if message:
                col = cell.column(call.lineno, call.col_offset)
                yield at("NB202", cell.number, call.lineno, col, message)


def _seed_calls(nb: Notebook) -> dict[str, tuple[int, int]]:
    """Where `np.random.seed(...)` / `random.seed(...)` are first called, by module."""
    found: dict[str, tuple[int, int]] = {}
    for cell in nb.parsed_cells:
        for node in cell.nodes:
            if isinstance(node, ast.Call) and node.args and _may_seed(nb, node.func):
                name = nb.qualname(node.func)
                if name in ("numpy.random.seed", "random.seed"):
                    found.setdefault(name.rsplit(".", 1)[0], (cell.index, node.lineno))
    return found


def _may_seed(nb: Notebook, func: ast.expr) -> bool:
    """Whether `func` can be a seed function (`np.random.seed`, an imported `seed`): a cheap
    test before the qualified name is worked out."""
    if isinstance(func, ast.Attribute):
        return func.attr == "seed"
    return isinstance(func, ast.Name) and nb.imports.get(func.id, "").endswith(".seed")


def _problem(nb: Notebook, call: ast.Call, seeded_at: dict, where: tuple[int, int]) -> str | None:
    name = nb.qualname(call.func)
    if name is None:
        return _sample_method(call)
    module, _, attr = name.rpartition(".")
    if name.startswith("sklearn."):
        entry = seeded_callables().get(attr)
        if entry and _stochastic(call, entry):
            return f"{attr}() without random_state: pass random_state=RANDOM_STATE"
    elif module == "numpy.random":
        return _numpy(call, attr, seeded_at, where)
    elif module == "random" and attr in STDLIB_RANDOM and seeded_at.get("random", where) >= where:
        return f"random.{attr}() is unseeded: use random.Random(RANDOM_STATE).{attr}()"
    return None


def _numpy(call: ast.Call, attr: str, seeded_at: dict, where: tuple[int, int]) -> str | None:
    if attr in ("default_rng", "RandomState") and not call.args and not call.keywords:
        return f"np.random.{attr}() without a seed: pass RANDOM_STATE"
    if attr in NUMPY_LEGACY and seeded_at.get("numpy.random", where) >= where:
        fix = f"use rng = np.random.default_rng(RANDOM_STATE) and rng.{attr}()"
        return f"legacy np.random.{attr}() draws from unseeded global state: {fix}"
    return None


def _sample_method(call: ast.Call) -> str | None:
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "sample":
        return None
    if _keyword(call, "random_state") not in (UNSET, None) or _has_double_star(call):
        return None
    return ".sample() without random_state: pass random_state=RANDOM_STATE"


def _stochastic(call: ast.Call, entry: SeededCallable) -> bool:
    """Whether this call's result depends on `random_state`, which it does not set."""
    if _has_double_star(call) or _keyword(call, "random_state") not in (UNSET, None):
        return False
    shuffle = _keyword(call, "shuffle")
    if entry.shuffle_default is False and shuffle in (UNSET, False):
        return False
    if entry.shuffle_default is True and shuffle is False:
        return False
    if entry.name in ONLY_WHEN:
        keyword, values = ONLY_WHEN[entry.name]
        value = _keyword(call, keyword)
        if value is UNSET or (values is None and value is None):
            return False
        return values is None or _unknown(value) or _member(value, values)
    return True


def _member(value: object, values: frozenset) -> bool:
    try:
        return value in values
    except TypeError:  # an unhashable literal such as a list
        return False


class _Unknown:
    """A keyword value that is not a literal (a name, a call)."""


def _unknown(value: object) -> bool:
    return isinstance(value, _Unknown)


def _keyword(call: ast.Call, name: str) -> object:
    """The literal value of keyword `name`, an _Unknown if it is not a literal, UNSET if absent."""
    for keyword in call.keywords:
        if keyword.arg == name:
            try:
                return ast.literal_eval(keyword.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                return _Unknown()
    return UNSET


def _has_double_star(call: ast.Call) -> bool:
    return any(keyword.arg is None for keyword in call.keywords)
