#!/usr/bin/env python3
"""Check the triage corpus in data/triage/ (see data/triage/SOURCE.md).

Always enforced (exit 1): the exact schema and value sets, id prefix per file and
unique ids, labels that contradict LABELLING.md by construction (reason without
escalation, IRATE without escalation, LEGAL_MENTION below P1, ...), exact duplicate
texts anywhere, and dev texts that are near-duplicates of train texts (word 5-gram
Jaccard > 0.6, or the same normalised text for short messages).
With --final also the size and distribution targets of the brief (issue #14).
Prints counts per field value for each file; --counts-md prints them as the markdown
table of data/triage/SOURCE.md instead; --similar lists dev records that share many
content words with a training record, for re-reading by hand.
"""
import collections, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "triage")
FILES = {"train.jsonl": ("T", 1500, True), "dev.jsonl": ("D", 400, True),
         "messages_train.jsonl": ("M", 500, False), "messages_dev.jsonl": ("N", 200, False)}
FIELDS = ["id", "text", "industry", "lang", "category", "priority",
          "escalation_expected", "escalation_reason", "sentiment"]
VALUES = {
    "industry": {"saas", "ecommerce", "banking", "telecom", "travel", "utilities", "other"},
    "lang": {"en", "es", "de", "fr", "pt"},
    "category": {"BILLING", "SHIPPING", "PRODUCT_QUALITY", "SUBSCRIPTION", "REFUND",
                 "TECHNICAL", "ACCOUNT", "GENERAL_INQUIRY", "COMPLAINT", "CANCELLATION"},
    "priority": {"P1", "P2", "P3"},
    "escalation_reason": {None, "LEGAL_MENTION", "SOCIAL_MEDIA_THREAT", "CUSTOMER_REQUEST",
                          "IRATE_CUSTOMER", "REPEAT_CONTACT"},
    "sentiment": {"HAPPY", "SATISFIED", "NEUTRAL", "FRUSTRATED", "ANGRY", "IRATE"},
}
NEGATIVE = {"FRUSTRATED", "ANGRY", "IRATE"}
errors, warnings = [], []


def err(msg):
    errors.append(msg)


def check_record(r, where, prefix):
    if list(r) != FIELDS:
        return err(f"{where}: fields {list(r)} != {FIELDS}")
    if not re.fullmatch(prefix + r"-\d{6}", r["id"]):
        err(f"{where}: id {r['id']!r} is not {prefix}-NNNNNN")
    if not isinstance(r["text"], str) or not r["text"].strip():
        err(f"{where}: empty text")
    for k, vals in VALUES.items():
        if r[k] not in vals:
            err(f"{where}: {k}={r[k]!r}")
    if not isinstance(r["escalation_expected"], bool):
        err(f"{where}: escalation_expected not a bool")
    reason, sent, pri = r["escalation_reason"], r["sentiment"], r["priority"]
    if r["escalation_expected"] != (reason is not None):
        err(f"{where}: escalation_expected and escalation_reason disagree")
    if sent == "IRATE" and reason not in {"LEGAL_MENTION", "SOCIAL_MEDIA_THREAT",
                                          "CUSTOMER_REQUEST", "IRATE_CUSTOMER"}:
        err(f"{where}: IRATE sentiment must escalate (IRATE_CUSTOMER or a higher reason)")
    if reason == "IRATE_CUSTOMER" and sent != "IRATE":
        err(f"{where}: IRATE_CUSTOMER needs sentiment IRATE")
    if reason == "REPEAT_CONTACT" and sent not in NEGATIVE:
        err(f"{where}: REPEAT_CONTACT needs FRUSTRATED or worse")
    if reason == "LEGAL_MENTION" and pri != "P1":
        err(f"{where}: LEGAL_MENTION is P1")
    if reason in {"SOCIAL_MEDIA_THREAT", "REPEAT_CONTACT"} and pri == "P3":
        err(f"{where}: {reason} is at least P2")


def words(text):
    return re.findall(r"\w+", text.lower())


def shingles(text, n=5):
    w = words(text)
    if len(w) < n:
        return {" ".join(w)}
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def near_dups(dev, train, label):
    index = collections.defaultdict(set)
    tsh = []
    for i, r in enumerate(train):
        s = shingles(r["text"])
        tsh.append(s)
        for g in s:
            index[g].add(i)
    for r in dev:
        s = shingles(r["text"])
        cand = collections.Counter(i for g in s for i in index.get(g, ()))
        for i, shared in cand.items():
            jac = shared / len(s | tsh[i])
            if jac > 0.6:
                err(f"{label}: {r['id']} near-duplicates {train[i]['id']} (Jaccard {jac:.2f})")


STOP = set("""the a an and or to of in on for is it this that was be have has had not no at by
with from as are am do does did can could would will please thanks thank hi hello dear
regards but so if just still de la el en y que por para un una le les des et du pour
pas der die das und ich nicht mit ist os as um uma do da em não""".split())


def content_words(text):
    return {w for w in re.findall(r"[\w']+", text.lower())
            if w not in STOP and not w.isdigit() and len(w) > 2}


