/* Regulated advice in a customer's question: investment, legal or medical advice is
 * never answered by the AI alone; the reply always goes to human review. Also the
 * topics the built-in intent models have no class for (loans), so the category a
 * reply reports is not a wrong guess from a neighbouring class. */
#ifndef CS_ADVICE_H
#define CS_ADVICE_H

enum cs_advice {
    CS_ADVICE_NONE = 0,
    CS_ADVICE_INVESTMENT,
    CS_ADVICE_LEGAL,
    CS_ADVICE_MEDICAL,
};

/* The kind of advice `text` asks for: a topic word of the kind ("stocks", "lawyer",
 * "dosage") together with a request for a recommendation or judgement (a question,
 * "should I", "recommend", "advice", "is it safe/legal"). NULL is CS_ADVICE_NONE. */
enum cs_advice cs_advice_detect(const char *text);
/* "investment_advice", "legal_advice", "medical_advice"; NULL for CS_ADVICE_NONE. */
const char *cs_advice_category(enum cs_advice kind);
/* A category for questions outside the intent models' classes ("loan_inquiry" for
 * loans, mortgages and credit scores), NULL when none applies. */
const char *cs_advice_topic(const char *text);

#endif
