#include "cs/cues.h"

#include <stdio.h>
#include <string.h>

#include "../../support/test.h"

/* Expected flags per sentence: L legal, S social, H human request, R2 two or more
 * earlier contacts, R1 one, s safety, x security, o outage, d deadline, t threat. */
struct ex {
    const char *text;
    const char *flags;
};

static void flags_of(const struct cs_cues *c, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s%s%s%s%s%s%s", c->legal ? "L" : "", c->social ? "S" : "",
             c->human_request ? "H" : "",
             c->earlier_contacts >= 2   ? "R2"
             : c->earlier_contacts == 1 ? "R1"
                                        : "",
             c->safety ? "s" : "", c->security ? "x" : "", c->outage ? "o" : "",
             c->deadline ? "d" : "", c->threat ? "t" : "");
}

static void check_all(const struct ex *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct cs_cues c;
        char got[32];
        cs_cues_scan(e[i].text, strlen(e[i].text), &c);
        flags_of(&c, got, sizeof(got));
        if (strcmp(got, e[i].flags) != 0) printf("# \"%s\": got \"%s\"\n", e[i].text, got);
        CHECK_STR(got, e[i].flags);
    }
}

/* The issue's own examples: everyday words never escalate. */
static void test_benign_words(void)
{
    static const struct ex e[] = {
        {"Any news on my order?", ""},
        {"I'd like to review my invoice", ""},
        {"Hi, this is Sue", ""},
        {"Thanks Sue, you were great", ""},
        {"Dear Sue, thanks", ""},
        {"I'd like to talk to sue about my order", ""},
        {"Where can I buy the screw set?", ""},
        {"My lawyer friend says I'm entitled to a refund", ""},
        {"Under the GDPR I request a copy of my data", ""},
        {"I'll dispute the charge with my bank", ""},
        {"I follow you on Instagram, love the brand", ""},
        {"I'll tell everyone how great you are", ""},
        {"Is there a phone number I can call?", ""},
        {"My manager asked me to request an invoice", ""},
        {"Your manager Tom was very helpful", ""},
        {"This is the third time my package is late", ""},
        {"Guten Morgen, ich habe eine Frage", ""},
        {"The food court near your store was closed.", ""},
        {"I saw your ad on social media", ""},
        {"I'm not asking for a manager", ""},
        {"Please expose the settings menu in the app", ""},
        {"Can you send me the papers for the loan?", ""},
        {"Is this a real person? Either way, what time is check-in?", ""},
        {"My son is suing his landlord, do you provide rent letters?", ""},
        {"Mein Bruder ist Anwalt und lässt grüßen, er kauft auch bei Ihnen!", ""},
        {"Do you have the Fast & Furious box set?", ""},
    };
    check_all(e, sizeof(e) / sizeof(e[0]));
}

static void test_real_triggers(void)
{
    static const struct ex e[] = {
        {"I have called four times about this and I want a manager now or I will cancel", "HR2t"},
        {"I'm going to sue you", "L"},
        {"If you don't fix this I'll sue", "L"},
        {"don't make me call my lawyer", "L"},
        {"My lawyer will be in touch", "L"},
        {"I will take you to court", "L"},
        {"Fine, see you in court.", "L"},
        {"I will post this on Twitter and leave a terrible review", "S"},
        {"I want to speak to a human", "H"},
        {"Can I speak to a manager please?", "H"},
        {"Please escalate this", "H"},
        {"This is the third time I'm writing to you", "R2"},
        {"I've emailed you twice already and nobody answers", "R2"},
        {"quiero hablar con un humano", "H"},
        {"ich will einen Vorgesetzten", "H"},
        {"Ich werde Sie verklagen, mein Anwalt ist informiert", "L"},
        {"je vais vous poursuivre en justice, mon avocat est prévenu", "L"},
        {"vou entrar com um processo, meu advogado já sabe", "L"},
        {"Voy a poner una demanda, ya hablé con mi abogado", "L"},
        {"Ich habe schon dreimal angerufen", "R2"},
        {"He llamado tres veces", "R2"},
        {"Give me a human", "H"},
        {"Passez-moi un conseiller", "H"},
        {"Me transfira para um atendente", "H"},
        {"Ich möchte mit jemandem sprechen, der helfen kann", "H"},
        {"I'll expose you on every forum", "S"},
        {"agent", "H"},
        {"operator!!", "H"},
    };
    check_all(e, sizeof(e) / sizeof(e[0]));
}

