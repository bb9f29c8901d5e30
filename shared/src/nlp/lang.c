/* Language detection through libexttextcat (see cs/lang.h). */
#include "cs/lang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <textcat.h>

/* The first sentence: the fingerprint's cost grows with the text (on this machine about
 * 20 us of CPU for 60 bytes, 30 for 100, 40 for 160, 46 for 320) and on the 2,115
 * training tickets 100 bytes decide almost as well as 160 (0.997 against 0.998,
 * data/models/README.md), which keeps triage inside its CPU budget. Cut at a space so
 * no word or UTF-8 sequence is split. */
#define LANG_MAX_BYTES 100u
/* The library's default refuses texts under 25 bytes; tickets as short as "Mi pedido
 * no llegó" still carry their language, and the agreement measure says how sure. */
#define LANG_MIN_DOC 3
#define LANG_FULL_LETTERS 20

struct cs_lang {
    void *tc;
};

/* Every fingerprint the list names must be readable before the library sees it:
 * libexttextcat 3.4.5 leaks its half-built handle when a fingerprint is missing (and
 * prints to stderr), so the error path stays ours. */
static int check_list(const char *conf, const char *prefix)
{
    FILE *f = fopen(conf, "r");
    if (!f) return CS_ERR_IO;
    char line[512], path[4096 + 512];
    int rc = CS_OK, n = 0;
    while (rc == CS_OK && fgets(line, sizeof(line), f)) {
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        if (*s == '#' || *s == '\n' || *s == '\0') continue;
        size_t k = strcspn(s, " \t\r\n");
        snprintf(path, sizeof(path), "%s%.*s", prefix, (int)k, s);
        FILE *fp = fopen(path, "r");
        if (fp) fclose(fp);
        rc = fp ? CS_OK : CS_ERR_IO;
        n++;
    }
    fclose(f);
    return rc == CS_OK && n == 0 ? CS_ERR_IO : rc;
}

int cs_lang_open(const char *conf, const char *fp_dir, struct cs_lang **out)
{
    if (!out) return CS_ERR_INVALID;
    *out = NULL;
    if (!conf || !fp_dir) return CS_ERR_INVALID;
    char prefix[4096];
    size_t n = strlen(fp_dir);
    if (n + 2 > sizeof(prefix)) return CS_ERR_INVALID;
    /* special_textcat_Init prepends the prefix as is */
    snprintf(prefix, sizeof(prefix), "%s%s", fp_dir, n && fp_dir[n - 1] == '/' ? "" : "/");
    int rc = check_list(conf, prefix);
    if (rc != CS_OK) return rc;
    struct cs_lang *l = calloc(1, sizeof(*l));
    if (!l) return CS_ERR_NOMEM;
    l->tc = special_textcat_Init(conf, prefix);
    if (!l->tc) {
        free(l);
        return CS_ERR_IO;
    }
    textcat_SetProperty(l->tc, TCPROP_MINIMUM_DOCUMENT_SIZE, LANG_MIN_DOC);
    *out = l;
    return CS_OK;
}

void cs_lang_close(struct cs_lang *l)
{
    if (!l) return;
    textcat_Done(l->tc);
    free(l);
}

static size_t count_letters(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        /* ASCII letters, and each UTF-8 lead byte of a non-ASCII character */
        n += ((c | 32) >= 'a' && (c | 32) <= 'z') || c >= 0xc0;
    }
    return n;
}

/* Length of the longest prefix of s made of whole UTF-8 sequences. libexttextcat takes a
 * character's length from its lead byte, so a sequence cut by the 100-byte sample (or a
 * stray byte) could send it past the terminated copy it is given below: it only sees
 * whole characters. (The fuzzer's crash itself was the missing NUL; this is defence for
 * the cut, not a reproduced failure.) */
static size_t whole_utf8(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80                 ? 1
                   : c >= 0xc2 && c <= 0xdf ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
        if (n == 0 || i + n > len) break;
        size_t k = 1;
        while (k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80) k++;
        if (k < n) break;
        i += n;
    }
    return i;
}

int cs_lang_detect(const struct cs_lang *l, const char *text, size_t len,
                   struct cs_lang_result *out)
{
    if (!out) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (!l || (!text && len)) return CS_ERR_INVALID;
    if (len > LANG_MAX_BYTES) {
        size_t cut = LANG_MAX_BYTES;
        while (cut > LANG_MAX_BYTES / 2 && text[cut] != ' ') cut--;
        len = text[cut] == ' ' ? cut : LANG_MAX_BYTES;
    }
    len = whole_utf8(text, len);
    if (len == 0) return CS_OK;
    /* libexttextcat's n-gram scan can read on to a NUL past the length it is given
     * (a fuzzed input without one crashed in fp_Create): it gets its own terminated copy
     * of the sample (at most LANG_MAX_BYTES). */
    char sample[LANG_MAX_BYTES + 1];
    memcpy(sample, text, len);
    sample[len] = '\0';
    candidate_t *c = textcat_GetClassifyFullOutput(l->tc);
    if (!c) return CS_ERR_NOMEM;
    int k = textcat_ClassifyFull(l->tc, sample, len, c);
    if (k > 0 && strlen(c[0].name) < sizeof(out->code)) {
        memcpy(out->code, c[0].name, strlen(c[0].name) + 1);
        size_t letters = count_letters(sample, len);
        float scale = letters >= LANG_FULL_LETTERS ? 1.0f : (float)letters / LANG_FULL_LETTERS;
        out->confidence = scale / (float)k;
    }
    textcat_ReleaseClassifyFullOutput(l->tc, c);
    return CS_OK;
}
