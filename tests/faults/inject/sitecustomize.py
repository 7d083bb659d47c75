"""Fault injection for the fault suite's worker subprocesses (never shipped).

Put this directory first on ``PYTHONPATH`` and set ``RRM_TEST_ENRICH_FAULT=<marker>``:
enrichment of any mention whose text contains the marker raises inside the real
worker, as a bug in a sentiment model or matcher would."""

import os

_MARKER = os.environ.get("RRM_TEST_ENRICH_FAULT")

if _MARKER:
    from streams import enrich as _enrich_mod

    _orig = _enrich_mod.Enricher._enrich

    def _faulty(self, mentions, event_ts):
        for m in mentions:
            if _MARKER in m.text:
                raise RuntimeError(f"injected enrichment fault on mention {m.id}")
        return _orig(self, mentions, event_ts)

    _enrich_mod.Enricher._enrich = _faulty

_ONCE = os.environ.get("RRM_TEST_BATCH_FAULT_ONCE")

if _ONCE:
    # a transient failure of a whole batch (as a broker error on send would be):
    # the first batch processed while the flag file exists raises, once
    from streams import app as _app_mod

    _orig_batch = _app_mod.Pipeline.enrich_batch

    async def _failing_batch(self, events):
        if os.path.exists(_ONCE):
            os.unlink(_ONCE)
            raise RuntimeError("injected transient batch failure")
        return await _orig_batch(self, events)

    _app_mod.Pipeline.enrich_batch = _failing_batch