/* Paraphrases written from LABELLING.md section 3 (not taken from the dev split), and
 * their harmless look-alikes. */
static void test_paraphrases(void)
{
    static const struct ex e[] = {
        {"This is going to the CFPB if it isn't fixed.", "L"},
        {"I'm taking this to the consumer protection agency.", "L"},
        {"Fine, I'll let the courts decide.", "L"},
        {"I have initiated a claim via the European Small Claims Procedure.", "L"},
        {"Does the \"Small Claims\" board game come with all the cards?", ""},
        {"Vou processar a empresa se não resolverem.", "L"},
        {"Não consigo processar o pagamento.", ""},
        {"Mi abogado necesita una copia de la factura.", ""},
        {"BBC Watchdog will love this story.", "S"},
        {"I'll make sure everyone I know hears about this.", "S"},
        {"I'm making a TikTok about how you treat customers.", "S"},
        {"Vou postar isso no Instagram para todo mundo ver.", "S"},
        {"J'ai laissé un avis positif sur Google, merci beaucoup !", ""},
        {"We use your API to post updates to Twitter.", ""},
        {"Can someone from management contact me?", "H"},
        {"Please have a team lead look at my case.", "H"},
        {"I've asked you to cancel my meal plan 3 times.", "R2"},
        {"Today it happened 3 times in one call.", ""},
        {"Consider this formal notice: I will be pursuing this through the courts.", "L"},
        {"We'll be seeking damages for the lost revenue.", "L"},
        {"My lawyer is handling my late father's account, what documents do you need?", ""},
        {"One-star review incoming.", "S"},
        {"I'll be leaving a scathing review on Google.", "S"},
        {"I'm sharing this whole conversation with my followers.", "S"},
        {"I'd like to raise this with a manager.", "H"},
        {"Can I get a call back from a supervisor?", "H"},
        {"I need to update the supervisor on my business account.", ""},
        {"I've been on the phone to you lot four times this week.", "R2"},
        {"I already explained this to two of your agents.", "R2"},
        {"For the third time: my order never arrived.", "R2"},
        {"The boiler has broken down for the fourth time.", ""},
        {"Keep ignoring me and this goes viral.", "S"},
        {"Can this please be escalated? I'm getting nowhere.", "H"},
        {"I have a lawyer on standby.", "L"},
        {"I have literally contacted you every day this week about this.", "R2"},
        {"I've been chasing this refund for weeks, emailed again and again.", "R2"},
        {"This is my second follow-up.", "R2"},
        {"I'm a journalist writing about fintech, who can I talk to?", ""},
        {"Get a human on the line please.", "H"},
        {"My previous two tickets were closed without an answer.", "R2"},
        {"\xc2\xa1Quiero hablar con un supervisor ahora mismo!", "H"},
        {"\xe2\x80\x9cplease escalate this\xe2\x80\x9d", "H"},
    };
    check_all(e, sizeof(e) / sizeof(e[0]));
}

static void test_negation(void)
{
    static const struct ex e[] = {
        {"I am not going to sue, I just want my money back", ""},
        {"I will not sue you", ""},
        {"I won't sue", ""},
        {"I will never sue you", ""},
        {"No need to escalate, it is fixed", ""},
    };
    check_all(e, sizeof(e) / sizeof(e[0]));
}

static void test_priority_signals(void)
{
    static const struct ex e[] = {
        {"I need this by Friday", "d"},
        {"my account was hacked and someone transferred $2,300", "x"},
        {"our whole team can't log in, the site is down", "o"},
        {"the charger caught fire and burned my hand", "s"},
    };
    check_all(e, sizeof(e) / sizeof(e[0]));
}

