/* Escalation cues and six-level sentiment per message: cs_cues_scan, the lexicon
 * reading alone (cs_sentiment_read with fixed probabilities), and cs_sentiment_analyze
 * (model + reading, which scans the cues too) on a ~500-byte message, with their ratio
 * to a baseline measured in the same run (a lower-casing and word-counting pass over
 * the same text), so figures compare across machines.
 *
 *   cc -O2 -Ishared/include -Ishared/src tests/bench/cues_bench.c build/release/lib/libcs.a \
 *      $(pkg-config --libs json-c libsodium libcurl sqlite3) -lpthread -lm -o /tmp/cues_bench
 *   /tmp/cues_bench [data/models]        (build.sh bench runs it; figures are CPU time)
 */
#include <stdio.h>
#include <string.h>

#include "cs/cues.h"
#include "cs/models.h"
#include "cs/sentiment.h"

static const char TEXT[] =
    "Hello, this is the third time I am writing about order 55-10293. I was told on Monday "
    "that the replacement blender would arrive within two days, and it is now Friday with "
    "nothing. Your chat agent Sue was lovely but could not do anything. I'm honestly fed up "
    "and not impressed at all. If this is not sorted by tomorrow I want to speak to a manager, "
    "and I will leave a review on Trustpilot about how this was handled. I don't want a "
    "voucher, I want the blender or my money back. Thanks, Dana Whitfield, 14 Birch Road.";

static volatile unsigned sink;

static void baseline_pass(void)
{
    char low[sizeof(TEXT)];
    unsigned words = 0;
    for (size_t i = 0; i + 1 < sizeof(TEXT); i++) {
        char c = TEXT[i];
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        words += c == ' ';
    }
    sink += words + (unsigned)low[7];
}

#define ITERS 1000
#define ROUNDS 9

#include "fastest.h"

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/models";
    size_t len = strlen(TEXT);
    double base;
    TIME(base, baseline_pass());
    printf("baseline pass (%zu bytes): %.3f us\n", len, base);

    struct cs_cues c;
    cs_cues_scan(TEXT, len, &c); /* builds the phrase index once */
    double cues;
    TIME(cues, cs_cues_scan(TEXT, len, &c); sink += (unsigned)c.earlier_contacts);
    printf("cs_cues_scan:                         %7.2f us  (x%.0f baseline)\n", cues, cues / base);

    static const float prob[3] = {0.6f, 0.3f, 0.1f};
    struct cs_sentiment s;
    cs_sentiment_read(prob, TEXT, len, &s);
    double read;
    TIME(read, cs_sentiment_read(prob, TEXT, len, &s); sink += (unsigned)s.level);
    printf("cs_sentiment_read (cues + lexicon):   %7.2f us  (x%.0f baseline)\n", read, read / base);

    struct cs_models *ms;
    if (cs_models_open(dir, &ms) != CS_OK) {
        fprintf(stderr, "cues_bench: cannot open %s\n", dir);
        return 1;
    }
    double full;
    TIME(full, if (cs_sentiment_analyze(ms, TEXT, len, &s) == CS_OK) sink += (unsigned)s.level);
    printf("cs_sentiment_analyze (model + read):  %7.2f us  (x%.0f baseline)\n", full, full / base);
    printf("level %s, legal %d social %d request %d contacts %d\n", s.level_name, c.legal, c.social,
           c.human_request, c.earlier_contacts);
    cs_models_close(ms);
    return 0;
}
