/* The emotion lexicon (en/es/de/fr/pt) and its reading: longest phrase wins, a negator
 * flips a polar word ("not bad at all" is praise, "not happy" a complaint), an
 * intensifier strengthens the next emotion word, and the clause after the last "but"
 * weighs more than the rest ("mixed messages take the level of the dominant emotion at
 * the end", LABELLING.md section 4). Politeness formulas carry no emotion. */
#include "nlp/sentiment_lex.h"

#include <pthread.h>
#include <string.h>

#include "nlp/cues_int.h"

enum {
    SL_POS = 1, /* value: strength x10 */
    SL_NEG,
    SL_ANGER,    /* unacceptable, ridiculous, fed up, harsh accusations */
    SL_MILDPROF, /* damn, crap, bloody: ANGRY at most */
    SL_PROF,     /* profanity: IRATE */
    SL_INSULT,   /* idiots, morons, screw you: IRATE */
    SL_RAGE,     /* furious, livid, fuming: IRATE */
    SL_MENACE,   /* you'll regret this: IRATE */
    SL_SARCASM,  /* thanks for nothing, just great: FRUSTRATED, cancels praise */
    SL_INTENS,
    SL_DOWN,
    SL_POLITE,  /* claims "best regards", "no problem" so their words carry nothing */
    SL_LITOTES, /* a complaint denied ("no complaints", "not bad at all"): mild praise */
};