static void test_waits_and_spans(void)
{
    struct cs_cues c;
    const char *t = "I've been waiting for three weeks";
    cs_cues_scan(t, strlen(t), &c);
    CHECK_NEAR(c.wait_days, 21.0, 1e-4);
    t = "no update since Monday";
    cs_cues_scan(t, strlen(t), &c);
    CHECK_NEAR(c.wait_days, 3.0, 1e-4);
    t = "It will arrive in 3 days";
    cs_cues_scan(t, strlen(t), &c);
    CHECK_NEAR(c.wait_days, 0.0, 1e-6);
    t = "Hello. I will take you to court!";
    cs_cues_scan(t, strlen(t), &c);
    CHECK_INT(c.legal_span.off, 14);
    CHECK_INT(c.legal_span.len, strlen("take you to court"));
    cs_cues_scan(NULL, 0, &c);
    CHECK(!c.legal && c.legal_span.len == 0);
}

static void test_reason(void)
{
    struct cs_cues c;
    const char *t = "I've called three times and I will sue you";
    cs_cues_scan(t, strlen(t), &c);
    CHECK_INT(cs_cues_reason(&c, CS_SENT_IRATE), CS_ESC_LEGAL_MENTION);
    CHECK_STR(cs_esc_reason_name(cs_cues_reason(&c, CS_SENT_IRATE)), "LEGAL_MENTION");
    t = "I have emailed you three times about my refund";
    cs_cues_scan(t, strlen(t), &c);
    CHECK_INT(cs_cues_reason(&c, CS_SENT_FRUSTRATED), CS_ESC_REPEAT_CONTACT);
    CHECK_INT(cs_cues_reason(&c, CS_SENT_NEUTRAL), CS_ESC_NONE); /* a calm follow-up */
    t = "I emailed you yesterday about my refund";
    cs_cues_scan(t, strlen(t), &c);
    CHECK_INT(cs_cues_reason(&c, CS_SENT_ANGRY), CS_ESC_NONE); /* a single earlier contact */
    memset(&c, 0, sizeof(c));
    CHECK_INT(cs_cues_reason(&c, CS_SENT_IRATE), CS_ESC_IRATE_CUSTOMER);
    CHECK_INT(cs_cues_reason(&c, CS_SENT_ANGRY), CS_ESC_NONE);
    CHECK(cs_esc_reason_name(CS_ESC_NONE) == NULL);
    CHECK_STR(cs_esc_reason_name(CS_ESC_REPEAT_CONTACT), "REPEAT_CONTACT");
}

/* Long texts are scanned window by window: a trigger after 2,000 words is found. */
static void test_long_text(void)
{
    static char buf[20000];
    size_t n = 0;
    for (int i = 0; i < 2000 && n + 16 < sizeof(buf); i++) {
        memcpy(buf + n, "word, ", 6);
        n += 6;
    }
    const char *tail = "I will sue you.";
    memcpy(buf + n, tail, strlen(tail));
    n += strlen(tail);
    struct cs_cues c;
    cs_cues_scan(buf, n, &c);
    CHECK(c.legal);
    CHECK_INT(c.legal_span.off, n - strlen(tail) + 2);
}

/* Phrasings written from LABELLING.md section 3 (not taken from the corpus). */
static void test_rule_phrasings(void)
{
    static const struct ex e[] = {
        {"I want this raised with management.", "H"},
        {"Stop with the canned answers and connect me to staff.", "H"},
        {"Expect to hear from my legal representative.", "L"},
        {"Next step is a formal complaint to the regulator.", "L"},
        {"Maybe a viral TikTok will get your attention.", "S"},
        {"Both of my previous tickets were closed without a fix.", "R2"},
        {"I've been in touch four times now and you still haven't sorted it.", "R2"},
        {"I chased this on Monday and again on Wednesday, nothing.", "R2"},
        {"Posted a nice review on Google for you guys!", ""},
        {"Is there a formal complaint procedure?", ""},
        {"My legal team asked for a copy of the DPA.", ""},
        {"Please post the replacement to my work address.", ""},
    };
    check_all(e, sizeof(e) / sizeof(e[0]));
}

