"""Sinks: where alerts go once the worker has raised them (``oreradar alerts``).

    routing/          the subscriptions file, matching, story updates, silences, inhibition, grouping (pure)
    outbox/           per (alert, subscription, channel) deliveries, retries, dead letters (records on Kafka)
    channels/         one module per destination behind one small interface (base.py)
    channel_wiring.py specs in the subscriptions file → Channel objects
    state_topics.py   the compacted topics that hold the outbox, the delivery log and the silences
    dispatch_alerts.py, run_dispatcher.py   the dispatcher: alerts topic → routing → outbox → channels
    cli.py            `oreradar alerts [log]`, `subscriptions check|test`, `silence add|list|expire`
"""
