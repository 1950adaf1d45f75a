#!/usr/bin/env python3
"""usage: store-digest.py DATA_DIR -- one SHA-256 per content table of a SQLite store
(rows sorted; the run's timestamps, captured_at included for files without a capture date, left out), to compare two ingests of one corpus.
Session 9: also `event_counts` with its term ids replaced by their texts (lower case), which
stays the same when only the order in which terms were numbered changed."""
import hashlib, sqlite3, sys

SKIP = {"captured_at", "first_seen", "last_seen", "ingested_at", "at", "created_at", "updated_at", "checked_at"}
TABLES = ["originals", "sightings", "reports", "events", "event_actors", "event_places",
          "places", "count_terms", "event_counts", "event_changes", "report_signatures",
          "report_bands"]
db = sqlite3.connect(f"file:{sys.argv[1]}/lantern.db?mode=ro", uri=True)
for t in TABLES:
    cols = [r[1] for r in db.execute(f"PRAGMA table_info({t})") if r[1] not in SKIP]
    if not cols:
        continue
    h = hashlib.sha256()
    n = 0
    sel = ", ".join(cols)
    for row in db.execute(f"SELECT {sel} FROM {t} ORDER BY {sel}"):
        h.update(repr(row).encode())
        n += 1
    print(f"{t:18} {n:8} {h.hexdigest()[:16]}")
h = hashlib.sha256()
n = 0
T = "(SELECT lower(term) FROM count_terms WHERE id = {})"
sel = ", ".join(["g", "k1", T.format("v1"), "k2", T.format("v2"), T.format("event_type"),
                 T.format("review_state"), "m0", "m1", "n"])
for row in db.execute(f"SELECT {sel} FROM event_counts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9"):
    h.update(repr(row).encode())
    n += 1
print(f"{'counts_by_term':18} {n:8} {h.hexdigest()[:16]}")
fts = sqlite3.connect(f"file:{sys.argv[1]}/lantern-fts.db?mode=ro", uri=True)
n = fts.execute("SELECT count(*) FROM report_fts").fetchone()[0]
w = fts.execute("SELECT value FROM fts_state WHERE key = 'watermark'").fetchone()
print(f"{'report_fts':18} {n:8} watermark {w[0] if w else None}")
print("settings", [r for r in db.execute("SELECT key, value FROM settings ORDER BY key") if not r[0].endswith("_at")])