/* Two or more earlier contacts that led nowhere are a resigned complaint (FRUSTRATED),
 * so they escalate as REPEAT_CONTACT even where no emotion word is said; a calm
 * follow-up does not. Read with neutral model probabilities. */
static void test_repeat_unresolved(void)
{
    static const float neutral[3] = {0.1f, 0.8f, 0.1f};
    static const struct {
        const char *text;
        enum cs_esc_reason want;
    } e[] = {
        {"Já liguei três vezes e nada.", CS_ESC_REPEAT_CONTACT},
        {"Multiple calls, zero progress.", CS_ESC_REPEAT_CONTACT},
        {"This is the 3rd email I've sent, no response.", CS_ESC_REPEAT_CONTACT},
        {"Following up on my two earlier emails, could you confirm the delivery date?",
         CS_ESC_NONE},
        {"I emailed once before; just checking whether you received it.", CS_ESC_NONE},
    };
    for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
        struct cs_sentiment s;
        struct cs_cues c;
        size_t n = strlen(e[i].text);
        cs_sentiment_read(neutral, e[i].text, n, &s);
        cs_cues_scan(e[i].text, n, &c);
        if (cs_cues_reason(&c, s.level) != e[i].want) printf("# \"%s\"\n", e[i].text);
        CHECK_INT(cs_cues_reason(&c, s.level), e[i].want);
    }
}

/* Constructions generalised this round (#14), each beside the harmless sense that must
 * stay quiet: the customer's own lawyer set on the company vs a lawyer in a role; every
 * regulator in every "complain to / take it to" phrasing; callbacks and escalation
 * upward asked for vs a question about contact; "all over" a platform as a threat vs
 * as news. */
static void test_generalised_constructions(void)
{
    static const struct ex e[] = {
        {"I'll have my lawyer contact you", "L"},
        {"cc'ing my solicitor on this", "L"},
        {"lawyers will be involved", "L"},
        {"I'm taking this further legally.", "L"},
        {"Complaint submitted to the CMA.", "L"},
        {"I'm taking it to the consumer watchdog", "L"},
        {"Can my lawyer have read-only access to my account?", ""},
        {"My lawyer needs a copy of my statements for the divorce.", ""},
        {"Mon avocat a besoin d'un relevé pour la succession.", ""},
        {"The solicitor will contact you about the account after my father's death", ""},
        {"I need someone to call me back today", "H"},
        {"kick this upstairs please", "H"},
        {"not a bot please", "H"},
        {"I'm not a robot but the captcha keeps failing", ""},
        {"Can someone call me about the upgrade options?", ""},
        {"Higher up on the page there's a broken link", ""},
        {"it'll be all over the internet by tonight", "Sd"},
        {"it's all over the news sites that you are down", "o"},
        {"J'ai déjà écrit plusieurs fois, sans aucune réponse.", "R2"},
        {"If the money isn't back by Friday I'm going legal.", "L"},
        {"Your T&Cs won't hold up in front of a judge.", "L"},
        {"Is it legal to go abroad with the rental car?", ""},
        {"Imagine how this looks when I post the screenshots.", "S"},
        {"Should I post the screenshots here?", ""},
        {"This needs to go to a manager.", "H"},
        {"I was going to ask for a manager earlier but Priya sorted everything.", "R1"},
        {"Round three of chasing you for this refund, still nothing.", "R2"},
    };
    check_all(e, sizeof(e) / sizeof(e[0]));
}

/* Issue #14's second pass: requests for a person, public threats and regulators in
 * constructions the first lexicon lacked, in every language, next to the everyday
 * sentences that share their words. */