static const struct cs_phrase LEX[] = {
    /* politeness: no emotion */
    {"best|kind|warm|warmest|many regards|wishes", SL_POLITE, 0},
    {"no problem|problems|worries|rush|hurry|bother", SL_POLITE, 0},
    {"thanks|thank|thx|ty|cheers|please|pls|regards|gracias|danke|merci|obrigado|obrigada|bitte|"
     "svp|saludos|cordialement|atenciosamente|grusse|gruss",
     SL_POLITE, 0},
    {"thank you|u", SL_POLITE, 0},
    {"thanks|thank ... in advance", SL_POLITE, 0},
    {"have a good|nice|great day|weekend|one", SL_POLITE, 0},
    {"good morning|afternoon|evening|day", SL_POLITE, 0},
    {"hope you're|you|this ... well|good", SL_POLITE, 0},
    {"looking forward", SL_POLITE, 0},
    {"would|i'd be grateful|great", SL_POLITE, 0},
    {"great|good question", SL_POLITE, 0},
    {"i'd|would|we'd|i|we like|love|prefer", SL_POLITE, 0},
    {"quick question|query|one", SL_POLITE, 0},
    {"bom|boa dia|tarde|noite", SL_POLITE, 0},
    {"buenos|buenas dias|tardes|noches", SL_POLITE, 0},
    {"guten tag|morgen|abend", SL_POLITE, 0},
    {"bonjour|bonsoir|hallo|hola|ola|hello|hi|hey|dear|liebe|lieber|estimado|estimada|prezado|"
     "prezada",
     SL_POLITE, 0},
    {"bonne journee|soiree", SL_POLITE, 0},
    {"freue|freuen mich|uns auf", SL_POLITE, 0},
    {"looks|seems|sounds like", SL_POLITE, 0},
    /* positive */
    {"thank you|thanks so|very much|a lot|a million|heaps|loads", SL_POS, 20},
    {"thank you|thanks so much", SL_POS, 25},
    {"many|huge|big|massive|special thanks", SL_POS, 20},
    {"really|truly|much|greatly|genuinely appreciate|appreciated", SL_POS, 20},
    {"can't|cannot thank ... enough", SL_POS, 30},
    {"appreciate|appreciated|grateful|thankful", SL_POS, 15},
    /* a complaint denied is praise; the negator is the phrase's own first word */
    {"not bad at all", SL_LITOTES, 15},
    {"no|zero complaints|complaint", SL_LITOTES, 12},
    {"can't|cannot|couldn't complain", SL_LITOTES, 12},
    {"nothing to complain about", SL_LITOTES, 12},
    {"pas mal du tout", SL_LITOTES, 15},
    {"nada mal", SL_LITOTES, 15},
    {"gar nicht|nicht so schlecht", SL_LITOTES, 12},
    {"suis|sommes|tres|vraiment|bien|super content|contents", SL_POS, 15},
    {"well done|spot on", SL_POS, 20},
    {"works|worked|working perfectly|great|fine|now|again|brilliantly", SL_POS, 15},
    {"good|great|excellent|superb|fantastic|amazing|awesome|brilliant|perfect|lovely|wonderful|"
     "outstanding|incredible|fabulous|terrific|stellar|exceptional|love|loved|loving|adore|"
     "delighted|thrilled|ecstatic|overjoyed|wow|superb|kudos|legend|legends|lifesaver|bravo",
     SL_POS, 0},
    {"happy|pleased|glad|satisfied|impressed|helpful|quick|fast|easy|nice|smooth|friendly|polite|"
     "efficient|sorted|resolved|fixed|recommend|recommended|reliable|enjoy|enjoyed|enjoying|best|"
     "pleasure|seamless|painless|beautiful|gorgeous",
     SL_POS, 0},
    {"genial|excelente|perfecto|perfecta|encantado|encantada|encanta|contento|contenta|feliz|"
     "satisfecho|satisfecha|rapido|rapida|estupendo|maravilloso|fantastico|buenisimo|agradecido|"
     "agradecida",
     SL_POS, 0},
    {"super|toll|prima|perfekt|zufrieden|begeistert|klasse|hervorragend|wunderbar|freue|freut|"
     "schnell|spitze|grossartig|dankbar|gut",
     SL_POS, 0},
    {"genial|parfait|parfaite|ravi|ravie|contente|satisfait|satisfaite|rapide|formidable|excellent|"
     "merveilleux|reconnaissant|bien|formidables|geniaux|parfaits|ravis|satisfaits",
     SL_POS, 0},
    {"otimo|otima|perfeito|perfeita|adorei|adoro|feliz|satisfeito|satisfeita|contente|rapido|"
     "maravilhoso|incrivel|excelente|agradecido|bom|boa",
     SL_POS, 0},
    {"muchas|mil gracias", SL_POS, 15},
    {"vielen|herzlichen|tausend dank", SL_POS, 15},
    {"merci beaucoup|mille|infiniment", SL_POS, 15},
    {"muito obrigado|obrigada", SL_POS, 15},
    {"muy bien|tres bien|sehr gut|muito bom|muito bem", SL_POS, 20},
    /* negative emotion (FRUSTRATED) */
    {"disappointed|disappointing|disappointment|frustrated|frustrating|frustration|annoyed|"
     "annoying|annoyance|irritated|irritating|unhappy|upset|worried|worrying|concerned|anxious|"
     "stressed|stressful|distressing|distressed|confused|confusing|exhausting|exhausted|sadly|"
     "shame|pity|hassle|nightmare|hate|hated|hopeless|ignored|ghosted|unreliable|inconvenient|"
     "inconvenience|mess|messed|poor|bad|terrible|awful|horrible|dreadful|sucks|sucked|rubbish|"
     "wrong|tired|sad|scared|frightened|alarmed|alarming|panicking|panic|desperate|struggling|"
     "mistake|slow|difficult|impossible|unclear|fault|problem|problems|issue|broken|fail|failed|"
     "failing|fails|cancelled|useless|waste|wasted|lost|missing|rude|dismissive|unprofessional|"
     "unhelpful|careless|sloppy|late|delayed|again|keeps|still|worse|worst|whatever|sigh|ugh|"
     "seriously|inutil|inutiles",
     SL_NEG, 0},
    {"let down|letdown", SL_NEG, 20},
    {"not good enough", SL_NEG, 20},
    {"still waiting|not|no|nothing|haven't|hasn't|can't|cannot|unable", SL_NEG, 15},
    {"yet|once again", SL_NEG, 15},
    {"how many times|more", SL_NEG, 15},
    {"nobody|no one|noone ... "
     "replied|responded|answered|answers|replies|responds|called|calls|helps|helped|gets|got|cares|"
     "bothered|reads|listens|knows",
     SL_NEG, 15},
    {"why ... still|again|so|always|never|can't|won't|isn't|doesn't|didn't", SL_NEG, 10},
    {"decepcionado|decepcionada|decepcion|molesto|molesta|frustrado|frustrada|frustrante|"
     "preocupado|preocupada|malo|mala|pesimo|pesima|horrible|terrible|fatal|desastre|mal|triste|"
     "cansado|cansada|lento|perdido|roto|rota|problema|error|todavia|sigo|aun",
     SL_NEG, 0},
    {"enttauscht|enttauschend|argerlich|verargert|frustriert|frustrierend|genervt|nervig|nervt|"
     "besorgt|schlecht|schrecklich|furchtbar|katastrophal|leider|argere|traurig|mangelhaft|problem|"
     "fehler|kaputt|immer|wieder|endlich|trotzdem",
     SL_NEG, 0},
    {"decu|decue|decevant|decevante|deception|frustre|frustree|frustrant|agace|agacee|enerve|"
     "enervee|inquiet|inquiete|nul|nulle|horrible|terrible|catastrophique|malheureusement|penible|"
     "triste|probleme|erreur|toujours|encore|enfin",
     SL_NEG, 0},
    {"decepcionado|decepcionada|decepcao|chateado|chateada|frustrado|frustrada|frustrante|"
     "preocupado|preocupada|pessimo|pessima|horrivel|ruim|terrivel|lamentavel|infelizmente|"
     "irritado|irritada|cansado|cansada|problema|erro|ainda|lastimavel|triste",
     SL_NEG, 0},
    /* anger (ANGRY) */
    {"unacceptable|ridiculous|disgraceful|disgrace|absurd|outrageous|outraged|appalling|appalled|"
     "appallingly|disgusting|disgusted|shameful|shocking|infuriating|infuriated|angry|anger|"
     "inexcusable|intolerable|insulting|deplorable|horrendous|atrocious|diabolical|shambles|"
     "incompetent|incompetence|pathetic|laughable|unbelievable|unreal|scandalous|despicable|"
     "contempt|mad|pissed|lying|lied|liars|liar|scamming|scammers|thieves|robbery|ripoff|crooks|"
     "cowboys|criminals|illegal|unlawful|extortion|conned|joke|clowns|amateurs|amateurish|bs",
     SL_ANGER, 0},
    {"is|are|total|absolute|complete|utter|such|what|this|a ... "
     "scam|scams|fraud|farce|racket|robbery",
     SL_ANGER, 0},
    {"stupid|dumb app|system|website|site|service|policy|policies|rule|rules|process", SL_ANGER, 0},
    /* the company or its people called stupid is an insult aimed at them (IRATE) */
    {"stupid|dumb company|people|staff|bank|firm|employees|agents|idiots", SL_INSULT, 0},
    {"fed up", SL_ANGER, 0},
    {"sick|tired of", SL_ANGER, 0},
    {"sick and tired", SL_ANGER, 0},
    {"had enough", SL_ANGER, 0},
    {"enough is enough", SL_ANGER, 0},
    {"how dare", SL_ANGER, 0},
    {"rip off", SL_ANGER, 0},
    {"never again", SL_ANGER, 0},
    {"no excuse|excuses", SL_ANGER, 0},
    {"beyond a joke", SL_ANGER, 0},
    {"treat|treated|treating ... like", SL_ANGER, 0},
    {"inaceptable|inadmisible|ridiculo|ridicula|vergonzoso|vergonzosa|verguenza|indignante|"
     "indignado|indignada|harto|harta|enfadado|enfadada|enojado|enojada|absurdo|estafa|estafadores|"
     "ladrones|intolerable|lamentable|incompetentes|timo|cabreado|cabreada",
     SL_ANGER, 0},
    {"inakzeptabel|unverschamt|unverschamtheit|frechheit|lacherlich|skandal|skandalos|wutend|sauer|"
     "zumutung|abzocke|betruger|unfassbar|unglaublich|sauerei|schweinerei|unfahig|inkompetent|"
     "dreist|emport|verbrecher",
     SL_ANGER, 0},
    {"nase|schnauze voll", SL_ANGER, 0},
    {"es reicht", SL_ANGER, 0},
    {"nicht zu fassen", SL_ANGER, 0},
    {"inacceptable|inadmissible|scandaleux|scandaleuse|honteux|honteuse|honte|ridicule|arnaque|"
     "arnaqueurs|voleurs|escroquerie|escrocs|lamentable|intolerable|incompetents|incompetent|inoui|"
     "inouie|revoltant|revoltee|revolte",
     SL_ANGER, 0},
    {"en colere", SL_ANGER, 0},
    {"ras le bol", SL_ANGER, 0},
    {"j'en ai|en marre", SL_ANGER, 0},
    /* the tokenizer splits the elision: "j'en ai marre" is j' + en + ai + marre */
    {"ai|avons|a ... marre", SL_ANGER, 0},
    {"n' importe quoi", SL_ANGER, 0},
    {"une|quelle blague", SL_ANGER, 0},
    {"se fiche|fichent|fichez de", SL_ANGER, 0},
    {"se moque|moquez|foutez|fout de", SL_ANGER, 0},
    {"had it with", SL_ANGER, 0},
    {"garbage|trash|junk|con", SL_ANGER, 0},
    {"inaceitavel|absurdo|ridiculo|vergonha|vergonhoso|vergonhosa|palhacada|revoltado|revoltada|"
     "roubo|ladroes|desrespeito|incompetentes|inadmissivel|malcriado|malcriada|farto|farta|"
     "indignado|indignada",
     SL_ANGER, 0},
    {"saco cheio", SL_ANGER, 0},
    {"uma piada", SL_ANGER, 0},
    {"una broma|tomadura", SL_ANGER, 0},
    {"falta de respeito", SL_ANGER, 0},
    /* mild profanity: ANGRY at most */
    {"damn|damned|dammit|bloody|hell|freaking|frigging|effing|shite|bollocks|verdammt|mist|joder|"
     "hostia|mince|zut|droga|porcaria",
     SL_MILDPROF, 0},
    /* profanity, insults, rage, menace: IRATE */
    {"crap|crappy|fuck*|fck*|shit|shitty|shits|shitshow|shitstorm|bullshit|bullcrap|asshole*|"
     "arsehole*|bastard*|wtf|motherfucker*|dickhead*|piss|scheisse|scheiss|arschloch|arschlocher|"
     "mierda|cabron|cabrones|gilipollas|merde|putain|connard*|connasse|bordel|encule*|merda|porra|"
     "caralho|cuzao|puta|puto",
     SL_PROF, 0},
    {"~idiot|wankers|wanker|tossers|twats|pricks|bellends|numpties|muppets|saftladen|safados|"
     "vagabundos|canalhas|idiots|idiotic|moron|morons|moronic|imbecile|imbeciles|scum|scumbag*|"
     "cretins|clown|losers|idioten|vollidioten|idiotas|abrutis|otarios|babacas",
     SL_INSULT, 0},
    {"you|you're|your|are|so ... stupid|dumb", SL_INSULT, 0},
    {"you|you're|youre|ya|u|sois|seid|ihr|vous|voces|lot|bunch|pack|load|shower|band|bande|panda|"
     "all|son|sont|sao|sind|etes ... "
     "clowns|clown|thieves|thieving|crooks|cowboys|muppets|leeches|scammers|scammy|liars|"
     "incompetents|idiots|morons|useless|ladrones|sinverguenzas|inutiles|mentirosos|incapables|"
     "voleurs|escrocs|idioten|betruger|ladroes|incompetent|jokers|amateurs|parasites|vultures|"
     "sharks|thick|dense|clueless|braindead|shambles|joke|pathetic|trash|garbage",
     SL_INSULT, 0},
    {"con artist|artists", SL_INSULT, 0},
    {"you|you're|youre|are|ya ... brain dead", SL_INSULT, 0},
    {"run|operated|staffed|managed by ... "
     "crooks|thieves|idiots|clowns|cowboys|criminals|scammers|morons|amateurs|monkeys",
     SL_INSULT, 0},
    {"hate you|u|ya|y'all|yall|your", SL_INSULT, 0},
    {"absolute|utter|total|complete|piece|load|pile ... garbage|trash|junk|crap|shite|rubbish",
     SL_INSULT, 0},
    {"i'll|ill|gonna|going|will|about ... lose it|my", SL_RAGE, 0},
    {"angry|mad|furious ... shaking|trembling", SL_RAGE, 0},
    {"driving me insane|crazy|nuts|mad", SL_RAGE, 0},
    {"could|want|wanna|going|about ... scream|explode|punch|strangle", SL_RAGE, 0},
    {"hasta las narices|mono|gorro", SL_RAGE, 0},
    {"furious|angry|livid|annoyed|frustrated|upset ... with|at my|the|our "
     "old|previous|former|last|other|ex",
     SL_POLITE, 0},
    {"screw|sod you|u|this|off|them|your|yourselves", SL_INSULT, 0},
    {"go to hell", SL_INSULT, 0},
    /* mild profanity aimed at the company's people is abuse: "damn you all" */
    {"damn|curse you|u|ya|y'all|yall|your", SL_INSULT, 0},
    /* a rage word in a harmless sense: "the furious pace of updates" */
    {"furious pace|speed|rate|rhythm|tempo", SL_POLITE, 0},
    {"shove|stick it|your", SL_INSULT, 0},
    {"shut up", SL_INSULT, 0},
    {"me cago en", SL_PROF, 0},
    {"foutage de gueule", SL_PROF, 0},
    {"verarschen|verarscht|verarsche", SL_INSULT, 0},
    {"piss off", SL_INSULT, 0},
    {"bunch|pack|load|band|bande|panda|bando|haufen of|de|von|di ... "
     "idiots|clowns|morons|thieves|crooks|liars|incompetents|amateurs|cowboys|idiotas|ladrones|"
     "incompetentes|voleurs|escrocs|idioten|betrugern|ladroes|incompetents",
     SL_INSULT, 0},
    {"~furious|livid|fuming|seething|enraged|incandescent|raging|rage|irate|furiosa|furioso|"
     "stinksauer|rasend|wutentbrannt|furieux|furieuse|enrage|enragee|possesso|possessa",
     SL_RAGE, 0},
    {"beyond|absolutely|fucking angry|mad|pissed", SL_RAGE, 0},
    {"hecho|hecha una furia", SL_RAGE, 0},
    {"ausser|auser mir", SL_RAGE, 0},
    {"hors de moi", SL_RAGE, 0},
    {"puto|puta da vida", SL_RAGE, 0},
    {"you'll|you|will|you're|gonna|going ... regret", SL_MENACE, 0},
    {"watch your back", SL_MENACE, 0},
    {"i know where ... you|your", SL_MENACE, 0},
    {"burn ... down", SL_MENACE, 0},
    {"i'll|will|gonna|going ... kill|smash|hurt|destroy|hunt ... you|your|someone|somebody|him|her",
     SL_MENACE, 0},
    {"make you pay", SL_MENACE, 0},
    {"you'll|you be sorry", SL_MENACE, 0},
    /* sarcasm */
    {"thanks|thank you|u|_ for nothing", SL_SARCASM, 0},
    {"just|oh|yeah "
     "great|brilliant|wonderful|fantastic|lovely|marvellous|marvelous|fab|fabulous|terrific",
     SL_SARCASM, 0},
    {"yeah right", SL_SARCASM, 0},
    {"so much for", SL_SARCASM, 0},
    {"love|loving how|that ... have|wait|waiting|still|keep|keeps|again|never", SL_SARCASM, 0},
    /* strength modifiers */
    {"very|so|really|extremely|absolutely|totally|completely|utterly|incredibly|super|truly|"
     "seriously|highly|deeply|terribly|awfully|beyond|most|immensely|hugely|incredibly|thoroughly|"
     "massively|muy|tan|realmente|totalmente|sehr|echt|total|wirklich|absolut|extrem|vollig|tres|"
     "vraiment|tellement|completement|totalement|absolument|muito|tao|extremamente",
     SL_INTENS, 0},
    {"a bit|little|tad", SL_DOWN, 0},
    {"slightly|somewhat|mildly|bit|kinda|fairly|quite|un|poco|etwas|ein|peu|pouco|meio", SL_DOWN,
     0},
    {"kind|sort of", SL_DOWN, 0},
};
static const size_t LEX_N = sizeof(LEX) / sizeof(LEX[0]);

