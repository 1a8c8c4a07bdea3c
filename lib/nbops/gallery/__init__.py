"""The gallery: every run and sweep of a runs folder on one static page, and `nbops runs`.

- `facts`    what one run or sweep folder shows: status, verdicts, headline metrics, changes
- `index`    collect those facts incrementally (a cache keyed by folder mtime) and write index.html
- `page`     the self-contained HTML page: filter, sort, compare two runs (no network request)
- `listing`  `nbops runs`: the same facts as a terminal table, JSON or CSV
"""
