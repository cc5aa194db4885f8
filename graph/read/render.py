"""Rendering the read IR (`ir.py`): one parameterised statement per root, answering nested lists.

A traversal is a `CALL` subquery that matches, guards, scopes and filters its candidates, orders
them by a keyset, limits them, and only then projects them (`ORDER BY ... LIMIT` before any
projection work). Values come back as lists in item order, so the statement never carries a caller's alias or field name:
everything in its text comes from the whitelists in `relations.py`, `positions.py` and
`criteria.py`, every value is a parameter.

The statement returns one record with a `data` column (a `Batch` returns `key, data` per key).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString

from graph.read import keyset
from graph.read.attribution import chain
from graph.read.best_hits import best_hits, hits
from graph.read.criteria import (
    CUSTOMER_FIELDS,
    LAST_ACTIVITY,
    Criterion,
    InteractionCriteria,
    OrderCriteria,
    customer_predicate,
    interaction_predicate,
    needs_last_activity,
    order_predicate,
    valued_fields,
)
from graph.read.instants import INSTANTS, utc_text
from graph.read.ir import (
    LOOKUP_KEY,
    AnyCriteria,
    AsText,
    Batch,
    Const,
    Cursor,
    EdgeProp,
    EdgeProperties,
    Edges,
    EndCursor,
    Follow,
    HasNext,
    HasPrevious,
    Item,
    Key,
    Labels,
    LastActivity,
    Lookup,
    LookupBy,
    Many,
    Mapped,
    NodeShape,
    Page,
    Prop,
    Properties,
    Roles,
    Root,
    Score,
    Slot,
    StartCursor,
    Target,
    Total,
    Traversal,
    TypeName,
)
from graph.read.masking import search_text
from graph.read.pageinfo import ConnState, conn_expr, flatten
from graph.read.positions import Position, guard, roles, typename
from graph.read.relations import LOOKUPS
from graph.read.scope import Scope, restriction
from graph.read.writer import Writer

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def _prop_name(name: str) -> LiteralString:
    if not _NAME.match(name):
        raise ValueError(f"not a property name: {name!r}")
    return name  # checked above: letters and digits only


@dataclass(slots=True)
class _Vars:
    t: LiteralString
    r: LiteralString = ""
    p: LiteralString = ""
    la: LiteralString = ""
    score: LiteralString = ""
    keys: tuple[LiteralString, ...] = ()
    bound: list[LiteralString] = field(default_factory=list)


def _names(v: _Vars) -> list[LiteralString]:
    """The variables a row carries: the target, its edge, path, last activity and score."""
    return [n for n in (v.t, v.r, v.p, v.la, v.score) if n]


class _Renderer:
    def __init__(self, scope: Scope | None, masked: frozenset[str] = frozenset()) -> None:
        self.w = Writer()
        self.scope = scope
        self.masked = masked  # property names that read as null (personal data)

    def seen(self, var: LiteralString) -> LiteralString:
        """The scope's predicate over the party `var` (true without a scope)."""
        return "true" if self.scope is None else self.scope.parties(var, self.w)

    # -- node projections --

    def items(
        self, items: tuple[Item, ...], v: _Vars, memo: dict[Item, LiteralString] | None = None
    ) -> tuple[LiteralString, LiteralString]:
        """(preludes, list expression) for a node's items; `memo` shares the items rendered
        for another type of the same node (an interface's fields), so each runs once."""
        preludes: LiteralString = ""
        exprs: list[LiteralString] = []
        for item in items:
            found = memo.get(item) if memo is not None else None
            if found is None:
                prelude, found = self.item(item, v)
                preludes += prelude
                if memo is not None:
                    memo[item] = found
            exprs.append(found)
        return preludes, "[" + ", ".join(exprs) + "]"

    def node(self, shape: NodeShape, v: _Vars) -> tuple[LiteralString, LiteralString]:
        if shape.variants is None:
            return self.items(shape.items, v)
        preludes: LiteralString = ""
        cases: LiteralString = ""
        memo: dict[Item, LiteralString] = {}
        for name, items in shape.variants:
            literal: LiteralString = "'" + _prop_name(name) + "'"
            prelude, expr = self.items(items, v, memo)
            preludes += prelude
            cases += (
                f" WHEN {literal} THEN [{literal}, {expr[1:]}"
                if items
                else f" WHEN {literal} THEN [{literal}]"
            )
        return preludes, f"CASE {typename(shape.position, v.t)}{cases} END"

    def item(self, item: Item, v: _Vars) -> tuple[LiteralString, LiteralString]:
        match item:
            case Prop(name=name):
                if name in self.masked:
                    return "", "null"
                return "", f"{v.t}.{_prop_name(name)}"
            case EdgeProp(name=name):
                return "", f"{v.r}.{_prop_name(name)}"
            case Mapped(source=source, mapping=mapping, many=many):
                _, raw = self.item(source, v)
                table = self.w.shared(mapping, dict(mapping))
                if many:
                    return "", f"[_x IN {raw} | {table}[_x]]"
                return "", f"{table}[{raw}]"
            case AsText(source=source, instant=instant):
                _, raw = self.item(source, v)
                if raw == "null":
                    return "", raw
                if instant:
                    return "", utc_text(raw)
                # toString of a Date is the API's format; anything else is left to the scalar
                return "", f"CASE WHEN {raw} IS :: DATE THEN toString({raw}) ELSE {raw} END"
            case Key():
                return "", f"{v.t}.id"
            case Roles():
                return "", roles(v.t)
            case TypeName():
                return "", typename(self.position, v.t)
            case LastActivity():
                if v.la:
                    return "", v.la
                la = self.w.var("la")
                return LAST_ACTIVITY.format(t=v.t, la=la), la
            case Score():
                return "", v.score
            case Cursor():
                return "", "[" + ", ".join(v.keys) + "]"
            case Labels():
                return "", f"labels({v.t})"
            case Properties():
                overrides: list[LiteralString] = [
                    _prop_name(name) + ": null" for name in sorted(self.masked)
                ]
                overrides += [
                    f"{p}: {utc_text(v.t + '.' + p)}" for p in INSTANTS.get(self.position, ())
                ]
                if overrides:
                    return "", f"{v.t} {{.*, {', '.join(overrides)}}}"
                return "", f"properties({v.t})"
            case EdgeProperties():
                return "", f"properties({v.r})"
            case Target(node=node):
                saved = self.position
                self.position = node.position
                try:
                    return self.node(node, v)
                finally:
                    self.position = saved
            case Follow(traversal=traversal):
                return self.traversal(traversal, v.t)
            case Const(value=value):
                return "", "null" if value is None else ("true" if value else "false")
        raise TypeError(f"unknown item {item!r}")

    position: Position = Position.NODE

    # -- traversals --

    def _candidates(
        self,
        tr: Traversal,
        source: LiteralString | None,
        v: _Vars,
        extra: LiteralString | None,
        hint: LiteralString = "",
    ) -> LiteralString:
        """MATCH (with a planner `hint`), guard, scope, distinct, computed keys and filters: the
        rows before ordering."""
        rel = tr.relation
        if tr.text is not None:
            clause = hits(self._query(tr), v.t, v.score)
        else:
            hops = chain(self.seen) if "{chain}" in rel.pattern else ""
            pattern = rel.pattern.format(s=source or "", t=v.t, r=v.r, p=v.p, chain=hops)
            clause = f"MATCH {pattern}{hint}\n"
        conditions, late, la_needed = self._filters(tr, source, v, extra)
        text = clause
        if conditions:
            text += "WHERE " + " AND ".join(conditions) + "\n"
        if rel.distinct:
            text += f"WITH DISTINCT {v.t}\n"
        if la_needed:
            text += LAST_ACTIVITY.format(t=v.t, la=v.la)
        if late:
            text += "WITH * WHERE " + " AND ".join(late) + "\n"
        return text

    def _query(self, tr: Traversal) -> LiteralString:
        """The parameter holding a search's full-text query."""
        text = tr.text
        assert text is not None
        return self.w.param(text if isinstance(text, Slot) else search_text(text, self.masked))

    def _filters(
        self, tr: Traversal, source: LiteralString | None, v: _Vars, extra: LiteralString | None
    ) -> tuple[list[LiteralString], list[LiteralString], bool]:
        """The predicates a candidate must meet: those checked as it is found, those checked
        after DISTINCT or its last activity (`late`), and whether that activity is needed."""
        rel = tr.relation
        target = rel.target
        conditions: list[LiteralString] = []
        # The full-text index holds Person, Organization and Household nodes only, whose `kind`
        # is their label's (graph.identity.reconcile): a party's guard would read every hit's
        # kind for nothing (at 1M, 25,000 hits for a common surname: half the search's time).
        found_guard = (
            None if tr.text is not None and target is Position.PARTY else guard(target, v.t)
        )
        if found_guard:
            conditions.append(found_guard)
        scoped = restriction(self.scope, target, v.t, self.w, anchor=source is None)
        if scoped:
            conditions.append(scoped)
        late: list[LiteralString] = []
        la_needed = isinstance(tr.criteria, Criterion) and needs_last_activity(tr.criteria)
        la_needed = la_needed or any("{la}" in k.expr for k in rel.order)
        if tr.criteria is not None:
            predicate = self._criteria(tr.criteria, v)
            (late if la_needed or rel.distinct else conditions).append(predicate)
        if extra:
            (late if la_needed or rel.distinct else conditions).append(extra)
        return conditions, late, la_needed

    def _best(
        self, tr: Traversal, v: _Vars, bound: LiteralString | None, size: int, counted: bool
    ) -> tuple[LiteralString, LiteralString, LiteralString] | None:
        """A root search's page forward from the index's best hits (`graph.read.best_hits`);
        None when its filters need more than each hit. Past a cursor, every hit is counted apart."""
        conditions, late, la_needed = self._filters(tr, None, v, bound)
        if late or la_needed or tr.relation.distinct:
            return None
        passes: LiteralString = " AND ".join(conditions) if conditions else "true"
        query, counted = self._query(tr), counted and bound is None
        return best_hits(self.w, query, v.t, v.score, passes, size, counted)

    def _criteria(self, criteria: AnyCriteria, v: _Vars) -> LiteralString:
        if isinstance(criteria, InteractionCriteria):
            return interaction_predicate(criteria, v.t, self.w)
        if isinstance(criteria, OrderCriteria):
            return order_predicate(criteria, v.t, self.w)
        return customer_predicate(criteria, v.t, v.la, self.w, self.scope)

    def _vars(self, tr: Traversal) -> _Vars:
        rel = tr.relation
        v = _Vars(t=self.w.var("t"))
        if rel.edge:
            v.r = self.w.var("r")
        if rel.path:
            v.p = self.w.var("p")
        la_needed = isinstance(tr.criteria, Criterion) and needs_last_activity(tr.criteria)
        if la_needed or any("{la}" in k.expr for k in rel.order):
            v.la = self.w.var("la")
        if tr.text is not None:
            v.score = self.w.var("sc")
        return v

    def _keys(self, tr: Traversal, v: _Vars) -> list[tuple[LiteralString, bool]]:
        keys: list[tuple[LiteralString, bool]] = []
        for key in tr.relation.order:
            expr = key.expr.format(t=v.t, r=v.r, p=v.p, la=v.la, sc=v.score)
            keys.append((expr, key.descending))
        return keys

    def _top(
        self,
        tr: Traversal,
        source: LiteralString | None,
        v: _Vars,
        bound: LiteralString | None,
        keys: Sequence[tuple[LiteralString, bool]],
        limit: LiteralString,
        back: bool,
        walk: LiteralString,
    ) -> tuple[LiteralString, LiteralString | None]:
        """The candidates of a page, before its ORDER BY and LIMIT, and the order to give them
        when it differs from the keys' own (None). A root list sorted descending on a property
        first reads the rows that have it in its range index's order (stopping at the limit),
        then those without it: one `ORDER BY p IS NULL, p DESC` (nulls last) sorted every
        candidate, 300 ms for the top 20 of 100k customers by revenue. When the filter leaves
        no row without the property, the rows with it are all there is: they are ordered
        `p DESC` alone, which the index serves, and nothing is sorted twice."""
        first, desc = keys[0]
        plain = first.startswith(f"{v.t}.") and first[len(v.t) + 1 :].isidentifier()
        single = tr.relation.pattern.startswith("({t}:Party") and "-" not in tr.relation.pattern
        if source is not None or back or not desc or not plain or not single:
            return self._candidates(tr, source, v, bound, hint=walk), None
        if tr.text is not None or self._carried(v) != v.t:
            return self._candidates(tr, source, v, bound), None
        extra: LiteralString = f"{bound} AND " if bound else ""
        rest: LiteralString = keyset.order_by(keys[1:]) if len(keys) > 1 else f"{v.t}.id"
        by_value: LiteralString = f"{first} DESC, {rest}"  # the range index's order
        with_value = self._candidates(tr, source, v, extra + f"{first} IS NOT NULL")
        if isinstance(tr.criteria, Criterion) and any(
            CUSTOMER_FIELDS[f].format(t=v.t, la=v.la) == first for f in valued_fields(tr.criteria)
        ):  # the filter leaves no row without the property
            return with_value, by_value
        top, more = self.w.var("top"), self.w.var("more")
        top_call: LiteralString = (
            f"CALL () {{\n{with_value}WITH {v.t} ORDER BY {by_value} LIMIT {limit}\n"
            f"RETURN collect({v.t}) AS {top}\n}}\n"
        )
        # The rows without the property, read only when those with it do not fill the page: an
        # id range that is empty when they do (no id sorts after U+FFFF), walked in id order (the
        # hint: a filter on the property would otherwise have the planner seek its index, every
        # entry of which fails `IS NULL`).
        start: LiteralString = f"CASE WHEN size({top}) < {limit} THEN '' ELSE '\\uffff' END"
        missing = self._candidates(
            tr,
            source,
            v,
            extra + f"{first} IS NULL AND {v.t}.id > {start}",
            hint=f" USING INDEX {v.t}:{tr.relation.id_label}(id)",
        )
        return (
            top_call + f"CALL ({top}) {{\n{missing}"
            f"WITH {v.t} ORDER BY {rest} LIMIT {limit}\nRETURN collect({v.t}) AS {more}\n}}\n"
            f"UNWIND {top} + {more} AS {v.t}\n"
        ), None

    def _carried(self, v: _Vars) -> LiteralString:
        return ", ".join(_names(v))

    def traversal(
        self, tr: Traversal, source: LiteralString | None
    ) -> tuple[LiteralString, LiteralString]:
        """(the CALL clauses, the expression for the field's value)."""
        saved = self.position
        self.position = tr.relation.target
        try:
            if tr.page is None:
                return self._single(tr, source)
            return self._connection(tr, source, tr.page)
        finally:
            self.position = saved

    def _import(self, source: LiteralString | None) -> LiteralString:
        return f"CALL ({source or ''}) {{\n"

    def _single(
        self, tr: Traversal, source: LiteralString | None
    ) -> tuple[LiteralString, LiteralString]:
        v = self._vars(tr)
        keys = self._keys(tr, v)
        v.keys = tuple(k for k, _ in keys)
        out = self.w.var("v")
        body = self._candidates(tr, source, v, None)
        body += f"WITH {self._carried(v)} ORDER BY {keyset.order_by(keys)} LIMIT 1\n"
        preludes, expr = self.items(tr.items, v)
        body += preludes + f"RETURN collect({expr})[0] AS {out}\n"
        return self._import(source) + body + "}\n", out

    def _connection(
        self, tr: Traversal, source: LiteralString | None, page: Page
    ) -> tuple[LiteralString, LiteralString]:
        """A page in the keyset order, or (`page.backward`) the last rows of its window: sorted by
        the reverse order, `size + 1` taken, and reversed back when collected."""
        v = self._vars(tr)
        keys = self._keys(tr, v)
        v.keys = tuple(k for k, _ in keys)
        size = self.w.param(page.size)
        back = page.backward
        flat = flatten(tr.conn)
        calls: LiteralString = ""
        edges_vars: list[LiteralString] = []
        keys_var: LiteralString = ""
        # the "more rows" flag of the direction read (hasNextPage forward, hasPreviousPage back)
        more: type[HasNext] | type[HasPrevious] = HasPrevious if back else HasNext
        total_var: LiteralString = ""
        counted = any(isinstance(c, Total) for c in flat)
        if any(isinstance(c, Edges | StartCursor | EndCursor | more) for c in flat):
            bounds: list[LiteralString] = []
            if page.after is not None:
                bounds.append(keyset.after(keys, page.after, self.w))
            if page.before is not None:
                bounds.append(keyset.before(keys, page.before, self.w))
            bound: LiteralString | None = " AND ".join(bounds) if bounds else None
            walk: LiteralString = ""
            if source is None and tr.text is None and keys[0] == (f"{v.t}.id", False):
                # A root in id order walks its label's id index in order and stops at the page's
                # end (a bound on the id), instead of sorting every candidate; unfiltered and
                # unscoped it is told which index (at 1M the planner walked every party's id).
                bound = bound or f"{v.t}.id > ''"
                told = not tr.criteria and self.scope is None
                walk = f" USING INDEX {v.t}:{tr.relation.id_label}(id)" if told else ""
            limit = self.w.param(page.size + 1)
            best = None
            if tr.text is not None and source is None and not back:
                best = self._best(tr, v, bound, page.size, counted)
            if best is not None:
                body, ordered = best[0], None
            else:
                body, ordered = self._top(tr, source, v, bound, keys, limit, back, walk)
            order = ordered or keyset.order_by(keys, reverse=back, present=(v.score,))
            # A search backward reads every hit: with `totalCount` and no cursor, one read of
            # the hits counts them and pages them (a second cost half again at 1M).
            one_pass = counted and tr.text is not None and bound is None and best is None
            listed = None  # the candidates as a list: (its variable, the hits' count or "")
            if best is not None and best[1]:  # with the count: a list (else rows, streamed)
                listed = best[1], best[2]
            elif one_pass:
                hits = self.w.var("hits")
                body += f"WITH collect([{self._carried(v)}]) AS {hits}\n"
                listed = hits, f"size({hits})"
            if listed:
                hit = self.w.var("hit")
                unpacked = ", ".join(f"{hit}[{i}] AS {n}" for i, n in enumerate(_names(v)))
                body += f"CALL ({listed[0]}) {{\nUNWIND {listed[0]} AS {hit}\nWITH {unpacked}\n"
            body += f"WITH {self._carried(v)} ORDER BY {order} LIMIT {limit}\n"
            collects: list[LiteralString] = []
            preludes: LiteralString = ""
            for c in flat:
                if isinstance(c, Edges):
                    prelude, expr = self.items(c.items, v)
                    preludes += prelude
                    var = self.w.var("e")
                    edges_vars.append(var)
                    collects.append(f"collect({expr}) AS {var}")
            keys_var = self.w.var("k")
            cursors = any(isinstance(c, StartCursor | EndCursor) for c in flat)
            # The sort keys only for start and end cursors; otherwise a constant, counted for
            # `hasNextPage` (keys can be instants, which cost to return and to decode).
            row_keys: LiteralString = "[" + ", ".join(v.keys) + "]" if cursors else "true"
            collects.append(f"collect({row_keys}) AS {keys_var}")
            if preludes:
                body += preludes + f"WITH * ORDER BY {order}\n"
            body += "RETURN " + ", ".join(collects) + "\n"
            if listed:
                body += "}\nRETURN " + ", ".join([*edges_vars, keys_var])
                if listed[1]:
                    total_var = self.w.var("c")
                    body += f", {listed[1]} AS {total_var}"
                body += "\n"
            calls += self._import(source) + body + "}\n"
        if counted and not total_var:
            total_var = self.w.var("c")
            cv = self._vars(tr)
            body = self._candidates(tr, source, cv, None)
            calls += self._import(source) + body + f"RETURN count(*) AS {total_var}\n}}\n"
        # the other direction: whether rows lie beyond the cursor the page starts from
        # (hasPreviousPage: rows not after `after`; backward, hasNextPage: rows not before `before`)
        beyond_var: LiteralString = ""
        start = page.before if back else page.after
        other: type[HasNext] | type[HasPrevious] = HasNext if back else HasPrevious
        if start is not None and any(isinstance(c, other) for c in flat):
            beyond_var = self.w.var("h")
            pv = self._vars(tr)
            pkeys = self._keys(tr, pv)
            side = keyset.before if back else keyset.after
            outside = "NOT " + side(pkeys, start, self.w)
            body = self._candidates(tr, source, pv, outside)
            calls += (
                self._import(source)
                + body
                + f"WITH {pv.t} LIMIT 1\nRETURN count(*) > 0 AS {beyond_var}\n}}\n"
            )
        state = ConnState(size, iter(edges_vars), keys_var, total_var, beyond_var, back)
        return calls, conn_expr(tr.conn, state)

    # -- roots --

    def root(self, root: Root) -> LiteralString:
        match root:
            case Traversal():
                calls, expr = self.traversal(root, None)
                return calls + f"RETURN {expr} AS data"
            case Lookup():
                return self._lookup(root)
            case Many():
                return self._many(root)
            case Batch():
                key = self.w.var("key")
                source = self.w.var("s")
                text: LiteralString = (
                    f"UNWIND {self.w.param(list(root.keys))} AS {key}\n"
                    f"MATCH ({source}:{root.family.value} {{id: {key}}})\n"
                )
                preludes, expr = self.items(root.items, _Vars(t=source))
                return text + preludes + f"RETURN {key} AS key, {expr} AS data"
        raise TypeError(f"unknown root {root!r}")

    def _lookup(self, root: Lookup) -> LiteralString:
        v = _Vars(t=self.w.var("t"))
        template = LOOKUPS[root.by]
        key = self.w.named(LOOKUP_KEY, root.value)
        text = template.format(t=v.t, label=root.family.value, v=key) + "\n"
        conditions: list[LiteralString] = []
        if root.label:
            conditions.append(f"{v.t}:{root.label}")
        found_guard = guard(root.position, v.t)
        if found_guard:
            conditions.append(found_guard)
        scoped = restriction(self.scope, root.position, v.t, self.w, anchor=True)
        if scoped:
            conditions.append(scoped)
        if conditions:
            text += "AND " if root.by in {LookupBy.EMAIL, LookupBy.EXTERNAL_ID} else "WHERE "
            text += " AND ".join(conditions) + "\n"
        text += f"WITH {v.t} ORDER BY {v.t}.id LIMIT 1\n"
        self.position = root.position
        preludes, expr = self.items(root.items, v)
        return text + preludes + f"RETURN collect({expr})[0] AS data"

    def _many(self, root: Many) -> LiteralString:
        v = _Vars(t=self.w.var("t"))
        ids = self.w.param([[family.value, key] for family, key in root.keys])
        branches: list[LiteralString] = []
        for family in sorted({family for family, _ in root.keys}):
            branches.append(
                f"WITH _g WHERE _g[0] = '{family.value}' "
                f"MATCH ({v.t}:{family.value} {{id: _g[1]}}) RETURN {v.t}"
            )
        conditions: list[LiteralString] = [guard(Position.NODE, v.t) or "true"]
        scoped = restriction(self.scope, Position.NODE, v.t, self.w, anchor=True)
        if scoped:
            conditions.append(scoped)
        self.position = Position.NODE
        preludes, expr = self.items(root.items, v)
        out = self.w.var("v")
        inner: LiteralString = (
            "CALL (_g) {\n"
            + ("CALL (_g) {\n" + "\nUNION\n".join(branches) + "\n}\n" if branches else "")
            + ("WITH " + v.t + " WHERE " + " AND ".join(conditions) + "\n" if branches else "")
            + preludes
            + (f"RETURN collect({expr})[0] AS {out}\n" if branches else f"RETURN null AS {out}\n")
            + "}\n"
        )
        return (
            f"UNWIND range(0, size({ids}) - 1) AS _i\nWITH _i, {ids}[_i] AS _g\n"
            + inner
            # collect() skips nulls: wrap each answer so that missing nodes keep their place
            + f"WITH _i, {out} ORDER BY _i\nRETURN [_x IN collect([{out}]) | _x[0]] AS data"
        )


def render(
    root: Root, scope: Scope | None = None, masked: frozenset[str] = frozenset()
) -> tuple[LiteralString, dict[str, Any]]:
    """The statement text and its parameters for a root; `masked` properties read as null."""
    r = _Renderer(scope, masked)
    text = r.root(root)
    return text, r.w.params
