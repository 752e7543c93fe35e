"""Write safety: the client tag, reconciling a write whose outcome is unknown, safe writes.

3Commas has no idempotency key, so a write that may have reached the server is never sent again;
its effect is looked for instead (``reconcile``), by the tag put in a new trade's note
(``client_tag``) or by the state a close, cancel or funds order leaves (``safe_writes``).
"""
