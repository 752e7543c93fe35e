"""Live hedges: a Smart Short and the spot holding it protects, as one object (``client.hedges``).

- ``wait``: the conditions, deadline and errors of ``wait_until`` (pure);
- ``state``: what a sync and an async hedge share: the last trade fetched and every pure read;
- ``flows``: each action (refresh, adjust, resize, close, a poll, open) as one sans-I/O flow;
- ``hedges``: ``Hedge`` / ``Hedges`` and ``AsyncHedge`` / ``AsyncHedges``, shells that run those
  flows on their client's loop and differ only in ``await``.

Nothing is imported here, so that ``hedge.position`` can re-export the wait names without loading
the HTTP stack: import from the modules (or from ``threecommas_hedge``).
"""