/* default strengths (x10) of single polar words: the strongest listed first */
static const struct {
    const char *w;
    int v;
} STRENGTH[] = {{"amazing", 30},
                {"awesome", 30},
                {"fantastic", 30},
                {"wonderful", 30},
                {"outstanding", 30},
                {"incredible", 30},
                {"fabulous", 30},
                {"superb", 30},
                {"exceptional", 30},
                {"delighted", 30},
                {"thrilled", 30},
                {"ecstatic", 30},
                {"overjoyed", 30},
                {"love", 25},
                {"loved", 25},
                {"adore", 30},
                {"lifesaver", 30},
                {"legend", 30},
                {"legends", 30},
                {"stellar", 30},
                {"terrific", 30},
                {"excellent", 25},
                {"brilliant", 25},
                {"perfect", 25},
                {"kudos", 25},
                {"great", 20},
                {"lovely", 20},
                {"happy", 15},
                {"pleased", 15},
                {"impressed", 20},
                {"wow", 20},
                {"bravo", 25},
                {"beautiful", 20},
                {"gorgeous", 25},
                {"best", 12},
                {"recommend", 20},
                {"recommended", 20},
                {"enjoy", 15},
                {"enjoyed", 15},
                {"genial", 25},
                {"excelente", 25},
                {"perfecto", 25},
                {"perfecta", 25},
                {"encantado", 30},
                {"encantada", 30},
                {"encanta", 25},
                {"estupendo", 25},
                {"maravilloso", 30},
                {"fantastico", 30},
                {"buenisimo", 25},
                {"toll", 20},
                {"perfekt", 25},
                {"begeistert", 30},
                {"hervorragend", 30},
                {"wunderbar", 30},
                {"grossartig", 30},
                {"spitze", 25},
                {"parfait", 25},
                {"parfaite", 25},
                {"ravi", 30},
                {"ravie", 30},
                {"formidable", 30},
                {"formidables", 30},
                {"merveilleux", 30},
                {"otimo", 25},
                {"otima", 25},
                {"perfeito", 25},
                {"perfeita", 25},
                {"adorei", 30},
                {"adoro", 30},
                {"maravilhoso", 30},
                {"incrivel", 30},
                {"terrible", 25},
                {"awful", 25},
                {"horrible", 25},
                {"dreadful", 25},
                {"nightmare", 20},
                {"hate", 20},
                {"hated", 20},
                {"hopeless", 20},
                {"disappointed", 15},
                {"disappointing", 15},
                {"frustrated", 15},
                {"frustrating", 15},
                {"annoyed", 15},
                {"upset", 15},
                {"unhappy", 15},
                {"useless", 20},
                {"sucks", 20},
                {"rubbish", 20},
                {"pesimo", 25},
                {"pesima", 25},
                {"desastre", 25},
                {"schrecklich", 25},
                {"furchtbar", 25},
                {"katastrophal", 25},
                {"catastrophique", 25},
                {"pessimo", 25},
                {"pessima", 25},
                {"horrivel", 25},
                {"terrivel", 25},
                {"rude", 15},
                {"unprofessional", 15},
                {"dismissive", 15},
                /* situation words: a hint of negativity, not an emotion on their own */
                {"problem", 3},
                {"problems", 3},
                {"issue", 3},
                {"broken", 3},
                {"fail", 3},
                {"failed", 3},
                {"failing", 3},
                {"fails", 3},
                {"cancelled", 2},
                {"lost", 3},
                {"missing", 3},
                {"late", 3},
                {"delayed", 3},
                {"again", 4},
                {"keeps", 4},
                {"still", 4},
                {"wrong", 4},
                {"slow", 4},
                {"mistake", 3},
                {"fault", 3},
                {"difficult", 4},
                {"impossible", 6},
                {"unclear", 4},
                {"seriously", 6},
                {"really", 0},
                {"whatever", 6},
                {"sigh", 8},
                {"ugh", 10},
                {"problema", 3},
                {"error", 3},
                {"roto", 3},
                {"rota", 3},
                {"perdido", 3},
                {"todavia", 4},
                {"sigo", 4},
                {"aun", 3},
                {"lento", 4},
                {"mal", 8},
                {"problem", 3},
                {"fehler", 3},
                {"kaputt", 3},
                {"immer", 2},
                {"wieder", 4},
                {"endlich", 8},
                {"trotzdem", 6},
                {"probleme", 3},
                {"erreur", 3},
                {"toujours", 3},
                {"encore", 4},
                {"enfin", 6},
                {"erro", 3},
                {"ainda", 4},
                {"leider", 6},
                {"malheureusement", 6},
                {"infelizmente", 6},
                {"sadly", 6},
                {"good", 10},
                {"gut", 10},
                {"bien", 10},
                {"bom", 10},
                {"boa", 10},
                {"fixed", 8},
                {"sorted", 10},
                {"resolved", 8},
                {"quick", 10},
                {"fast", 10},
                {"easy", 6},
                {"nice", 12},
                {"fine", 8},
                {"super", 20},
                {"bad", 15},
                {"poor", 15},
                {"mess", 12},
                {"waste", 15},
                {"wasted", 15},
                {"tired", 10},
                {"worse", 15},
                {NULL, 0}};

