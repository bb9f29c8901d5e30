#!/usr/bin/python3
"""Holds every answer of the e2e run against the OpenAPI document.

usage: check_responses.py OPENAPI_JSON EXCHANGES_JSONL
       check_responses.py --examples OPENAPI_JSON
       check_responses.py --complete OPENAPI_JSON

EXCHANGES_JSONL is what the e2e clients wrote with CS_TEST_RESPONSE_LOG set
(tests/support/http_client.c, realtime_test.py including what its Server-Sent Events
readers received, and the browser's own requests in console_test.py): one line per
request (method, path, status, content_type, body). Each answer is matched
to its operation (path template and method; seed 003's /api/momentum/cs alias counts as
/api/v1/cs) and its status (the declared one, else "default"), and its body validated
against that response's JSON schema (JSON Schema 2020-12, Debian's python3-jsonschema).

Fails (exit 1) when a JSON answer does not match its schema, when an answer that should be
JSON is not, or when a status is answered that the operation does not declare and no
default covers. Paths outside the document (the tests' deliberate unknown routes) are
counted and listed, not failed. Prints which operations the run exercised.
"""
import json
import re
import sys

from jsonschema import Draft202012Validator

ALIAS = ("/api/momentum/cs/", "/api/v1/cs/")


def inline_refs(node, doc):
    """The document's own $refs (#/components/...) replaced by their targets."""
    if isinstance(node, dict):
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith("#/"):
            found = doc
            for part in target[2:].split("/"):
                found = found[part]
            return inline_refs(found, doc)
        return {k: inline_refs(v, doc) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(v, doc) for v in node]
    return node


def template_regex(template):
    parts = re.split(r"(\{[^}]+\})", template)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile("^" + body + "$")


def operations(doc):
    """(regex, template, method, op), literal templates before parameterised ones."""
    ops = []
    for template, item in doc["paths"].items():
        for method, op in item.items():
            ops.append((template.count("{"), template, method.upper(), op))
    ops.sort(key=lambda o: (o[0], o[1]))
    return [(template_regex(t), t, m, op) for _, t, m, op in ops]


def find_op(ops, method, path):
    if path.startswith(ALIAS[0]):
        path = ALIAS[1] + path[len(ALIAS[0]):]
    path_known = False
    for rx, template, m, op in ops:
        if rx.match(path):
            path_known = True
            if m == method:
                return template, op
    return ("<method not allowed>" if path_known else None), None


def response_schema(op, status, content_type="application/json"):
    """The declared response for status and its JSON schema; ("stream", the events'
    schema or None) when the answer is Server-Sent Events and the document declares them."""
    responses = op.get("responses", {})
    decl = responses.get(str(status)) or responses.get("default")
    if decl is None:
        return None, None
    content = decl.get("content") or {}
    if content_type.startswith("text/event-stream"):
        if "text/event-stream" not in content:
            return None, None
        return decl, ("stream", content["text/event-stream"].get("x-event-schema"))
    media = content.get("application/json")
    return decl, (media or {}).get("schema")


def stream_errors(body, event_schema):
    """Each `data:` line of an event stream must be JSON and, when the document declares
    the events' schema (x-event-schema), match it. Returns (error or None, events seen)."""
    validator = Draft202012Validator(event_schema) if event_schema else None
    n = 0
    for line in body.split("\n"):
        if not line.startswith("data:"):
            continue
        n += 1
        try:
            event = json.loads(line[5:])
        except ValueError:
            return "data line is not JSON: %.80r" % line, n
        errors = sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path)) if validator else []
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            return "event %d at %s: %s" % (n, where, e.message[:300]), n
    return None, n


