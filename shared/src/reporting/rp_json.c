/* Compact JSON text of a record, byte for byte what json-c's
 * json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) gives (the same escapes,
 * "\/" included, lowercase \u00XX, keys in insertion order), into a buffer the caller
 * reuses. Written here rather than called from json-c because an import serialises
 * every record and every participant: json-c appends each run of a string through a
 * printbuf call, formats every integer with snprintf and keeps a printbuf per object;
 * that was ~11% of an import's instructions (callgrind, 3,000 generated calls).
 * Doubles, integers past int64 and any value with a custom serializer (userdata set)
 * are still written by json-c, so their formatting cannot drift. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/json.h"
#include "cs/reporting.h"

static bool grow(struct cs_rp_text *t, size_t more)
{
    if (t->len + more + 1 <= t->cap) return true;
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + more + 1) cap *= 2;
    char *p = realloc(t->p, cap);
    if (!p) return false;
    t->p = p;
    t->cap = cap;
    return true;
}

static bool put(struct cs_rp_text *t, const char *s, size_t n)
{
    if (!grow(t, n)) return false;
    memcpy(t->p + t->len, s, n);
    t->len += n;
    return true;
}

/* 1: the byte is written escaped (json-c's json_escape_str set). */
static const unsigned char needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,         1,         1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, ['"'] = 1, ['/'] = 1, ['\\'] = 1};

static bool put_str(struct cs_rp_text *t, const char *s, size_t n)
{
    /* Worst case 6 bytes per input byte, plus the quotes. */
    if (!grow(t, n * 6 + 2)) return false;
    char *o = t->p + t->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        /* Eight bytes at a time while none needs escaping (SWAR: a byte below 0x20,
         * or equal to '"', '/' or '\\', sets its high bit in `hit`). */
        while (n - i >= 8) {
            uint64_t w, ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
            memcpy(&w, s + i, 8);
            uint64_t q = w ^ (ones * '"'), sl = w ^ (ones * '/'), bs = w ^ (ones * '\\');
            uint64_t hit = ((w - ones * 0x20) | (q - ones) | (sl - ones) | (bs - ones)) & ~w & high;
            if (hit) break;
            memcpy(o, s + i, 8);
            o += 8, i += 8;
        }
        if (i >= n) break;
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape[c]) {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '\b': *o++ = 'b'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\f': *o++ = 'f'; break;
        case '"':
        case '\\':
        case '/': *o++ = (char)c; break;
        default:
            *o++ = 'u', *o++ = '0', *o++ = '0';
            *o++ = "0123456789abcdef"[c >> 4];
            *o++ = "0123456789abcdef"[c & 0xf];
        }
    }
    *o++ = '"';
    t->len = (size_t)(o - t->p);
    return true;
}

static bool put_int(struct cs_rp_text *t, int64_t v)
{
    char d[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do d[sizeof(d) - 1 - n++] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) d[sizeof(d) - 1 - n++] = '-';
    return put(t, d + sizeof(d) - n, (size_t)n);
}

static bool mark_room(struct cs_rp_text *t, size_t n)
{
    if (n * 2 > t->spancap) {
        size_t *p = realloc(t->span, n * 2 * sizeof(*p));
        if (!p) return false; /* no spans: the caller writes the elements itself */
        t->span = p;
        t->spancap = n * 2;
    }
    return true;
}

static bool put_value(struct cs_rp_text *t, json_object *o, int depth)
{
    if (!o) return put(t, "null", 4);
    if (depth > CS_JSON_MAX_DEPTH) return false;
    enum json_type type = json_object_get_type(o);
    bool plain = !json_object_get_userdata(o);
    if (plain && type == json_type_int && json_object_get_int64(o) != INT64_MAX)
        return put_int(t, json_object_get_int64(o));
    if (plain && type == json_type_string)
        return put_str(t, json_object_get_string(o), (size_t)json_object_get_string_len(o));
    if (plain && type == json_type_boolean)
        return json_object_get_boolean(o) ? put(t, "true", 4) : put(t, "false", 5);
    if (plain && type == json_type_array) {
        size_t n = json_object_array_length(o);
        bool ok = put(t, "[", 1), marked = o == t->mark && mark_room(t, n);
        for (size_t i = 0; ok && i < n; i++) {
            ok = !i || put(t, ",", 1);
            if (marked) t->span[2 * i] = t->len;
            ok = ok && put_value(t, json_object_array_get_idx(o, i), depth + 1);
            if (marked) t->span[2 * i + 1] = t->len;
        }
        if (marked && ok) t->nspan = n;
        return ok && put(t, "]", 1);
    }
    if (plain && type == json_type_object) {
        bool ok = put(t, "{", 1), first = true;
        json_object_object_foreach(o, k, v)
        {
            if (!ok) break;
            ok = (first || put(t, ",", 1)) && put_str(t, k, strlen(k)) && put(t, ":", 1) &&
                 put_value(t, v, depth + 1);
            first = false;
        }
        return ok && put(t, "}", 1);
    }
    size_t n;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
    return s && put(t, s, n);
}

int cs_rp_json_text(struct cs_rp_text *t, json_object *o)
{
    t->len = 0;
    t->nspan = 0;
    if (!put_value(t, o, 0) || !grow(t, 0)) return CS_ERR_NOMEM;
    t->p[t->len] = '\0';
    return CS_OK;
}

int cs_rp_json_set(struct cs_rp_text *t, const char *text, size_t n)
{
    t->len = 0;
    t->nspan = 0;
    if (!put(t, text, n) || !grow(t, 0)) return CS_ERR_NOMEM;
    t->p[t->len] = '\0';
    return CS_OK;
}

int cs_rp_json_extend(struct cs_rp_text *t, const char *key, json_object *v)
{
    if (t->len < 2 || t->p[t->len - 1] != '}') return CS_ERR_INVALID;
    t->len--;
    bool ok = (t->len == 1 || put(t, ",", 1)) && put_str(t, key, strlen(key)) && put(t, ":", 1) &&
              put_value(t, v, 1) && put(t, "}", 1) && grow(t, 0);
    if (!ok) return CS_ERR_NOMEM;
    t->p[t->len] = '\0';
    return CS_OK;
}

void cs_rp_text_free(struct cs_rp_text *t)
{
    free(t->p);
    free(t->span);
    *t = (struct cs_rp_text){0};
}