static int strength_of(const char *w)
{
    for (size_t i = 0; STRENGTH[i].w; i++)
        if (STRENGTH[i].w[0] == w[0] && strcmp(STRENGTH[i].w, w) == 0) return STRENGTH[i].v;
    return 12;
}

static struct cs_phrase_index g_idx;
static bool g_ok;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void idx_init(void) { g_ok = cs_phrase_index_build(LEX, LEX_N, &g_idx); }

#define MAX_HITS 512

struct lhit {
    const struct cs_phrase *p;
    size_t start, end;
};

struct lhits {
    struct lhit h[MAX_HITS];
    size_t n;
};

static void on_hit(void *ctx, const struct cs_toks *tk, const struct cs_phrase *p, size_t start,
                   size_t end)
{
    (void)tk;
    struct lhits *hs = ctx;
    if (hs->n < MAX_HITS) hs->h[hs->n++] = (struct lhit){p, start, end};
}

static bool in_set(const char *w, const char *const *set)
{
    for (; *set; set++)
        if ((*set)[0] == w[0] && strcmp(w, *set) == 0) return true; /* first byte: cheap filter */
    return false;
}

/* negative verdicts whose denial is mild praise ("not bad", "pas mal", "nicht schlecht") */
static const char *const LITOTES[] = {
    "bad",      "terrible",    "awful",     "horrible",      "dreadful", "hate",
    "hated",    "poor",        "rubbish",   "disappointing", "unhappy",  "worst",
    "worse",    "sucks",       "mal",       "malo",          "mala",     "schlecht",
    "ruim",     "nul",         "nulle",     "pessimo",       "pesimo",   "terrivel",
    "horrivel", "schrecklich", "furchtbar", "mauvais",       NULL};

