"""The one YAML loader of the kit: safe types only, aliases bounded, nesting bounded.

Every YAML file the kit reads (a mapping, an operating-standards file, an export's
``engagement.yaml``) goes through :func:`safe_load`. It is PyYAML's safe loader (plain data
only: no Python objects) with two checks made on the parsed document *before* it is turned
into Python values:

* **aliases are bounded.** An alias (``*name``) repeats an anchored node (``&name``). The
  presets use them to share a column list, but ten nested aliases of ten items each make a
  one-kilobyte "billion laughs" file describe 10**9 items, which hangs whatever walks the
  result. A document may hold at most :data:`MAX_NODES` nodes with every alias expanded.
* **no recursion, no deep nesting.** An alias inside the node it names (``loop: &x [*x]``)
  describes an infinite value; nesting deeper than :data:`MAX_DEPTH` levels is refused too.

Either problem raises :class:`UnsafeYAMLError`, a :class:`yaml.YAMLError` that says where in
the file it is, so each caller words it like any other YAML syntax error.

Examples
--------
>>> safe_load("columns: &cols [a, b]\\nagain: *cols\\n")
{'columns': ['a', 'b'], 'again': ['a', 'b']}
>>> try:
...     safe_load("loop: &x [*x]\\n")
... except UnsafeYAMLError as exc:
...     print(exc.problem_mark.line + 1, exc.problem_mark.column + 1, exc.problem[:47])
1 11 the alias *x is inside the node it repeats (&x)
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["MAX_DEPTH", "MAX_NODES", "UnsafeYAMLError", "describe", "safe_load"]

#: Most nodes (values, keys, lists, mappings) a document may describe once every alias is
#: expanded (the largest preset describes about 500; a "billion laughs" file 10**9).
MAX_NODES = 100_000
#: Deepest nesting of lists and mappings allowed (a mapping file nests about 6 deep).
MAX_DEPTH = 64


class UnsafeYAMLError(yaml.MarkedYAMLError):
    """A YAML document that is valid but would be unbounded to load."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


#: Where each alias is: (id of the list or mapping holding it, position in it) -> (name, mark).
#: A sequence item is at its index; a mapping value at the ``id`` of its key node.
_Aliases = dict[tuple[int, int | None], tuple[str, yaml.Mark]]


def _check(root: Node, aliases: _Aliases) -> None:
    """Walk ``root`` as if every alias were expanded; stop at the first unbounded part.

    An anchored node and every alias of it are the same Python object, so an alias inside
    its own anchor shows as a node on its own path. Problems are reported at the outermost
    alias that leads to them.
    """
    total = 0
    # iterative depth-first walk: node, depth, the nodes on the path, the outermost alias
    Step = tuple[Node, int, frozenset[int], tuple[str, yaml.Mark] | None]
    stack: list[Step] = [(root, 1, frozenset(), None)]
    while stack:
        node, depth, path, via = stack.pop()
        total += 1
        mark = via[1] if via else node.start_mark
        if total > MAX_NODES:
            raise UnsafeYAMLError(
                f"the file describes more than {MAX_NODES:,} values once its aliases (*name) "
                "are expanded (an 'alias bomb'); write the repeated parts out, or use fewer "
                "nested aliases",
                mark,
            )
        if depth > MAX_DEPTH:
            raise UnsafeYAMLError(
                f"lists and mappings are nested more than {MAX_DEPTH} levels deep", mark
            )
        if isinstance(node, ScalarNode):
            continue
        inner = path | {id(node)}
        edges: list[tuple[Node, int | None]]
        if isinstance(node, SequenceNode):
            edges = [(child, i) for i, child in enumerate(node.value)]
        elif isinstance(node, MappingNode):
            edges = [e for k, v in node.value for e in ((k, None), (v, id(k)))]
        else:  # pragma: no cover - PyYAML has no other node kinds
            continue
        for child, at in reversed(edges):
            alias = aliases.get((id(node), at)) if at is not None else None
            if alias is not None and id(child) in inner:
                name, where = alias
                raise UnsafeYAMLError(
                    f"the alias *{name} is inside the node it repeats (&{name}), so its "
                    "value would never end; write the value out instead of the alias",
                    where,
                )
            stack.append((child, depth + 1, inner, via or alias))


class _Composer(yaml.SafeLoader):
    """The safe loader, remembering where each alias is (see :data:`_Aliases`)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases: _Aliases = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        if parent is not None and self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            at = id(index) if isinstance(index, Node) else index
            if isinstance(at, int):
                self.aliases[(id(parent), at)] = (str(event.anchor), event.start_mark)
        return super().compose_node(parent, index)


def describe(exc: yaml.YAMLError) -> str:
    """One line saying what is wrong with a YAML text and where, e.g. for an error message.

    >>> try:
    ...     safe_load("a: [1, 2\\nb: 3\\n")
    ... except yaml.YAMLError as exc:
    ...     print(describe(exc))
    at line 2, column 2: expected ',' or ']', but got ':'
    """
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return (f"at line {mark.line + 1}, column {mark.column + 1}: " if mark else "") + problem


def safe_load(text: str) -> Any:
    """Parse one YAML document of plain data, refusing unbounded documents.

    Raises
    ------
    yaml.YAMLError
        The text is not YAML, or (:class:`UnsafeYAMLError`) it would be unbounded to load:
        too many values once aliases are expanded, an alias inside its own anchor, or
        nesting deeper than :data:`MAX_DEPTH`.
    """
    loader = _Composer(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:  # the composer recurses once per level of nesting
            raise UnsafeYAMLError(
                f"lists and mappings are nested more than {MAX_DEPTH} levels deep", None
            ) from None
        if node is None:
            return None
        _check(node, loader.aliases)
        return loader.construct_document(node)
    finally:
        loader.dispose()