def similar_report(dev, train, threshold):
    """List dev/train pairs sharing many content words: situations to re-read by hand
    (a paraphrase keeps the words but changes the 5-grams, which the hard check misses)."""
    tw = [content_words(r["text"]) for r in train]
    for r in dev:
        c = content_words(r["text"])
        best, i = max(((len(c & t) / max(len(c | t), 1), i) for i, t in enumerate(tw)),
                      default=(0.0, 0))
        if best > threshold:
            print(f"{best:.2f} {r['id']} ~ {train[i]['id']}: {r['text'][:90]!r}")


def load(name, prefix):
    path = os.path.join(DATA, name)
    recs = []
    if not os.path.exists(path):
        warnings.append(f"{name}: missing")
        return recs
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"{name}:{n}: {e}")
                continue
            check_record(r, f"{name}:{n}", prefix)
            recs.append(r)
    return recs


def report(name, recs, final, minimum, tickets):
    n = len(recs)
    quiet = "--counts-md" in sys.argv
    out = (lambda *a: None) if quiet else print
    out(f"\n== {name}: {n} records")
    for k in ["category", "industry", "lang", "priority", "escalation_reason", "sentiment"]:
        c = collections.Counter(str(r[k]) for r in recs)
        out(f"  {k}: " + ", ".join(f"{v}={c[v]} ({100*c[v]/max(n,1):.1f}%)"
                                     for v in sorted(c)))
    esc = sum(r["escalation_expected"] for r in recs)
    out(f"  escalation_expected: true={esc} ({100*esc/max(n,1):.1f}%)")
    goals = []
    goals.append((n >= minimum, f"{n} records < {minimum}"))
    if tickets and n:
        cats = collections.Counter(r["category"] for r in recs)
        for c in VALUES["category"]:
            goals.append((cats[c] >= 0.08 * n, f"category {c} below 8%"))
        for k in ["industry", "sentiment", "lang"]:
            seen = {r[k] for r in recs}
            goals.append((VALUES[k] <= seen, f"{k} missing {VALUES[k] - seen}"))
        reasons = {r["escalation_reason"] for r in recs}
        goals.append((VALUES["escalation_reason"] <= reasons, "an escalation reason missing"))
        ne = sum(r["lang"] != "en" for r in recs) / n
        goals.append((0.14 <= ne <= 0.24, f"non-English share {ne:.2f} not about 18%"))
        goals.append((0.15 <= esc / n <= 0.26, f"escalation share {esc/n:.2f} not about 20%"))
        pr = collections.Counter(r["priority"] for r in recs)
        goals.append((0.08 <= pr["P1"] / n <= 0.17, "P1 share not about 12%"))
        goals.append((0.28 <= pr["P2"] / n <= 0.42, "P2 share not about 35%"))
    for ok, msg in goals:
        if not ok:
            (errors if final else warnings).append(f"{name}: {msg}")


def counts_markdown(data):
    """Per-file counts of every field value, as the tables in SOURCE.md."""
    keys = ["category", "priority", "escalation_reason", "sentiment", "lang", "industry"]
    names = list(data)
    print("| field | value | " + " | ".join(names) + " |")
    print("| --- | --- |" + " --- |" * len(names))
    print("| (all) | records | " + " | ".join(str(len(data[n])) for n in names) + " |")
    for k in keys:
        vals = sorted({str(r[k]) for n in names for r in data[n]})
        for v in vals:
            cells = [str(sum(str(r[k]) == v for r in data[n])) for n in names]
            print(f"| {k} | {v} | " + " | ".join(cells) + " |")
    cells = [str(sum(r["escalation_expected"] for r in data[n])) for n in names]
    print("| escalation_expected | true | " + " | ".join(cells) + " |")


def main():
    final = "--final" in sys.argv
    data = {}
    for name, (prefix, minimum, tickets) in FILES.items():
        data[name] = load(name, prefix)
        ids = collections.Counter(r["id"] for r in data[name])
        for i, c in ids.items():
            if c > 1:
                err(f"{name}: id {i} used {c} times")
        report(name, data[name], final, minimum, tickets)
    seen = {}
    for name, recs in data.items():
        for r in recs:
            key = " ".join(words(r["text"]))
            if key in seen:
                err(f"{r['id']}: same text as {seen[key]}")
            seen[key] = r["id"]
    near_dups(data["dev.jsonl"], data["train.jsonl"], "dev vs train")
    near_dups(data["messages_dev.jsonl"], data["messages_train.jsonl"], "messages dev vs train")
    if "--similar" in sys.argv:
        similar_report(data["dev.jsonl"], data["train.jsonl"], 0.36)
        similar_report(data["messages_dev.jsonl"], data["messages_train.jsonl"], 0.5)
    if "--counts-md" in sys.argv:
        counts_markdown(data)
        for e in errors:
            print("ERROR:", e, file=sys.stderr)
        return 1 if errors else 0
    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("ERROR:", e)
    print("\nFAIL" if errors else "\nOK")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