static const char *const CONTRAST[] = {"but",       "however", "although", "though",  "pero",
                                       "aber",      "mais",    "mas",      "sondern", "allerdings",
                                       "cependant", "porem",   "contudo",  NULL};
/* all-capital words that are names of things, not shouting */
static const char *const ACRONYMS[] = {
    "atm",   "pin",  "usa",    "sms",  "api",  "url", "usd",  "eur",  "gbp",   "iban", "bic",
    "swift", "faq",  "ceo",    "asap", "tsa",  "faa", "pdf",  "vat",  "sim",   "gdpr", "bacs",
    "chaps", "sso",  "saml",   "csv",  "dns",  "ssl", "tls",  "vpn",  "ios",   "mac",  "ceo",
    "cfo",   "cto",  "hr",     "it",   "ups",  "dhl", "dpd",  "usps", "fedex", "ipad", "iphone",
    "nhs",   "bbc",  "fca",    "ftc",  "cfpb", "bbb", "caa",  "hmrc", "irs",   "ssn",  "otp",
    "nfc",   "led",  "usb",    "hdmi", "wifi", "isp", "adsl", "fttp", "eta",   "ref",  "inv",
    "pos",   "crm",  "erp",    "sku",  "qr",   "ok",  "tv",   "pc",   "llc",   "ltd",  "inc",
    "gmbh",  "sarl", "ag",     "sa",   "utc",  "gmt", "est",  "pst",  "cet",   "am",   "pm",
    "rsvp",  "aka",  "diy",    "fyi",  "npm",  "aws", "gcp",  "sdk",  "ui",    "ux",   "ai",
    "ml",    "sla",  "kpi",    "roi",  "b2b",  "b2c", "mfa",  "2fa",  "eu",    "uk",   "us",
    "ach",   "sepa", "paypal", "visa", "amex", "ee",  "bt",   "o2",   NULL};