static void test_more_constructions(void)
{
    static const struct ex e[] = {
        {"Is there anyone else I can talk to?", "H"},
        {"Can anyone else on my account talk to you about billing?", ""},
        {"I'd rather deal with a person.", "H"},
        {"I'd rather deal with this by email than phone, is that ok?", ""},
        {"Who is your manager? I want to speak to them.", "H"},
        {"Who is the manager of the Leeds branch? I want to send a thank-you card.", ""},
        {"I'm asking for this to be escalated.", "H"},
        {"can someone from your team call me", "H"},
        {"Can someone from your team call me to arrange the installation date?", ""},
        {"Bitte leiten Sie das an Ihren Vorgesetzten weiter.", "H"},
        {"Merci de transmettre mon dossier à un responsable.", "H"},
        {"Je voudrais transmettre mes coordonnées bancaires.", ""},
        {"Por favor, encaminhe para um supervisor.", "H"},
        {"Quero transferir o saldo para outra conta.", ""},
        {"¿Hay alguien con quien pueda hablar?", "H"},
        {"Quiero que me pasen con un responsable.", "H"},
        {"I'm done, the regulator can deal with you.", "L"},
        {"Let's see how your customers feel when I share this story online.", "S"},
        {"The story on your website about the founders is lovely.", ""},
        {"Hope you enjoy the one-star reviews.", "S"},
        {"Hope you enjoy the holidays, thanks for the help!", ""},
        {"my followers are going to love this story", "S"},
        {"Ich schreibe eine Ein-Stern-Bewertung.", "S"},
        {"Voy a dejar una reseña terrible en Google.", "S"},
        {"Dejar el paquete en la puerta, por favor.", ""},
        {"Das landet heute noch auf Twitter.", "S"},
        {"Ça va finir sur les réseaux.", "S"},
        {"Isso vai parar nas redes.", "S"},
        {"Every single agent tells me something different, I've spoken to four of you.", "R2"},
        {"Every single item arrived perfectly, thank you.", ""},
        {"Twice I was promised a callback, twice nobody called.", "R2"},
        {"Twice the delivery came early, great service!", ""},
        {"Who's your manager of the year? Sarah deserves it.", ""},
        {"Get me someone who knows what they're doing.", "H"},
        {"Get me the invoice please.", ""},
        {"Quiero hablar con alguien de verdad.", "H"},
        {"Alguien de verdad amable me atendió ayer, gracias.", ""},
        {"Tem alguém aí que possa me atender de verdade?", "H"},
        {"¿Me pueden comunicar con un supervisor?", "H"},
        {"¿Puedo comunicarme con ustedes por WhatsApp?", ""},
        {"Pouvez-vous me passer un conseiller ?", "H"},
        {"Pouvez-vous passer ma commande en express ?", ""},
        {"Vou reclamar na Anatel.", "L"},
        {"Vou reclamar a garantia, como faço?", ""},
        {"I'm reporting this to the Information Commissioner.", "L"},
        {"I'm going to tweet about this.", "S"},
        {"I'm going to blog about my new sofa, can I use your photos?", ""},
        {"I'm writing to the Guardian's consumer column.", "S"},
        {"The consumer champion award you won is well deserved!", ""},
        {"Voy a escribir una reseña en Trustpilot contando todo.", "S"},
        {"Ich schreibe eine Bewertung, sobald das Paket da ist.", ""},
        {"Das Paket landet immer beim Nachbarn, kann man das ändern?", ""},
        /* "e-mail" is one word: the hyphen no longer hides the count from the phrases */
        {"Es ist meine dritte E-Mail und immer noch keine Antwort.", "R2"},
        {"Já mandei três e-mails e nada.", "R2"},
        {"I sent three e-mails already", "R2"},
        {"Can I change my e-mail address?", ""},
        {"e-", ""},
    };
    check_all(e, sizeof(e) / sizeof(e[0]));
}

int main(void)
{
    TEST_RUN(test_more_constructions);
    TEST_RUN(test_generalised_constructions);
    TEST_RUN(test_rule_phrasings);
    TEST_RUN(test_repeat_unresolved);
    TEST_RUN(test_benign_words);
    TEST_RUN(test_real_triggers);
    TEST_RUN(test_paraphrases);
    TEST_RUN(test_negation);
    TEST_RUN(test_priority_signals);
    TEST_RUN(test_waits_and_spans);
    TEST_RUN(test_reason);
    TEST_RUN(test_long_text);
    return test_done();
}
