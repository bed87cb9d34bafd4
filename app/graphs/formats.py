"""A ``Graph`` written as JSON Graph Format (v2), GraphML or GEXF (1.2), in chunks.

Each node's ``label`` is written as the format's own label (GEXF) or as an attribute like the
others (GraphML); a co-participation edge's ``weight`` is GEXF's edge weight and a GraphML
attribute. Attribute types are declared once per name, from the values the graph holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

import orjson

from app.graphs.build import Graph, Value

CHUNK = 500
MEDIA = {
    "json": "application/json",
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
}
BY_MEDIA = {"application/vnd.jgf+json": "json"} | {media: f for f, media in MEDIA.items()}
CREATOR = "Migration Governance Timeline"


def _type(value: Value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _keys(items: list[dict[str, Value]], *, skip: set[str]) -> dict[str, str]:
    """Each attribute name, in first-seen order, with its declared type."""
    keys: dict[str, str] = {}
    for attributes in items:
        for name, value in attributes.items():
            if name not in skip and name not in keys:
                keys[name] = _type(value)
    return keys


def _chunks(parts: Iterator[str]) -> Iterator[str]:
    batch: list[str] = []
    for part in parts:
        batch.append(part)
        if len(batch) == CHUNK:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


def jgf(graph: Graph) -> Iterator[str]:
    def parts() -> Iterator[str]:
        head = {"id": graph.name, "type": graph.name, "label": graph.name}
        yield '{"graph":' + orjson.dumps(head | {"directed": graph.directed}).decode()[:-1]
        yield ',"nodes":{'
        for index, (node, attributes) in enumerate(graph.nodes.items()):
            label = attributes.get("label")
            metadata = {k: v for k, v in attributes.items() if k != "label"}
            body = orjson.dumps({"label": label, "metadata": metadata}).decode()
            yield ("," if index else "") + orjson.dumps(node).decode() + ":" + body
        yield '},"edges":['
        for index, (source, target, attributes) in enumerate(graph.edges):
            edge: dict[str, object] = {"source": source, "target": target, "metadata": attributes}
            relation = attributes.get("role") or attributes.get("relation")
            if relation is not None:
                edge["relation"] = relation
            yield ("," if index else "") + orjson.dumps(edge).decode()
        yield "]}}\n"

    return _chunks(parts())


def graphml(graph: Graph) -> Iterator[str]:
    def parts() -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        node_keys = _keys(list(graph.nodes.values()), skip=set())
        edge_keys = _keys([a for *_, a in graph.edges], skip=set())
        for where, keys in (("node", node_keys), ("edge", edge_keys)):
            for name, kind in keys.items():
                key = quoteattr(f"{where[0]}_{name}")
                yield (
                    f"<key id={key} for={quoteattr(where)} attr.name={quoteattr(name)} "
                    f"attr.type={quoteattr(kind)}/>\n"
                )
        direction = "directed" if graph.directed else "undirected"
        yield f"<graph id={quoteattr(graph.name)} edgedefault={quoteattr(direction)}>\n"
        for node, attributes in graph.nodes.items():
            yield f"<node id={quoteattr(node)}>{_data('n', attributes)}</node>\n"
        for index, (source, target, attributes) in enumerate(graph.edges):
            ends = f"id={quoteattr(f'e{index}')} source={quoteattr(source)} "
            ends += f"target={quoteattr(target)}"
            yield f"<edge {ends}>{_data('e', attributes)}</edge>\n"
        yield "</graph>\n</graphml>\n"

    return _chunks(parts())


def _data(prefix: str, attributes: dict[str, Value]) -> str:
    return "".join(
        f"<data key={quoteattr(f'{prefix}_{name}')}>{escape(_text(value))}</data>"
        for name, value in attributes.items()
    )


def gexf(graph: Graph) -> Iterator[str]:
    def parts() -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
        yield f"<meta><creator>{escape(CREATOR)}</creator></meta>\n"
        direction = "directed" if graph.directed else "undirected"
        yield f'<graph mode="static" defaultedgetype="{direction}">\n'
        node_keys = _keys(list(graph.nodes.values()), skip={"label"})
        edge_keys = _keys([a for *_, a in graph.edges], skip={"weight"})
        for where, keys in (("node", node_keys), ("edge", edge_keys)):
            yield f'<attributes class="{where}">'
            for name, kind in keys.items():
                named = f"id={quoteattr(name)} title={quoteattr(name)}"
                yield f"<attribute {named} type={quoteattr(kind)}/>"
            yield "</attributes>\n"
        yield "<nodes>\n"
        for node, attributes in graph.nodes.items():
            label = quoteattr(_text(attributes.get("label", node)))
            values = _attvalues(attributes, skip="label")
            yield f"<node id={quoteattr(node)} label={label}>{values}</node>\n"
        yield "</nodes>\n<edges>\n"
        for index, (source, target, attributes) in enumerate(graph.edges):
            weight = attributes.get("weight")
            ends = f'id="{index}" source={quoteattr(source)} target={quoteattr(target)}'
            if weight is not None:
                ends += f' weight="{weight}"'
            yield f"<edge {ends}>{_attvalues(attributes, skip='weight')}</edge>\n"
        yield "</edges>\n</graph>\n</gexf>\n"

    return _chunks(parts())


def _attvalues(attributes: dict[str, Value], *, skip: str) -> str:
    values = "".join(
        f"<attvalue for={quoteattr(name)} value={quoteattr(_text(value))}/>"
        for name, value in attributes.items()
        if name != skip
    )
    return f"<attvalues>{values}</attvalues>" if values else ""


WRITERS = {"json": jgf, "graphml": graphml, "gexf": gexf}
