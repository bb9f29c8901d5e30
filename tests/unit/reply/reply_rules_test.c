/* The reply rules of issue 14 that need no store: closing messages, regulated advice,
 * the opening's topic (no internal or catch-all label read back to the customer), and
 * no reported action that did not happen. */
#include "../../support/test.h"
#include "cs/advice.h"
#include "cs/arena.h"
#include "cs/closing.h"
#include "cs/draft.h"
#include "cs/retrieval.h"
#include "reply/reply_text.h"

static void test_closing_messages(void)
{
    CHECK(cs_reply_closing("Thank you, that worked perfectly!"));
    CHECK(cs_reply_closing("thanks, bye"));
    CHECK(cs_reply_closing("Great, all sorted now. Cheers!"));
    CHECK(cs_reply_closing("Perfect, that fixed it. Have a nice day"));
    /* Thanks with something still to do is answered normally. */
    CHECK(!cs_reply_closing("Thanks, but it still doesn't work."));
    CHECK(!cs_reply_closing("Thank you. How do I export my data?"));
    CHECK(!cs_reply_closing("Thanks for nothing."));
    CHECK(!cs_reply_closing("Thanks, can you also cancel my order"));
    CHECK(!cs_reply_closing("thank you for the refund, I need another one for the second order"));
    CHECK(!cs_reply_closing("My order arrived broken."));
    CHECK(!cs_reply_closing(""));
    CHECK(!cs_reply_closing(NULL));
}

static void test_advice_detection(void)
{
    CHECK_INT(cs_advice_detect("What stocks should I invest in"), CS_ADVICE_INVESTMENT);
    CHECK_STR(cs_advice_category(cs_advice_detect("What stocks should I invest in")),
              "investment_advice");
    CHECK_INT(cs_advice_detect("Is bitcoin a good investment right now?"), CS_ADVICE_INVESTMENT);
    CHECK_INT(cs_advice_detect("Can I sue my landlord for not returning my deposit?"),
              CS_ADVICE_LEGAL);
    CHECK_INT(cs_advice_detect("Should I get a lawyer about this contract?"), CS_ADVICE_LEGAL);
    CHECK_INT(cs_advice_detect("What dose of ibuprofen can I take with my medication?"),
              CS_ADVICE_MEDICAL);
    /* Ordinary support questions, and cue words in harmless senses. */
    CHECK_INT(cs_advice_detect("Can I get a personal loan with a credit score of 650?"),
              CS_ADVICE_NONE);
    CHECK_INT(cs_advice_detect("I was charged twice for my subscription this month. Please help!"),
              CS_ADVICE_NONE);
    CHECK_INT(cs_advice_detect("Hi, this is Sue, where is my order?"), CS_ADVICE_NONE);
    CHECK_INT(cs_advice_detect("We want to invest more time in learning your app."),
              CS_ADVICE_NONE);
    CHECK_INT(cs_advice_detect(NULL), CS_ADVICE_NONE);
    CHECK_STR(cs_advice_topic("Can I get a personal loan with a credit score of 650?"),
              "loan_inquiry");
    CHECK(cs_advice_topic("Where is my parcel?") == NULL);
}

static struct cs_draft draft_for(struct cs_arena *a, const char *subcategory, double confidence)
{
    struct cs_draft_input in = {
        .ticket_text = "My blender arrived broken.",
        .triage = {"Shipping", subcategory, "neutral", "P3", "Customer Care", 72, confidence},
    };
    struct cs_draft d;
    if (cs_draft_build(a, &in, NULL, &d) != CS_OK) memset(&d, 0, sizeof(d));
    return d;
}

static void test_topic_only_when_sure(void)
{
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    struct cs_draft d = draft_for(a, "Card Delivery", 0.48);
    REQUIRE(d.body != NULL);
    CHECK(strstr(d.body, "card delivery") == NULL);
    CHECK(strncmp(d.body, "Thank you for contacting us.", 28) == 0);
    d = draft_for(a, "Other", 0.9);
    REQUIRE(d.body != NULL);
    CHECK(strstr(d.body, "other issue") == NULL);
    d = draft_for(a, "Damaged Item", 0.9);
    REQUIRE(d.body != NULL);
    CHECK(strstr(d.body, "about your damaged item issue") != NULL);
    /* No article: the draft says what the customer can do, never that it passed
     * anything on. */
    CHECK(!d.kb_answer);
    CHECK(strstr(d.body, "passed") == NULL);
    cs_arena_destroy(a);
}

static void test_expansion(void)
{
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    CHECK_STR(cs_retrieval_expand(a, "My blender arrived Broken"),
              "My blender arrived Broken damaged faulty");
    CHECK_STR(cs_retrieval_expand(a, "Where is my parcel?"), "Where is my parcel?");
    CHECK(cs_retrieval_expand(a, NULL) == NULL);
    cs_arena_destroy(a);
}

/* The fold both rule sets match against: word characters per `keep`, one space between
 * words, padded; a text that does not fit is reported, its head kept. */
static void test_fold(void)
{
    char buf[64];
    unsigned words = 99;
    CHECK(cs_reply_fold("Don't  buy 3 ETFs!!", buf, sizeof(buf), CS_FOLD_APOSTROPHE, &words));
    CHECK_STR(buf, " don't buy etfs ");
    CHECK_INT(words, 3);
    CHECK(cs_reply_fold("Don't buy 3 ETFs", buf, sizeof(buf), CS_FOLD_DIGITS, NULL));
    CHECK_STR(buf, " don t buy 3 etfs ");
    CHECK(!cs_reply_fold("abcdefghij", buf, 8, 0, &words));
    CHECK_STR(buf, " abcde ");
    CHECK_INT(words, 1);
    static const char *const list[] = {" buy ", " sell ", NULL};
    CHECK(cs_reply_has_any(" i want to buy now ", list));
    CHECK(!cs_reply_has_any(" buyer ", list));
}

int main(void)
{
    TEST_RUN(test_fold);
    TEST_RUN(test_closing_messages);
    TEST_RUN(test_advice_detection);
    TEST_RUN(test_topic_only_when_sure);
    TEST_RUN(test_expansion);
    return test_done();
}
