"""The hall's figures (KPIs): pure functions over the database, the clock injected.

`period.py` names a day, an ISO week or a month; `measures.py` the summaries
(mean, median, p90); `kpis.py` computes every figure of a period from the
tickets, the event log, the drop-offs and the ratings; `thresholds.py` compares
them with the hall's `[stats]` settings and raises staff alerts.
"""