def check_examples(path):
    """Each example in the document (request bodies, answers) against its schema."""
    doc = json.load(open(path))
    paths = inline_refs(doc["paths"], doc)
    n = bad = 0
    for template, item in sorted(paths.items()):
        for method, op in sorted(item.items()):
            media = [("request", (op.get("requestBody") or {}).get("content", {}).get("application/json"))]
            for status, decl in sorted(op.get("responses", {}).items()):
                media.append((status, (decl.get("content") or {}).get("application/json")))
            for what, m in media:
                if not m or "example" not in m:
                    continue
                n += 1
                errors = list(Draft202012Validator(m.get("schema", {})).iter_errors(m["example"]))
                if errors:
                    bad += 1
                    e = errors[0]
                    print("MISMATCH %s %s %s example at %s: %s" % (method.upper(), template, what,
                          "/".join(str(p) for p in e.absolute_path) or "(root)", e.message[:300]))
    print("%d examples checked, %d do not match their schema" % (n, bad))
    return 1 if bad or n == 0 else 0


def check_complete(path):
    """Every operation declares its answers (cs-gen marks the others x-undocumented)."""
    doc = json.load(open(path))
    gaps = ["%s %s" % (m.upper(), t) for t, item in sorted(doc["paths"].items())
            for m, op in sorted(item.items()) if op.get("x-undocumented")]
    for g in gaps:
        print("no answers declared (functions/<name>/openapi.json): %s" % g)
    print("%d operations without declared answers" % len(gaps))
    return 1 if gaps else 0


def main():
    if sys.argv[1] == "--complete":
        return check_complete(sys.argv[2])
    if sys.argv[1] == "--examples":
        return check_examples(sys.argv[2])
    doc = json.load(open(sys.argv[1]))
    doc = {"paths": inline_refs(doc["paths"], doc)}
    ops = operations(doc)
    checked = failed = events = 0
    outside = {}
    exercised = {}
    failures = []
    for line in open(sys.argv[2]):
        ex = json.loads(line)
        method, status = ex["method"], ex["status"]
        path = ex["path"].split("?", 1)[0]
        template, op = find_op(ops, method, path)
        if op is None:
            key = "%s %s -> %s" % (method, template or path, status)
            outside[key] = outside.get(key, 0) + 1
            continue
        opkey = "%s %s" % (method, template)
        exercised.setdefault(opkey, set()).add(status)
        decl, schema = response_schema(op, status, ex.get("content_type") or "")
        checked += 1
        if decl is None:
            failed += 1
            failures.append("%s %s: status %d (%s) is not declared" % (method, ex["path"], status,
                                                                     ex.get("content_type")))
            continue
        if isinstance(schema, tuple):
            err, n = stream_errors(ex["body"], schema[1])
            events += n
            if err:
                failed += 1
                failures.append("%s %s -> %d: %s" % (method, ex["path"], status, err))
            continue
        if schema is None:
            continue  # declared without a JSON body (a stream, a redirect)
        try:
            body = json.loads(ex["body"])
        except ValueError:
            failed += 1
            failures.append("%s %s -> %d: body is not JSON: %.120r" % (method, ex["path"], status, ex["body"]))
            continue
        errors = sorted(Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            failed += 1
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            failures.append("%s %s -> %d: at %s: %s" % (method, ex["path"], status, where, e.message[:300]))
    total_ops = len(ops)
    ok_ops = sum(1 for s in exercised.values() if any(200 <= x < 300 for x in s))
    print("checked %d answers against the document (%d streamed events among them): %d did not match"
          % (checked, events, failed))
    print("operations exercised: %d of %d (with a 2xx answer: %d)" % (len(exercised), total_ops, ok_ops))
    never = sorted("%s %s" % (m, t) for _, t, m, _ in ops if "%s %s" % (m, t) not in exercised)
    for n in never:
        print("  not exercised by the e2e run: %s" % n)
    for key in sorted(outside):
        print("  outside the document (not checked): %s (%d)" % (key, outside[key]))
    for f in failures[:60]:
        print("MISMATCH " + f)
    if len(failures) > 60:
        print("... and %d more" % (len(failures) - 60))
    return 1 if failed or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
