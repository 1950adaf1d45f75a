# Compare the incidents and copy links of two SQLite data folders:
# python3 scripts/incidents-compare.py FULL_DATA INCREMENTAL_DATA
import sqlite3, sys
def snap(path):
    c = sqlite3.connect(path + "/lantern.db")
    inc = {}
    for iid, key in c.execute("SELECT incident_id, event_key FROM incident_events"):
        inc.setdefault(iid, set()).add(key)
    groups = set(frozenset(v) for v in inc.values())
    links = set(c.execute("SELECT report_id, duplicate_of FROM report_signatures WHERE duplicate_of IS NOT NULL"))
    return groups, links
fg, fl = snap(sys.argv[1]); ig, il = snap(sys.argv[2])
def pairs(gs):
    n = 0
    out = set()
    for g in gs:
        v = sorted(g)
        for i in range(len(v)):
            for j in range(i+1, len(v)):
                out.add((v[i], v[j]))
    return out
pf, pi = pairs(fg), pairs(ig)
common = len(pf & pi)
print(f"incidents full {len(fg)} incremental {len(ig)} identical {len(fg & ig)}; copy links full {len(fl)} incremental {len(il)} equal {fl == il}")
print(f"pairs full {len(pf)} incremental {len(pi)} common {common}: recall {common/max(1,len(pf)):.4f} precision {common/max(1,len(pi)):.4f}")
