"""Networks drawn from the dataset, for networkx, igraph and Gephi.

``build`` reads a graph — the actor–event network, actor co-participation, the lineage of
processes — into plain ``Graph`` values (nodes and edges with their attributes, every edge
carrying the ids of the citations behind it); ``formats`` writes a graph as JSON Graph Format,
GraphML or GEXF, chunk by chunk. A graph larger than ``build.MAX_EDGES`` is refused with a
request to narrow it, so its cost stays bounded however large the dataset grows.
"""