/* Emphatic capitals: a capitalised word of 3+ letters that is no acronym or code. */
static bool emphatic_caps(const struct cs_toks *tk, size_t i, const char *text, size_t len)
{
    const struct cs_tok *t = &tk->t[i];
    if (!t->upper || t->n < 3 || in_set(t->w, ACRONYMS)) return false;
    for (size_t k = 0; k < t->n; k++)
        if (t->w[k] >= '0' && t->w[k] <= '9') return false;
    /* codes: INV-2093, AB12, REF_99 */
    if (t->end < len && (text[t->end] == '-' || text[t->end] == '_' ||
                         (text[t->end] >= '0' && text[t->end] <= '9')))
        return false;
    if (t->off > 0 && (text[t->off - 1] == '-' || text[t->off - 1] == '#')) return false;
    return true;
}

struct reader {
    struct cs_sent_lex *out;
    const struct cs_toks *tk;
    size_t contrast_at; /* words at or after it are "the end" */
    bool claimed[CS_TOK_MAX];
};

static float modifier(const struct reader *r, size_t start)
{
    float m = 1.0f;
    uint16_t clause = r->tk->t[start].clause;
    for (size_t b = 1; b <= 2 && b <= start; b++) {
        const struct cs_tok *t = &r->tk->t[start - b];
        if (t->clause != clause) break;
        static const char *const INT[] = {
            "very",       "so",       "really",       "extremely",    "absolutely", "totally",
            "completely", "utterly",  "incredibly",   "super",        "truly",      "highly",
            "deeply",     "terribly", "beyond",       "immensely",    "hugely",     "thoroughly",
            "massively",  "muy",      "tan",          "realmente",    "totalmente", "sehr",
            "echt",       "total",    "wirklich",     "absolut",      "extrem",     "vollig",
            "tres",       "vraiment", "tellement",    "completement", "totalement", "absolument",
            "muito",      "tao",      "extremamente", "most",         NULL};
        static const char *const DOWN[] = {"bit",    "little", "tad",    "slightly", "somewhat",
                                           "mildly", "kinda",  "fairly", "quite",    "poco",
                                           "etwas",  "peu",    "pouco",  "meio",     NULL};
        if (in_set(t->w, INT))
            m *= 1.5f;
        else if (in_set(t->w, DOWN))
            m *= 0.6f;
    }
    return m;
}

