/* Checks the language detector (shared/src/nlp/lang.c) against libexttextcat itself:
 * for every text given, the sample cs_lang_detect takes is classified by
 * textcat_ClassifyFull and by the detector's own scoring, and the verdicts (number of
 * candidates, their names and scores in order) and the detector's answer (code and
 * confidence, against the one computed from the library's candidates) are compared.
 *   lang_check CONF FILE...   (FP_DIR /usr/share/libexttextcat)
 * Texts: every line of each file, and every JSON string in a .json/.jsonl file; then
 * 20,000 random byte strings (spaces, digits, ASCII, UTF-8 and stray bytes) of a fixed
 * seed. Prints the counts; exit 1 on any difference. */
#include "../../shared/src/nlp/lang.c" /* classify_full and its sample, unexported */

#include <json-c/json.h>

#define FP_DIR "/usr/share/libexttextcat/"

struct check {
    void *tc;
    struct cs_lang *l;
    size_t texts, decided, diffs;
};

/* the sample cs_lang_detect takes; 0 when it has none */
static size_t sample_of(const char *text, size_t len, char *sample)
{
    if (len > LANG_MAX_BYTES) {
        size_t cut = LANG_MAX_BYTES;
        while (cut > LANG_MAX_BYTES / 2 && text[cut] != ' ') cut--;
        len = text[cut] == ' ' ? cut : LANG_MAX_BYTES;
    }
    len = whole_utf8(text, len);
    memcpy(sample, text, len);
    sample[len] = '\0';
    return len;
}

static void check_text(struct check *c, const char *text, size_t len)
{
    char sample[LANG_MAX_BYTES + 1];
    static candidate_t want[LANG_MAX], got[LANG_MAX];
    c->texts++;
    size_t n = sample_of(text, len, sample);
    int kw = n ? textcat_ClassifyFull(c->tc, sample, n, want) : 0;
    int kg = n ? classify_full(c->l, sample, n, got) : 0;
    int same = (kw > 0 ? kw : 0) == (kg > 0 ? kg : 0);
    for (int i = 0; same && i < kw; i++)
        same = want[i].score == got[i].score && strcmp(want[i].name, got[i].name) == 0;
    struct cs_lang_result r;
    if (cs_lang_detect(c->l, text, len, &r) != CS_OK) same = 0;
    if (kw > 0) {
        size_t letters = count_letters(sample, n);
        float scale = letters >= LANG_FULL_LETTERS ? 1.0f : (float)letters / LANG_FULL_LETTERS;
        int fits = strlen(want[0].name) < sizeof(r.code); /* else no code, as before */
        if (strcmp(r.code, fits ? want[0].name : "") != 0 ||
            r.confidence != (fits ? scale / (float)kw : 0.0f))
            same = 0;
        c->decided++;
    } else if (r.code[0] || r.confidence != 0.0f) {
        same = 0;
    }
    if (!same && c->diffs++ < 10)
        fprintf(stderr, "differs (%d vs %d candidates): %.*s\n", kw, kg, (int)n, sample);
}

static void check_json(struct check *c, json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_string:
        check_text(c, json_object_get_string(o), (size_t)json_object_get_string_len(o));
        break;
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++)
            check_json(c, json_object_array_get_idx(o, i));
        break;
    case json_type_object: {
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            check_json(c, v);
        }
        break;
    }
    default: break;
    }
}

static int check_file(struct check *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t jl = strlen(path);
    int json =
        jl > 5 && (strcmp(path + jl - 5, ".json") == 0 || strcmp(path + jl - 6, ".jsonl") == 0);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        check_text(c, line, (size_t)n);
        json_object *o = json ? json_tokener_parse(line) : NULL;
        if (o) check_json(c, o);
        json_object_put(o);
    }
    free(line);
    fclose(f);
    if (json) { /* a whole .json file: its strings too */
        json_object *o = json_object_from_file(path);
        if (o) check_json(c, o);
        json_object_put(o);
    }
    return 0;
}

static void check_random(struct check *c)
{
    static const char *const pieces[] = {" ",
                                         "  ",
                                         "1",
                                         "42",
                                         "a",
                                         "e",
                                         "th",
                                         "_",
                                         "\xc3\xa9",
                                         "\xc3\xb1",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\xff",
                                         "\xc3",
                                         "\x80",
                                         "\t",
                                         "\n",
                                         "de",
                                         "la",
                                         "ß",
                                         "-"};
    unsigned s = 12345;
    char text[300];
    for (int t = 0; t < 20000; t++) {
        size_t n = 0, want = (s = s * 1103515245u + 12345u) >> 16 & 255;
        while (n < want) {
            const char *p = pieces[((s = s * 1103515245u + 12345u) >> 16) % 21];
            size_t k = strlen(p);
            if (n + k > sizeof(text)) break;
            memcpy(text + n, p, k);
            n += k;
        }
        check_text(c, text, n);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lang_check CONF FILE...\n");
        return 2;
    }
    struct check c = {0};
    c.tc = special_textcat_Init(argv[1], FP_DIR);
    if (!c.tc || cs_lang_open(argv[1], FP_DIR, &c.l) != CS_OK) {
        fprintf(stderr, "lang_check: cannot open %s\n", argv[1]);
        return 2;
    }
    textcat_SetProperty(c.tc, TCPROP_MINIMUM_DOCUMENT_SIZE, LANG_MIN_DOC);
    for (int i = 2; i < argc; i++)
        if (check_file(&c, argv[i]) != 0) fprintf(stderr, "lang_check: cannot read %s\n", argv[i]);
    size_t before = c.texts;
    check_random(&c);
    printf("%s: %zu texts (%zu random), %zu decided, %zu differences\n", argv[1], c.texts,
           c.texts - before, c.decided, c.diffs);
    textcat_Done(c.tc);
    cs_lang_close(c.l);
    return c.diffs ? 1 : 0;
}