static void note_cue(struct cs_sent_lex *o, const struct cs_toks *tk, const struct lhit *h,
                     int rank)
{
    if (rank <= o->cue_rank) return;
    o->cue_rank = rank;
    o->cue_off = tk->t[h->start].off;
    o->cue_len = tk->t[h->end - 1].end - o->cue_off;
}

static void read_hit(struct reader *r, const struct lhit *h, bool sarcastic_sentence)
{
    struct cs_sent_lex *o = r->out;
    const struct cs_toks *tk = r->tk;
    bool neg = cs_tok_negated(tk, h->start);
    bool end = h->start >= r->contrast_at;
    float w = r->contrast_at == (size_t)-1 ? 1.0f : (end ? 1.5f : 0.5f);
    int kind = h->p->kind;
    int base = h->p->value ? h->p->value : strength_of(tk->t[h->start].w);
    float v = (float)base / 10.0f;
    v *= modifier(r, h->start) * w;
    if (kind == SL_LITOTES) kind = SL_POS, o->negated_negative++;
    if (kind == SL_POS || kind == SL_NEG) {
        if (kind == SL_POS && sarcastic_sentence && !neg) return;
        /* a denied feeling ("I'm not upset") or situation ("still not arrived", "no
         * fault found") is no praise; only a denied verdict is ("not bad", "I don't
         * hate it"), weaker than the word but one strong word still reaches SATISFIED */
        if (kind == SL_NEG && neg && !in_set(tk->t[h->start].w, LITOTES)) return;
        bool positive = (kind == SL_POS) != neg;
        if (neg) v *= kind == SL_POS ? 0.8f : 0.7f;
        /* a denied praise word is a complaint ("not happy", "not good", "not helpful"),
         * FRUSTRATED on its own (the level's threshold in sentiment.c); an outcome
         * ("if this isn't fixed") is not */
        if (neg && kind == SL_POS && base >= 10 && v < 1.3f * w) v = 1.3f * w;
        if (kind == SL_POS && neg) o->negated_positive++;
        if (kind == SL_NEG && neg) o->negated_negative++;
        if (positive) {
            o->pos += v;
            if (!neg && v > o->pos_max) o->pos_max = v;
            if (end) o->pos_end += v;
        } else {
            o->neg += v;
            if (end) o->neg_end += v;
            if (v >= 1.0f) note_cue(o, tk, h, 1);
        }
        o->evidence = true;
        return;
    }
    if (neg && kind != SL_MENACE) return; /* "not angry", "no idiot would" */
    o->evidence = true;
    switch (kind) {
    case SL_ANGER:
    case SL_MILDPROF:
        o->anger += w;
        if (end) o->anger_end += w;
        o->anger_terms++;
        o->profanity += kind == SL_MILDPROF;
        note_cue(o, tk, h, 2);
        break;
    case SL_PROF: o->profanity++, o->irate += 1, note_cue(o, tk, h, 3); break;
    case SL_INSULT: o->insults++, o->irate += 1, note_cue(o, tk, h, 3); break;
    case SL_RAGE: o->rage++, o->irate += 1, note_cue(o, tk, h, 3); break;
    case SL_MENACE: o->menace++, o->irate += 1, note_cue(o, tk, h, 3); break;
    case SL_SARCASM:
        o->sarcasm++;
        o->neg += 1.5f * w;
        if (end) o->neg_end += 1.5f * w;
        note_cue(o, tk, h, 1);
        break;
    default: break;
    }
}

static size_t hit_len(const struct lhit *h) { return h->end - h->start; }

/* Longest phrase first; a word belongs to one phrase only ("not bad at all" wins over
 * "bad", "best regards" over "best"). Insertion sort: a window has few hits. */
static void sort_hits(struct lhits *hs)
{
    for (size_t i = 1; i < hs->n; i++) {
        struct lhit x = hs->h[i];
        size_t j = i;
        while (j > 0 && (hit_len(&hs->h[j - 1]) < hit_len(&x) ||
                         (hit_len(&hs->h[j - 1]) == hit_len(&x) && hs->h[j - 1].start > x.start))) {
            hs->h[j] = hs->h[j - 1];
            j--;
        }
        hs->h[j] = x;
    }
}

static void read_window(struct reader *r, struct lhits *hs, const char *text, size_t len)
{
    const struct cs_toks *tk = r->tk;
    r->contrast_at = (size_t)-1;
    for (size_t i = 0; i < tk->n; i++) {
        if (in_set(tk->t[i].w, CONTRAST) && i + 1 < tk->n) r->contrast_at = i + 1;
        if (emphatic_caps(tk, i, text, len)) r->out->caps_words++;
    }
    if (r->contrast_at != (size_t)-1) r->out->contrast = true;
    sort_hits(hs);
    memset(r->claimed, 0, sizeof(r->claimed));
    /* sentences with sarcasm: their praise words are not praise */
    uint16_t sarcastic[16];
    size_t ns = 0;
    for (size_t i = 0; i < hs->n; i++)
        if (hs->h[i].p->kind == SL_SARCASM && ns < 16)
            sarcastic[ns++] = tk->t[hs->h[i].start].sentence;
    for (size_t i = 0; i < hs->n; i++) {
        const struct lhit *h = &hs->h[i];
        bool free = true;
        for (size_t k = h->start; k < h->end; k++) free = free && !r->claimed[k];
        if (!free) continue;
        for (size_t k = h->start; k < h->end; k++) r->claimed[k] = true;
        int kind = h->p->kind;
        if (kind == SL_POLITE || kind == SL_INTENS || kind == SL_DOWN) continue;
        bool sarc = false;
        for (size_t k = 0; k < ns; k++) sarc = sarc || sarcastic[k] == tk->t[h->start].sentence;
        read_hit(r, h, sarc);
    }
    for (size_t i = 0; i < hs->n; i++) r->out->intensifiers += hs->h[i].p->kind == SL_INTENS;
}

/* "f***", "f*cking", "sh*t": profanity the tokenizer cannot see (it splits at '*'). */
static int starred_profanity(const char *text, size_t len)
{
    int n = 0;
    for (size_t i = 0; i + 2 < len; i++) {
        char c = (char)(text[i] | 0x20);
        bool word_start = i == 0 || !((text[i - 1] | 0x20) >= 'a' && (text[i - 1] | 0x20) <= 'z');
        if (!word_start || (c != 'f' && c != 's')) continue;
        size_t j = i + 1;
        if (c == 's' && j < len && (text[j] | 0x20) == 'h') j++;
        size_t stars = 0;
        while (j < len &&
               (text[j] == '*' || (text[j] | 0x20) == 'u' || (text[j] | 0x20) == 'c' ||
                (text[j] | 0x20) == 'k' || (text[j] | 0x20) == 'i' || (text[j] | 0x20) == 't')) {
            stars += text[j] == '*';
            j++;
        }
        if (stars >= 1 && j - i >= 4) n++, i = j;
    }
    return n;
}

void cs_sent_lex_scan(const char *text, size_t len, struct cs_sent_lex *out)
{
    memset(out, 0, sizeof(*out));
    if (!text || len == 0) return;
    for (size_t i = 0; i < len;) {
        if (text[i] != '!') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && text[j] == '!') j++;
        out->exclaim_runs += j - i >= 2;
        i = j;
    }
    out->profanity += starred_profanity(text, len);
    out->irate += (float)out->profanity;
    pthread_once(&g_once, idx_init);
    if (!g_ok) return;
    static _Thread_local struct cs_toks tk;
    static _Thread_local struct lhits hs;
    static _Thread_local struct reader r;
    int upper = 0, words = 0;
    for (size_t from = 0; from < len;) {
        cs_toks_fill(&tk, text, len, from);
        hs.n = 0;
        cs_phrase_scan(LEX, &g_idx, &tk, on_hit, &hs);
        r.out = out;
        r.tk = &tk;
        read_window(&r, &hs, text, len);
        upper += tk.upper_words, words += tk.words;
        if (tk.next <= from) break;
        from = tk.next;
    }
    out->words = words;
    out->shouted = words >= 4 && upper * 2 > words;
}
