/* The escalation-trigger phrases (LABELLING.md sections 3 and 5) in en/es/de/fr/pt.
 * Pattern syntax: nlp/cues_int.h. A VETO phrase cancels the same family's triggers in
 * its clause ("my lawyer friend", "I am a lawyer", "tell everyone how great ..."). */
#include "nlp/cues_lexicon.h"

#define MODAL                                                                                      \
    "will|i'll|ill|we'll|shall|gonna|going|must|would|i'd|have|i've|we've|about|ready|intend|"     \
    "plan|planning|consider|considering|may|might"
#define TO_THEM "you|u|ya|y'all|yall|your|them|the|this|that|it|company|for|over"
#define LAWYER "lawyer|lawyers|attorney|attorneys|solicitor|solicitors|counsel|barrister"
#define CONTACT_V                                                                                  \
    "asked|call|called|calling|phoned|phoning|rang|email|emailed|emailing|e-mailed|contact*|"      \
    "wrote|writ*|messag*|chat*|reach*|complain*|spoke|spoken|talk*|ask*|rais*|report*|follow*|"    \
    "chased|chasing"
#define CONTACT_N                                                                                  \
    "call|calls|email|emails|e-mail|e-mails|message|messages|ticket|tickets|chat|chats|request|"   \
    "requests|complaint|complaints|letter|letters|contact|inquiry|inquiries|enquiry|enquiries|"    \
    "case|follow|report|reports"
#define CONTACT_NP                                                                                 \
    "calls|emails|e-mails|mails|messages|chats|requests|complaints|letters|inquiries|enquiries|"   \
    "follow-ups|followups|conversations|phonecalls"
#define MANY                                                                                       \
    "two|three|four|five|six|seven|eight|nine|ten|twelve|2|3|4|5|6|7|8|9|10|11|12|15|20|several|"  \
    "multiple|many|numerous|countless|dozens|endless|repeated|2x|3x|4x|5x|6x|10x"
#define HUMAN_N                                                                                    \
    "human|humans|person|agent|representative|rep|manager|supervisor|supervisors|boss|superior|"   \
    "senior|somebody|someone|operator|leader|technician|specialist|director|whoever|whoever's|"    \
    "anyone|anybody|member|head|gestor"
/* Regulators, ombudsmen and consumer bodies a customer takes a complaint to: one list
 * for every construction ("complain to", "report to", "taking it to", "complaint with"),
 * so a body named in one phrasing is known in all of them. */
#define REGULATOR                                                                                  \
    "ombudsman|regulator|regulators|fca|ftc|cfpb|ofcom|ofgem|ofwat|bbb|ico|fcc|caa|cma|asa|adr|"   \
    "dot|procon|omic|ocu|facua|dgccrf|bafin|bundesnetzagentur|arcep|anatel|anac|aneel|cnmc|"       \
    "verbraucherzentrale|schlichtungsstelle|mediateur|fca's|ofcom's|caa's|cqc|ofsted|trading|"     \
    "consumer|authorities|authority|commission|agency|bureau|attorney|courts|acma|accc|cnil|aepd|" \
    "ombudsmen|watchdog|tribunal|commissioner|commissioner's"

/* Bodies named alone as who will take the matter on ("the regulator can deal with you"):
 * narrower than REGULATOR, whose words ("agency", "commission") have everyday senses. */
#define REGULATOR_BODY                                                                             \
    "ombudsman|regulator|regulators|fca|ftc|cfpb|ofcom|ofgem|ofwat|bbb|caa|cma|watchdog|procon|"   \
    "dgccrf|bafin|bundesnetzagentur|verbraucherzentrale|acma|accc"

const struct cs_phrase CS_CUE_LEXICON[] = {
    /* ---- LEGAL_MENTION: legal or formal action against the company ---- */
    {MODAL " ... ~sue|suing", CUE_LEGAL, 0},
    {"to|and|or|gonna|will|then ~sue", CUE_LEGAL, 0},
    {"~sue " TO_THEM, CUE_LEGAL, 0},
    {"suing|sued", CUE_LEGAL, 0},
    {"~lawsuit|lawsuits|litigation|litigate", CUE_LEGAL, 0},
    {"letter before action|claim", CUE_LEGAL, 0},
    {"money claim|claims", CUE_LEGAL, 0},
    {"claim|claims|case against ... you|your|the|this", CUE_LEGAL, 0},
    {"legal team|department|dept|counsel will|is|are|has|have|'ll|would|shall", CUE_LEGAL, 0},
    {"~tribunal|tribunais|tribunales", CUE_LEGAL, 0},
    {"~class action|actions", CUE_LEGAL, 0},
    {"~small claims|claim", CUE_LEGAL, 0},
    {"small claims court|procedure|track|process|claim", CUE_LEGAL,
     0}, /* "the European Small Claims Procedure" */
    {"legal "
     "action|actions|proceedings|steps|measures|route|recourse|avenues|options|remedies|matter",
     CUE_LEGAL, 0},
    {"take|taking|took " TO_THEM " ... to court", CUE_LEGAL, 0},
    {"see|meet you in court", CUE_LEGAL, 0},
    {"court case|action|claim|order|proceedings", CUE_LEGAL, 0},
    {"go|going|went|head to court", CUE_LEGAL, 0},
    {"file|filing|filed|lodge|lodging|lodged|make|making|submit|submitting|raise|escalate|"
     "escalating|report|reporting|reported|refer|referred|referring|complain|complaining|"
     "complained ... with|to|_ ... the|my|your|a|_ ... " REGULATOR,
     CUE_LEGAL, 0},
    {"report|reporting|reported ... to|with ... the|_ police|government|" REGULATOR, CUE_LEGAL, 0},
    {"taking|seeking|sought|took|getting|get|obtaining|obtained|take legal advice|counsel",
     CUE_LEGAL, 0},
    /* "this is going to the CFPB", "taking it to the ombudsman" */
    {"going|go|goes|take|taking|took|bring|bringing|send|sending|forward|forwarding ... to "
     "the|_ " REGULATOR,
     CUE_LEGAL, 0},
    {"to the|a consumer protection|rights ... "
     "agency|body|authority|bureau|office|association|commission",
     CUE_LEGAL, 0},
    {"let|have the|a courts|court|judge decide|settle|sort", CUE_LEGAL, 0},
    {"pursue|pursuing|pursued|settle|settling|fight|fighting ... through|in|via the|_ courts|court",
     CUE_LEGAL, 0},
    {"seek|seeking|sought|pursue|pursuing|claiming|sue|suing damages", CUE_LEGAL, 0},
    {"~county|crown|district|magistrates|civil|federal|high|supreme|claims court", CUE_LEGAL, 0},
    {"adr|arbitration|arbitrator", CUE_LEGAL, 0},
    {"banco de espana|portugal", CUE_LEGAL, 0},
    {"livro de reclamacoes", CUE_LEGAL, 0},
    {"~ocu|anacom|deco|cnmv|aesa|consumidor", CUE_LEGAL, 0},
    {"ombudsman|ombudsmen", CUE_LEGAL, 0},
    {"trading standards", CUE_LEGAL, 0},
    {"attorney general|generals", CUE_LEGAL, 0},
    {"my|our ~" LAWYER " will|is|are|has|have|says|said|advised|advises|told|wants|'ll|can|would|"
     "should|shall|could|knows|thinks",
     CUE_LEGAL, 0},
    {"contact*|consult*|call*|involv*|get|getting|got|hire|hiring|hired|retain*|engage*|speak*|"
     "spoke|spoken|talk*|forward*|send|sending|pass*|hand*|instruct*|brief*|see|seeing|ask*|phone*|"
     "email*|refer*|let|letting|with|from|through|via|by|to|lawyered ... ~" LAWYER,
     CUE_LEGAL, 0},
    {LAWYER " involved|letter|letters|up", CUE_LEGAL, 0},
    /* "I'll have my lawyer contact you", "cc'ing my solicitor": the customer sets their own
     * lawyer on the company; the harmless roles (a lawyer who needs documents, an estate, a
     * friend) are vetoes. A bare "my lawyer" is not enough: "can my lawyer have access?" */
    {"have|having|get|getting|let|letting|ask|asking|tell|telling|instruct ... my|our ~" LAWYER
     " ... contact|call|write|deal|handle|look|respond|reply|take|chase|send|pursue|sort",
     CUE_LEGAL, 0},
    {"cc|cc'd|cc'ing|ccing|copying|copied|looping|looped ... ~" LAWYER "|legal", CUE_LEGAL, 0},
    {"~" LAWYER " ... involved|involve|involving", CUE_LEGAL, 0},
    /* "taking this further legally", "I will act legally" */
    {"take|taking|pursue|pursuing|proceed|proceeding|act|acting|challenge|challenging|go|going|"
     "deal|dealing|move|moving ... further|_ legally",
     CUE_LEGAL, 0},
    {"no win no fee", CUE_LEGAL, 0},
    /* "I'm going legal", "we will be seeking compensation through the courts", "won't
     * hold up in front of a judge" */
    {"go|going|gone|went|get|getting|turn|turning legal", CUE_LEGAL, 0},
    {"through|via the courts|court|tribunal|judiciary", CUE_LEGAL, 0},
    {"front of a|the judge|tribunal|magistrate|jury", CUE_LEGAL, 0},
    {"court|courts|lawyers|tribunal it is", CUE_LEGAL, 0},
    {"lawyer up", CUE_LEGAL, 0},
    {"~" LAWYER " on|at standby|call|hand", CUE_LEGAL, 0},
    {"~" LAWYER " lined|standing up|ready|by", CUE_LEGAL, 0},
    {"demand letter|letters", CUE_LEGAL, 0},
    /* "lawyer time", "have fun explaining this to a judge" */
    {"lawyer|lawyers|attorney|solicitor|court time", CUE_LEGAL, 0},
    {"explain|explaining|tell|telling|justify|justifying ... to a|the judge|magistrate|court",
     CUE_LEGAL, 0},
    /* "expect to hear from my legal representative", "my legal adviser is drafting ..." */
    {"my|our legal "
     "representative|representatives|representation|adviser|advisers|advisor|advisors|team",
     CUE_LEGAL, 0},
    {"hear|hearing ... from ... my|our ... " LAWYER "|legal", CUE_LEGAL, 0},
    /* "a formal complaint to the regulator" */
    {"complaint|complaints|case|report ... to|with ... the|my|a|_ ... " REGULATOR, CUE_LEGAL, 0},
    {"cease and desist", CUE_LEGAL, 0},
    {REGULATOR_BODY " can|will|'ll|shall|could ... deal|hear|handle|sort|decide|judge", CUE_LEGAL,
     0},
    /* es */
    {"abogado|abogados|abogada|abogadas", CUE_LEGAL, 0},
    {"demandar*|demandare|demandaremos|demandarlos|demandarles|demandaria|denunciar*|denunciare|"
     "denunciarlos",
     CUE_LEGAL, 0},
    {"una|la|poner|interponer|presentar ... demanda|denuncia", CUE_LEGAL, 0},
    {"acciones|medidas|accion|via legales|legal|judicial|judiciales", CUE_LEGAL, 0},
    {"a|al|los|ante|en ... tribunales|juzgado|tribunal|juez", CUE_LEGAL, 0},
    {"reclamacion|queja formal|oficial", CUE_LEGAL, 0},
    {"hoja|libro de reclamaciones", CUE_LEGAL, 0},
    {"omic|facua", CUE_LEGAL, 0},
    {"ante|a|en consumo", CUE_LEGAL, 0},
    {"a|al|en juicio", CUE_LEGAL, 0},
    {"mahnbescheid|gerichtlich|gerichtliche", CUE_LEGAL, 0},
    {"saisir|saisirai|saisis ... justice|tribunal|mediateur|avocat", CUE_LEGAL, 0},
    {"oficina del|de consumidor|consumo", CUE_LEGAL, 0},
    {"defensor del consumidor|pueblo", CUE_LEGAL, 0},
    /* de */
    {"anwalt|anwalte|anwaltin|anwalts|rechtsanwalt|rechtsanwaltin|rechtsanwalte|anwaltlich*|"
     "rechtsabteilung",
     CUE_LEGAL, 0},
    {"verklage*|klage|klagen|einklagen|klageweg", CUE_LEGAL, 0},
    {"vor|zum|ans gericht", CUE_LEGAL, 0},
    {"rechtliche|juristische|gerichtliche schritte|konsequenzen|wege|weg", CUE_LEGAL, 0},
    {"verbraucherzentrale|verbraucherschutz|schlichtungsstelle|bundesnetzagentur|bafin", CUE_LEGAL,
     0},
    {"mahnverfahren|strafanzeige", CUE_LEGAL, 0},
    /* fr */
    {"avocat|avocats|avocate", CUE_LEGAL, 0},
    {"poursuivre|poursuivrai|poursuivrons|poursuites", CUE_LEGAL, 0},
    {"en justice", CUE_LEGAL, 0},
    {"porter|deposer|depose|deposerai|porterai plainte", CUE_LEGAL, 0},
    {"au|aux|devant tribunal|tribunaux", CUE_LEGAL, 0},
    {"action|actions|procedure|poursuites judiciaire|judiciaires", CUE_LEGAL, 0},
    {"mise en demeure", CUE_LEGAL, 0},
    {"mediateur|dgccrf", CUE_LEGAL, 0},
    {"que choisir", CUE_LEGAL, 0},
    /* pt */
    {"advogado|advogados|advogada", CUE_LEGAL, 0},
    {"processar|processarei|processaremos|processo judicial", CUE_LEGAL, 0},
    /* "vou processar a empresa": with a subject, since "processar o pagamento" is to
     * process a payment */
    {"vou|vamos|irei|iremos|vai ... processar|processa ... "
     "voces|vcs|vos|empresa|loja|companhia|banco|operadora|los|las",
     CUE_LEGAL, 0},
    {"processarei|processaremos|processa-los", CUE_LEGAL, 0},
    {"entrar|entrarei|entrando|entro ... com ... processo|acao", CUE_LEGAL, 0},
    {"processo contra|judicial", CUE_LEGAL, 0},
    {"na|a justica", CUE_LEGAL, 0},
    {"acao|medidas|providencias judicial|legal|legais|judiciais", CUE_LEGAL, 0},
    {"procon|juizado", CUE_LEGAL, 0},
    /* "vou reclamar na Anatel" */
    {"reclamar|reclamarei|reclamei|denunciar|denunciarei|queixa|reclamacao ... na|no|ao|junto|a "
     "... anatel|anac|aneel|procon|bacen|anacom|deco|erse|consumidor",
     CUE_LEGAL, 0},
    /* not a threat of action: a lawyer in a harmless role, the customer's own job */
    {LAWYER " friend|friends|buddy|colleague|colleagues|firm|office|offices|fees|client|clients|"
            "lane|street|road|avenue|way|close|briefcase|bag|perfume",
     CUE_LEGAL_VETO, 0},
    {"friend|friends|amigo|amiga|amigos|ami|amie|freund|freundin|recommended|recommend|recommends|"
     "recomendo|recomendou|recomendo|recommande|empfohlen|empfiehlt|bruder|schwester|mutter|vater|"
     "nachbar|nachbarin|sohn|tochter|voisin|voisine|soeur|frere|mere|pere|fils|fille|hermano|"
     "hermana|madre|padre|hijo|hija|vecino|vecina|irmao|irma|mae|pai|filho|filha|vizinho|vizinha|"
     "primo|prima|cousin|cousine|grusse|saluda",
     CUE_LEGAL_VETO, 2},
    {"frau|herr|familie|mr|mrs|ms|dr|sr|sra|mme|m klage|anwalt|avocat|abogado|advogado",
     CUE_LEGAL_VETO, 3},
    {"i'm|im|am|as|was|is|be|become|becoming a|an " LAWYER, CUE_LEGAL_VETO, 0},
    {"wife|husband|friend|brother|sister|mother|father|dad|mom|mum|son|daughter|partner|colleague|"
     "cousin|uncle|aunt|neighbour|neighbor ... a|an " LAWYER,
     CUE_LEGAL_VETO, 0},
    {LAWYER "|conveyancer ... completion|house|mortgage|property|purchase|deposit|sale",
     CUE_LEGAL_VETO, 4},
    {"completion|house|mortgage|property|purchase|deposit|sale ... " LAWYER "|conveyancer",
     CUE_LEGAL_VETO, 4},
    {"said|says|suggested|suggests|told|thinks|think ... i|me ... should|could|might ... "
     "threaten|sue|take|go",
     CUE_LEGAL_VETO, 5},
    {"should|could|might threaten", CUE_LEGAL_VETO, 5},
    {"suing|sue|sued|sues his|her|their|a|my|our "
     "landlord|employer|neighbour|neighbor|ex|husband|wife|builder|tenant|insurer|school",
     CUE_LEGAL_VETO, 5},
    {"roleplay|role|game|board|school|lol|movie|film|book|novel|show|series|episode|poster|perfume|"
     "costume",
     CUE_LEGAL_VETO, 5},
    {"legal team|department|dept|counsel ... "
     "asked|asks|ask|need|needs|want|wants|require|requires|request|requests|whether|dpa|contract|"
     "agreement|terms|copy|invoice|sign",
     CUE_LEGAL_VETO, 5},
    {"estate|probate|conveyancing|wills|invoice|invoices|receipt|receipts|paperwork|factura|"
     "facturas|fatura|faturas|rechnung|rechnungen|facture|factures|recibo|recibos|quittung|copia|"
     "copie|kopie|copy|copies|statement|statements|documents|records|divorce|divorcio|scheidung|"
     "divorcio|succession|herencia|nachlass|erbschaft|heranca|inventario|testament|testamento|"
     "releve|releves|extracto|extractos|kontoauszug|kontoauszuge|extrato|extratos|retainer|"
     "certificate|certified|notarised|notarized|power",
     CUE_LEGAL_VETO, 0},
    {"speak|talk|spoke|spoken|ask|asked|tell|told|thank|thanks|give|send|pass|dear|hi|hello|hey|is|"
     "am|i'm|im|named|called|was|regards|cheers|love|ms|mrs|miss|aunt|my to|with|for|_ sue",
     CUE_LEGAL_VETO, 1},
    {"law firm|office|school", CUE_LEGAL_VETO, 0},
    /* a lawyer given access or permissions on the account is a role, not a threat */
    {"access|read-only|permission|permissions|login|logins|authorisation|authorization",
     CUE_LEGAL_VETO, 0},
    /* a lawyer settling a bereavement ("my late father's account") */
    {"deceased|executor|executors|bereavement|bereaved|inheritance|death|died|funeral|probate",
     CUE_LEGAL_VETO, 0},
    {"late "
     "father|father's|mother|mother's|husband|husband's|wife|wife's|dad|dad's|mum|mum's|mom|mom's|"
     "parent|parents|partner|partner's",
     CUE_LEGAL_VETO, 0},
    {"passed away", CUE_LEGAL_VETO, 0},

    /* ---- SOCIAL_MEDIA_THREAT: going public to pressure ---- */
    {"post*|share*|put*|tweet*|blast*|expose*|write*|wrote|publish*|broadcast*|vent*|air*|upload*|"
     "tell*|told ... on|to|across|all|over ... "
     "twitter|facebook|instagram|tiktok|reddit|youtube|linkedin|social|forums|forum|internet|"
     "online|socials|trustpilot|yelp|google|tripadvisor|glassdoor|insta|ig|fb",
     CUE_SOCIAL, 0},
    {"will|i'll|ill|gonna|going|about|already|all|everyone ... social media|networks|network",
     CUE_SOCIAL, 0},
    {"already|just|i've|i ... posted|tweeted|shared|reported|written|wrote ... on|to ... "
     "twitter|facebook|instagram|tiktok|reddit|youtube|linkedin|social|forums|forum|online|"
     "trustpilot|yelp",
     CUE_SOCIAL, 0},
    {"go|going|went|gone public", CUE_SOCIAL, 0},
    {"make|making ... this|it public", CUE_SOCIAL, 0},
    {"go|going|went|contact*|call*|talk*|alert*|write|writing|tip ... to|the|a|local|off ... "
     "press|media|newspaper|newspapers|journalist|journalists|reporter|reporters|bbc|cnn|watchdog|"
     "tv|television",
     CUE_SOCIAL, 0},
    {"go|going|went to the news", CUE_SOCIAL, 0},
    {"tell|telling|warn|warning|warned everyone|everybody|anyone|people", CUE_SOCIAL, 0},
    {"tell|telling|warn|warning|warned all ... my|of|the ... "
     "friends|family|followers|contacts|colleagues|neighbours|neighbors|network",
     CUE_SOCIAL, 0},
    {"leave|leaving|write|writing|post|posting|give|giving|left|wrote|posted ... "
     "bad|negative|terrible|horrible|scathing|awful|honest|1|one|zero|0|worst|damning|brutal ... "
     "review|reviews|rating|ratings|star",
     CUE_SOCIAL, 0},
    {"world|internet will|is|gonna|going ... know|hear|see|find", CUE_SOCIAL, 0},
    {"go|going|gone|went viral", CUE_SOCIAL, 0},
    {"everyone|everybody|all ... is|are|will ... going|gonna|_ ... hear|know|find", CUE_SOCIAL, 0},
    {"public post|posts|review|reviews|shaming|complaint", CUE_SOCIAL, 0},
    {"my|our ... followers|subscribers|readers|listeners|audience ... "
     "think|hear|know|see|will|would|are|about",
     CUE_SOCIAL, 0},
    {"every ... group|groups|forum|forums|platform|site", CUE_PLATFORM, 0},
    {"redes|reseaux|netzwerken", CUE_PLATFORM, 0},
    {"tweeted|tweeting|retweet|retweeted|retweeting|subtweet*", CUE_SOCIAL, 0},
    {"will|i'll|ill|gonna|going|about tweet|blog|vlog", CUE_SOCIAL, 0},
    {"going|about|planning|plan|decided to tweet|blog|vlog", CUE_SOCIAL, 0},
    /* "I'm writing to the Guardian's consumer column" */
    {"consumer column|columnist|champion|desk|programme|program|show", CUE_PLATFORM, 0},
    {"watchdog|bbc|press|media|journalist|journalists|reporter|reporters|newspaper|newspapers ... "
     "will|would|'d|who'd|they'd|he'd|she'd|gonna|going ... love|hear|know|interested|see",
     CUE_SOCIAL, CUE_SOCIAL_UNVETOED},
    /* "I'll be leaving a one-star review", "one-star review incoming" */
    {MODAL " ... leave|write|post|give|giving|leaving|writing|posting ... a|an|_ "
           "one|1|zero|0|bad|negative|terrible|awful|scathing|damning|horrible|brutal ... "
           "star|review|reviews|rating|ratings|write-up",
     CUE_SOCIAL, 0},
    {"one|1|zero|0 star review|rating incoming|coming|headed|pending|loading", CUE_SOCIAL, 0},
    {"go|goes|going|gone|went|will viral", CUE_SOCIAL, 0},
    /* "maybe a viral TikTok will get your attention", "thousands have seen my post" */
    {"viral tiktok|video|post|thread|tweet|reel|review", CUE_SOCIAL, 0},
    {"thousands|hundreds|millions ... have|has|already ... seen|read|shared|viewed|liked",
     CUE_SOCIAL, 0},
    /* "telling every parent at school to avoid you": a public warning (with a telling act) */
    {"to avoid|boycott you|your|this|them|the company", CUE_PLATFORM, 0},
    /* "I'll make sure everyone hears about this" */
    {"make|making sure ... everyone|everybody|people|world|anyone ... "
     "hears|hear|knows|know|finds|learns|sees",
     CUE_SOCIAL, 0},
    {"twitter|facebook|instagram|tiktok|reddit|youtube|linkedin|trustpilot|yelp|tripadvisor|"
     "mumsnet|nextdoor|glassdoor|google|g2|blog|forum|forums|foren|internet|socials|threads|feefo|"
     "reviews.io|capterra|bluesky|mastodon|whatsapp",
     CUE_PLATFORM, 0},
    {"reclame aqui", CUE_PLATFORM, 0},
    {"hacker news", CUE_PLATFORM, 0},
    {"on|auf|sur|en x", CUE_PLATFORM, 0},
    {"community|local|facebook|whatsapp|neighbourhood|neighborhood group|groups|forum|page",
     CUE_PLATFORM, 0},
    {"my|our followers|subscribers|audience|viewers|readers", CUE_PLATFORM, 0},
    {"local paper|papers|radio|news", CUE_PLATFORM, 0},
    {"papers|newspapers|media", CUE_PLATFORM, 0},
    {"bbc|bbc's|watchdog|radio|press|newspaper|journalist|journalists|reporter|reporters|subreddit|"
     "uberall|everywhere|partout|readers|listeners|podcast|episode",
     CUE_PLATFORM, 0},
    {"tagging|tag you|u in|on", CUE_SOCIAL, 0},
    /* "when I post the screenshots", "let's see what Twitter thinks of this", "a few
     * thousand retweets will get your attention" */
    {"post|posting|publish|publishing|screenshotting the|these|this|all|our|_ "
     "screenshots|screenshot|transcript|chat|conversation|recording|recordings|emails",
     CUE_SOCIAL, 0},
    {"what|how twitter|reddit|tiktok|facebook|instagram|internet|linkedin|youtube "
     "... think|thinks|say|says|react|reacts|make|makes",
     CUE_SOCIAL, 0},
    {"retweets|retweet|upvotes|reposts|shares ... get|gets|attention|notice|will", CUE_SOCIAL, 0},
    /* "it'll be all over the internet by tonight" */
    {"it'll|itll|will|gonna|i'll|ill|make|making|put|putting|plaster|plastering|splash|"
     "splashing ... all over the|my|_ "
     "internet|web|twitter|facebook|instagram|tiktok|reddit|youtube|linkedin|socials|social|news|"
     "papers|media|x",
     CUE_SOCIAL, 0},
    /* "my followers are going to love this story", "my readers will hear about it" */
    /* "my followers are going to love this story": the story itself, not praise */
    {"followers|subscribers|audience|viewers|readers|listeners ... love|enjoy ... story|stories",
     CUE_SOCIAL, CUE_SOCIAL_UNVETOED},
    /* "when I share this story online", "hope you enjoy the one-star reviews" */
    {"story|experience|ordeal|saga ... online|publicly|everywhere", CUE_SOCIAL, 0},
    {"enjoy|expect|await ... the|my|some|a|_ one|1|zero|0|bad|negative ... star|review|reviews",
     CUE_SOCIAL, 0},
    {"my|our followers|subscribers|audience|viewers|readers|listeners ... "
     "hear|know|learn|story|stories|find|see|read",
     CUE_SOCIAL, 0},
    {"name and shame", CUE_SOCIAL, 0},
    {"expose|exposing ... you|your|this|them", CUE_SOCIAL, 0},
    {"video|videos|reel|reels|thread|vlog|tiktok ... about|on|of ... this|you|your|how",
     CUE_PLATFORM, 0},
    {"go|going|went|gone to the|my|_ local|_ news|paper|radio|press|tv|papers", CUE_SOCIAL, 0},
    {"post|posts|posting|posted|poste|posten|share|sharing|shared|put|putting|tweet|upload|"
     "uploading|uploaded|write|writing|written|blogging|publish|publishing|expose|exposing|tell|"
     "telling|let|hear|know|going|goes|thread|followers|review|reviews|avis|bewertung|bewertungen|"
     "raconter|raconte|publicar|publicare|publico|publicando|expor|contar|teile|schreibe|"
     "veroffentliche|screenshot*|document*|contact*|publicaciones|publicacion|publie|publier|"
     "publierai|publions|raconterai|raconter|broadcast*|blast*|mention*|tag|tagging|tagged|call*|"
     "warn*|name|naming|shame|shaming|rant|ranting|complain*|vent|venting|making|make|film|filming|"
     "record|recording|postar|postarei|postando|publicarei|compartilhar|compartilharei|divulgar|"
     "divulgarei|compartir|compartire|difundire|subire|poster|posterai|partager|partagerai|"
     "landet|landen|finir|finira|finiront|terminera|acabar|acabara|acabaran|parar|dejar|dejare|"
     "deixar|deixarei|laisser|laisserai|hinterlasse|hinterlassen|escribir|escribire|escrever|"
     "escreverei|ecrire|ecrirai|contando|contarei",
     CUE_SOCIAL_ACT, 0},
    /* es/de/fr/pt */
    {"redes sociales|sociais", CUE_SOCIAL, 0},
    {"publicar*|publicare|contar*|contare|difundir*|denunciar ... en|a|todo ... "
     "twitter|facebook|instagram|tiktok|redes|internet|mundo|prensa|medios",
     CUE_SOCIAL, 0},
    {"a|contactar*|contare|llamare|acudire|acudir|ir ... la|los ... "
     "prensa|periodicos|periodistas|television",
     CUE_SOCIAL, 0},
    {"resena|resenas|opinion|valoracion|critica "
     "negativa|negativas|mala|malas|terrible|terribles|horrible|horribles|pesima|pesimas",
     CUE_SOCIAL, 0},
    {"mala|malas|negativa resena|resenas|opinion|valoracion|critica", CUE_SOCIAL, 0},
    {"soziale|sozialen medien|netzwerke|netzwerken", CUE_SOCIAL, 0},
    {"offentlich|publik machen|gehen|mache", CUE_SOCIAL, 0},
    {"presse|zeitung", CUE_SOCIAL, 0},
    {"schlechte|negative bewertung|bewertungen|rezension", CUE_SOCIAL, 0},
    {"ein|eine|1|null stern|sterne bewertung|bewertungen|rezension", CUE_SOCIAL, 0},
    {"allen|jedem ... erzahlen|erzahle|berichten", CUE_SOCIAL, 0},
    {"reseaux sociaux", CUE_SOCIAL, 0},
    {"la|les presse|medias|journalistes", CUE_SOCIAL, 0},
    {"avis|note|commentaire negatif|negative|negatifs", CUE_SOCIAL, 0},
    {"rendre|rendrai public|publique", CUE_SOCIAL, 0},
    {"reclame aqui", CUE_SOCIAL, 0},
    {"imprensa|jornal|jornalistas|midia", CUE_SOCIAL, 0},
    {"avaliacao|avaliacoes|comentario negativa|negativas|ruim|pessima|negativo", CUE_SOCIAL, 0},
    {"expor ... internet|redes|todos", CUE_SOCIAL, 0},
    /* a promise to praise, following the company, an old review */
    {"great|amazing|awesome|wonderful|fantastic|excellent|good|love|loved|recommend|recommended|"
     "recommending|brilliant|helpful|happy|positive|5|five|thank|thanks|follow|following|follower|"
     "fan|kind|nice|glowing|saw|seen|ad|ads|advert|deal|promo|discount|login|log|sign|scheduler|"
     "integration|"
     "connect|connected|pay|link|channel|blogger|influencer|creator|partnership|partnerships|"
     "collab|collaboration|sponsor|sponsorship|kit|student|school|university|college|homework|"
     "research|course|fixed|resolved|sorted|photos|pictures|pics|selfies|plan|data|timetable|"
     "office|rates|positif|positiv|positivo|positiva|merci|gracias|obrigado|obrigada|danke|api|"
     "webhook|webhooks|automatically|widget|plugin",
     CUE_SOCIAL_VETO, 0},
    {"press office|kit|release|contact|team|pack|enquiries|inquiries|officer", CUE_SOCIAL_VETO, 2},
    /* screenshots posted to the company itself: "should I post the screenshots here?" */
    {"here|below|above|attached|attachment|ticket", CUE_SOCIAL_VETO, 2},
    {"can|could|may i|we ... share|post|put|use|link|tag", CUE_SOCIAL_VETO, 2},
    {"close|almost|nearly ... to|_ post|posting|tweet|tweeting|writing|going", CUE_SOCIAL_VETO, 2},
    {"if|unless|until|otherwise|wenn|falls|sinon|sauf|salvo|caso|senao", CUE_CONDITION, 0},
    {"how do|can|does|to|would", CUE_SOCIAL_VETO, 1},
    {"i'm|im|am|as a|an journalist|reporter|blogger|editor|researcher", CUE_SOCIAL_VETO, 3},

    /* ---- CUSTOMER_REQUEST: an explicit ask for a person or an escalation ---- */
    {"speak|talk|chat|talking|speaking|chatting|speek|converse ... to|with "
     "a|an|the|your|some|real|actual|live|human|any|_ ... " HUMAN_N,
     CUE_HUMAN, 0},
    {"get|put|transfer|connect|pass|patch|escalate|route|hand ... me|this|it|my|us ... "
     "to|through|with|over ... a|an|the|your|real|live|human|senior|_ ... " HUMAN_N,
     CUE_HUMAN, 0},
    {"human|person|manager|supervisor|leader|technician "
     "look|call|review|check|handle|contact|take|deal|sort|phone|ring",
     CUE_HUMAN, 0},
    {"a|any|real ~human|person|manager|supervisor ... "
     "look|call|review|check|handle|contact|take|deal|sort|phone|ring|help",
     CUE_HUMAN, 0},
    {"whoever|whoever's|someone|somebody ... in charge", CUE_HUMAN, 0},
    {"like|want|need|would|get|asking|request|requesting|demand|demanding|insist|insisting ... "
     "escalated",
     CUE_HUMAN, 0},
    /* "is there anyone else I can talk to?", "I'd rather deal with a person", "who is your
     * manager?", "can someone from your team call me" (not "can someone call me about the
     * upgrade options?": a question for information) */
    {"anyone|someone|somebody|person else i|we ... talk|speak|deal|chat", CUE_HUMAN, 0},
    {"rather|prefer|preferably ... deal|speak|talk|chat ... with|to ... a|an|the|your|_ " HUMAN_N,
     CUE_HUMAN, 0},
    {"who|who's|whos is|_ your manager|supervisor|boss|superior", CUE_HUMAN, 0},
    {"can|could|would|will|please someone|somebody|anyone from|at ... call|ring|phone ... "
     "me|us|back",
     CUE_HUMAN, 0},
    {"can|could|please|must|should|needs|need ... be escalated", CUE_HUMAN, 0},
    {"get|put a|an|the|your|_ human|person|manager|supervisor|somebody|someone on the|this "
     "line|phone|chat|call|case",
     CUE_HUMAN, 0},
    {"escalated|escalate to|with ... your|a|the ... "
     "head|manager|supervisor|senior|someone|director|boss",
     CUE_HUMAN, 0},
    {"anyone|someone|somebody|person above|higher|senior", CUE_HUMAN, 0},
    {"transfer|connect|put ... me ... to|through ... your|a|the|another ... "
     "team|department|colleague|someone|person|human|manager|supervisor",
     CUE_HUMAN, 0},
    {"get|bring|fetch your|a|the supervisor|manager|boss|superior", CUE_HUMAN, 0},
    {"quelqu'un|personne au dessus", CUE_HUMAN, 0},
    {"up the chain|ladder", CUE_HUMAN, 0},
    {"have|get|ask someone|somebody|a|an ... "
     "person|agent|human|manager|supervisor|someone|somebody ... call|phone|ring|contact ... me|us",
     CUE_HUMAN, 0},
    {"give me a|an|the ... human|person|manager|supervisor|agent", CUE_HUMAN, 0},
    {"atienda|atender|atiende ... persona|humano|agente|supervisor|gerente", CUE_HUMAN, 0},
    {"jemandem|jemand ... sprechen|reden|verbinden|telefonieren", CUE_HUMAN, 0},
    {"passez|passe|mettez ... moi ... conseiller|responsable|humain|agent|superviseur|quelqu'un",
     CUE_HUMAN, 0},
    {"transfira|transfere|passe|passa ... me|para ... "
     "atendente|gerente|supervisor|humano|pessoa|responsavel",
     CUE_HUMAN, 0},
    {"someone|somebody|person|anyone ... who|that ... can|could|will ... actually|really|properly "
     "... help|fix|sort|do|resolve|deal",
     CUE_HUMAN, 0},
    {"talk|speak|chat|deal ... not|rather|instead ... "
     "bot|bots|robot|robots|machine|automated|script",
     CUE_HUMAN, 0},
    {"in touch with a|an|the|your|_ ... " HUMAN_N, CUE_HUMAN, 0},
    /* "get me someone who knows what they're doing" */
    {"get|find|give me someone|somebody|anyone who|that "
     "knows|know|understands|understand|can|could",
     CUE_HUMAN, 0},
    {"get|bring|fetch|find me a|an|the|your ... "
     "manager|supervisor|human|person|agent|boss|superior|someone|somebody",
     CUE_HUMAN, 0},
    {"want|need|demand|request|require|insist|prefer|wanna ... a|an|the|your|real|actual|live ... "
     "human|manager|supervisor|boss|superior|operator",
     CUE_HUMAN, 0},
    {"where|where's ... your|the|a ... manager|supervisor|human|boss", CUE_HUMAN, 0},
    {"real|actual|live ~human|humans|person|agent|representative|rep|operator", CUE_HUMAN, 1},
    {"human agent|please|pls|now|support|representative|operator|help", CUE_HUMAN, 1},
    {"manager|supervisor|human|boss now|please|pls|asap|immediately", CUE_HUMAN, 0},
    {"escalate|escalating|escalation", CUE_HUMAN, 2},
    {"is|are there|anyone|someone ... a|any|real ... human|person|manager|supervisor|people ... "
     "there|i|who",
     CUE_HUMAN, 1},
    {"someone|somebody senior|competent|responsible|higher|authorized|authorised", CUE_HUMAN, 0},
    {"someone|somebody with ... authority|power", CUE_HUMAN, 0},
    {"someone|somebody|person in charge", CUE_HUMAN, 0},
    {"someone|somebody|anyone from|in senior|upper|_ management", CUE_HUMAN, 0},
    {"team|shift lead|leader look|call|review|check|handle|contact|take|deal", CUE_HUMAN, 0},
    /* "could a member of staff call me back?", "transfer me please" */
    {"member|members of staff|_ ... call|ring|phone|contact ... me|us|back", CUE_HUMAN, 0},
    /* "can someone from your team call me", "I need somebody to ring me back" */
    {"need|needs|want|wants|get|have|demand|require someone|somebody|anyone ... "
     "call|ring|phone ... me|us|back",
     CUE_HUMAN, 0},
    /* "kick this upstairs", "send it higher up" */
    {"kick|send|pass|move|push|bump|take|escalate ... it|this|me|my ... upstairs|higher", CUE_HUMAN,
     0},
    /* "not a bot please", "no more bots": leaving the automated answers, asked for */
    {"no|not|stop|enough ... bot|bots|robot|chatbot|automated|machine ... please|pls|plz",
     CUE_HUMAN, 0},

    {"transfer|connect me please|pls|now|asap", CUE_HUMAN, 0},
    /* "I want this raised with management", "refer my case to someone senior" */
    {"raised|escalated|referred|passed|taken|sent ... with|to ... a|an|the|your|_ ... "
     "manager|supervisor|supervisors|boss|superior|management|senior|leader|director",
     CUE_HUMAN, 0},
    /* "this needs to go to a manager" (adjacent: "going to ask for a manager" is not) */
    {"go|goes to a|an|the|your manager|supervisor|boss|superior|management|senior|director",
     CUE_HUMAN, 0},
    {"connect|transfer|put|pass|hand ... me|this|us ... to|through|over ... a|an|the|your|_ "
     "staff|staffer|employee|colleague|advisor|adviser|human|humans",
     CUE_HUMAN, 0},
    /* "I'd like to raise this with a manager", "a call back from a supervisor" */
    {"raise|discuss|take|bring ... with|to ... a|an|the|your|_ ... "
     "manager|supervisor|supervisors|boss|superior|management",
     CUE_HUMAN, 0},
    {"call|callback|ring ... from ... a|an|the|your|_ "
     "manager|supervisor|boss|superior|senior|human|person",
     CUE_HUMAN, 0},
    /* es */
    {"hablar ... con ... un|una|el|la|algun|alguien|su|tu ... "
     "humano|humana|persona|agente|supervisor|supervisora|gerente|encargado|encargada|responsable|"
     "jefe|jefa|representante|operador",
     CUE_HUMAN, 0},
    {"pasame|paseme|paseme|comuniqueme|transfierame|transfiereme|ponme|pongame ... con", CUE_HUMAN,
     0},
    {"quiero|necesito|exijo ... un|una|el|la|algun ... "
     "humano|persona|agente|supervisor|gerente|encargado|responsable|jefe|gestor",
     CUE_HUMAN, 0},
    {"escalar|escalen|escale|escalado", CUE_HUMAN, 2},
    {"persona real", CUE_HUMAN, 0},
    /* "quiero hablar con alguien de verdad", "tem alguém que possa me atender?" */
    {"con|com|a alguien|alguem|persona|pessoa de verdad|verdade", CUE_HUMAN, 0},
    {"alguien|alguem|persona|pessoa ... atender|atienda|atenda", CUE_HUMAN, 0},
    {"comunicar|comunicarme|comuniquen|comunique|conectar|conectarme|transferir|transferirme|"
     "transfieran ... con ... un|una|el|la|su|algun|_ ... "
     "supervisor|supervisora|gerente|encargado|encargada|responsable|jefe|humano|persona|agente|"
     "operador",
     CUE_HUMAN, 0},
    /* "hay alguien con quien pueda hablar?", "paseme a un supervisor" */
    {"hay alguien|persona|humano ... hablar", CUE_HUMAN, 0},
    {"pase|pasar|paseme|transfiera|transferir|derive|derivar|escale ... a|al|con ... "
     "un|una|su|_ ... supervisor|supervisora|gerente|responsable|superior|encargado|humano",
     CUE_HUMAN, 0},
    /* de */
    {"will|mochte|moechte|verlange|brauche|wunsche|fordere|bitte|sprechen|reden|verbinden ... "
     "vorgesetzten|vorgesetzte|vorgesetzter|teamleiter|teamleiterin|abteilungsleiter|"
     "geschaftsfuhrer|geschaftsleitung|chef|chefin|menschen|mensch|mitarbeiter|mitarbeiterin|"
     "berater|sachbearbeiter|person|manager|supervisor",
     CUE_HUMAN, 0},
    {"mit ... "
     "vorgesetzten|teamleiter|chef|chefin|menschen|mitarbeiter|mitarbeiterin|berater|manager|"
     "person ... sprechen|reden|verbinden|telefonieren",
     CUE_HUMAN, 0},
    {"echten|echte|echter menschen|mensch|person|mitarbeiter", CUE_HUMAN, 0},
    {"eskalieren", CUE_HUMAN, 2},
    /* "leiten Sie das an Ihren Vorgesetzten weiter" */
    {"an ... vorgesetzten|vorgesetzte|teamleiter|teamleiterin|chef|chefin|geschaftsleitung|"
     "manager|supervisor ... weiter|weiterleiten|weitergeben|geben",
     CUE_HUMAN, 0},
    {"weiterleiten|weitergeben|eskalieren ... an ... "
     "vorgesetzten|vorgesetzte|teamleiter|chef|chefin|geschaftsleitung|manager",
     CUE_HUMAN, 0},
    /* fr */
    {"parler ... a|avec ... un|une|le|la|votre|vrai|vraie|_ ... "
     "humain|humaine|personne|conseiller|conseillere|responsable|superviseur|manager|directeur|"
     "agent|operateur|quelqu'un",
     CUE_HUMAN, 0},
    {"veux|voudrais|exige|demande ... un|une|le|la ... "
     "humain|responsable|superviseur|manager|conseiller|personne",
     CUE_HUMAN, 0},
    {"vraie|vrai personne|humain|conseiller|conseillere|agent", CUE_HUMAN, 0},
    {"escalader|remonter ... dossier|demande|plainte", CUE_HUMAN, 2},
    /* "pouvez-vous me passer un conseiller ?" */
    {"passer|passez|transferer|transferez|mettre|mettez ... "
     "conseiller|conseillere|responsable|superviseur|humain|manager|superieur",
     CUE_HUMAN, 0},
    /* "merci de transmettre mon dossier a un responsable" */
    {"transmettre|transmettez|transferer|transferez|remonter|remontez ... a|au ... "
     "un|une|votre|le|la|_ ... responsable|superviseur|manager|superieur|hierarchie|direction",
     CUE_HUMAN, 0},
    /* pt */
    {"falar ... com ... um|uma|o|a|algum|alguem|seu|sua ... "
     "humano|humana|pessoa|atendente|gerente|supervisor|supervisora|responsavel|chefe|agente|"
     "operador|alguem",
     CUE_HUMAN, 0},
    {"quero|preciso|exijo ... um|uma|o|a ... "
     "humano|atendente|gerente|supervisor|responsavel|pessoa",
     CUE_HUMAN, 0},
    {"pessoa de verdade|real", CUE_HUMAN, 0},
    {"escalar|escalem|escalonar", CUE_HUMAN, 2},
    /* "por favor, encaminhe para um supervisor" */
    {"encaminhe|encaminhar|encaminha|transfira|transferir ... para ... "
     "um|uma|o|a|seu|sua|_ ... supervisor|gerente|responsavel|superior|atendente|humano",
     CUE_HUMAN, 0},
    /* another role: "my manager asked me", praise for a named person, "account manager" */
    {"my|our|store|account|project|office|hiring|property|branch|general|line|area|relationship|"
     "community|success|regional ... manager|managers|supervisor|boss ... "
     "asked|said|wants|told|needs|approved|was|is|has|helped|thanks|thank|great|lovely|kind|"
     "brilliant|helpful|name",
     CUE_HUMAN_VETO, 0},
    {"thank|thanks|kudos|praise|compliment*|shout", CUE_HUMAN_VETO, 1},
    /* a person as data: "update the supervisor on my business account" */
    {"update|change|add|remove|assign|set|edit|replace the|a|our|my|_ "
     "supervisor|manager|admin|administrator",
     CUE_HUMAN_VETO, 7},
    {"number|hotline|address|hours|opening|wholesale|partnership|partnerships|bulk|marketing|"
     "spanish|french|german|portuguese|language|languages",
     CUE_HUMAN_VETO, 2},
    {"how do|can|does|to|would", CUE_HUMAN_VETO, 4},
    {"workflow|workflows|policy|policies|feature|features|task|tasks|alert|alerts|stage|rule|rules|"
     "automation|automations|step|steps|option|setting|settings",
     CUE_HUMAN_VETO, 4},
    {"manager|supervisor|admin|agent "
     "dashboard|role|roles|app|view|portal|page|settings|tool|permissions|permission|access|mode|"
     "console|panel|account|login|seat|seats|license|licence|software",
     CUE_HUMAN_VETO, 5},
    /* praise: "who's your manager of the year?" */
    {"of the year|month|week|day", CUE_HUMAN_VETO, 9},
    /* a call to book something, not a person to take the case: "can someone call me to
     * arrange the installation date?" */
    {"to arrange|schedule|book|reschedule|organise|organize|confirm", CUE_HUMAN_VETO, 8},
    {"escalated|escalates|escalating quickly|fast|into", CUE_HUMAN_VETO, 3},
    {"situation|things ... escalated|escalates", CUE_HUMAN_VETO, 3},
    {"is|are|am this|you|i ... a|an|_ real|human|bot|robot|person", CUE_HUMAN_VETO, 6},
    {"cv|resume|job|jobs|career|careers|apply|vacancy|vacancies|hiring|intern|internship|volunteer",
     CUE_HUMAN_VETO, 6},
    {"human review|reviewer|resources|error|rights|nature|body", CUE_HUMAN_VETO, 6},

    /* ---- REPEAT_CONTACT: stated earlier contacts (value: how many) ---- */
    {CONTACT_V
     " ... "
     "twice|times|repeatedly|again|before|already|previously|earlier|numerous|several|multiple",
     CUE_REPEAT, 1},
    {CONTACT_V " ... " MANY " ... times|occasions|occassions", CUE_REPEAT, 2},
    {CONTACT_V " ... twice|repeatedly|2x|3x|4x|5x|6x|10x", CUE_REPEAT, 2},
    {"twice|repeatedly|several|multiple|many|numerous|countless ... times|already ... " CONTACT_V,
     CUE_REPEAT, 2},
    {MANY " phone|separate|different|more|long|earlier|previous|prior|_ " CONTACT_NP, CUE_REPEAT,
     2},
    {"opened|raised|submitted|logged|filed|created|sent|made|lodged ... " MANY
     " ... tickets|cases|requests|complaints|emails|claims|reports",
     CUE_REPEAT, 2},
    {"and|or the week|day|month|time before", CUE_REPEAT_TIME, 2},
    /* "I've asked you to cancel my meal plan 3 times": a count of times, about contacting */
    {MANY " times|occasions", CUE_REPEAT_TIME, 2},
    {"on the phone|line|hold ... " MANY " times", CUE_REPEAT, 2},
    {MANY " of your|the ... "
          "agents|people|staff|advisors|advisers|representatives|reps|colleagues|operators",
     CUE_REPEAT, 2},
    {MANY " support|customer|service ... tickets", CUE_REPEAT, 2},
    {"every|each|any time|times|single|call ... i|we ... " CONTACT_V, CUE_REPEAT, 2},
    {"every|each call|chat|email|agent|conversation", CUE_REPEAT, 2},
    {"every|each single call|chat|email|agent|conversation|person|rep|time", CUE_REPEAT, 2},
    /* "I've spoken to four of you", "twice I was promised a callback" */
    {CONTACT_V " ... " MANY " of you", CUE_REPEAT, 2},
    {"twice ... promised|told|assured|called|emailed|contacted|rang|phoned|chased|asked",
     CUE_REPEAT, 2},
    {"app|online|website|link|form|button|clicked|clicking|unsubscribe|unsubscribed|portal|self-"
     "service",
     CUE_REPEAT_VETO, 0},
    {"you|they|it|he|she|your keep|keeps|kept", CUE_REPEAT_VETO, 1},
    {"in|during|within one|a|the single|same|_ call|chat|session|conversation|go|visit",
     CUE_REPEAT_VETO, 2},
    {"second|2nd phone|support|_ " CONTACT_N "|time|attempt", CUE_REPEAT_TIME, 1},
    {"third|fourth|fifth|sixth|seventh|tenth|umpteenth|nth|3rd|4th|5th|6th|7th|8th|10th|twentieth|"
     "hundredth phone|support|_ " CONTACT_N "|time|attempt",
     CUE_REPEAT_TIME, 2},
    {"troisieme|quatrieme|cinquieme appel|message|mail|relance|courriel|demande", CUE_REPEAT, 2},
    {"dritte|vierte|funfte|dritten|vierten "
     "nachricht|e-mail|mail|anfrage|beschwerde|anruf|mahnung|email",
     CUE_REPEAT, 2},
    {"tercer|cuarto|tercera|cuarta llamada|correo|mensaje|reclamacion|email", CUE_REPEAT, 2},
    {"terceira|quarta|terceiro|quarto ligacao|email|mensagem|reclamacao|contato|contacto|pedido",
     CUE_REPEAT, 2},
    {MANY " different|separate|_ "
          "agents|people|advisors|advisers|representatives|reps|staff|operators|colleagues",
     CUE_REPEAT, 2},
    {"yet|once again " CONTACT_V, CUE_REPEAT, 1},
    {"already|previously|earlier|before ... " CONTACT_V, CUE_REPEAT, 1},
    {"last|previous|earlier|prior|other|former|original " CONTACT_N, CUE_REPEAT, 1},
    {"last|previous|earlier|prior|past " MANY " " CONTACT_NP "|tickets|cases|calls", CUE_REPEAT, 2},
    /* "I've been in touch four times", "chased it on Monday and again on Wednesday" */
    {"in touch|contact ... " MANY " ... times|occasions", CUE_REPEAT, 2},
    {"and|then again on|last|yesterday|today|this|later|by", CUE_REPEAT_TIME, 2},
    /* "both of my previous tickets were closed", "all my earlier emails" */
    {"both|all of|_ my|the|our|your previous|earlier|prior|last|other|former "
     "tickets|cases|" CONTACT_NP,
     CUE_REPEAT, 2},
    /* two phrases: alternatives are single words, so "over and over|again and again"
     * read as one pattern matched neither */
    {"over and over", CUE_REPEAT, 2},
    /* "yet again I'm chasing": again after an again */
    {"yet again", CUE_REPEAT_TIME, 2},
    {"again and again", CUE_REPEAT, 2},
    {"second|2nd follow|followup|chase|chaser|reminder|nudge", CUE_REPEAT, 2},
    /* "For the third time: ..." opening a sentence says it to the company again; inside
     * one ("broken down for the fourth time") it counts incidents, not contacts */
    {"for the third|fourth|fifth|sixth|tenth|umpteenth|nth|3rd|4th|5th|6th|10th|hundredth time",
     CUE_REPEAT_OPENER, 2},
    {CONTACT_V " ... every|each day|week|morning|evening|night", CUE_REPEAT, 2},
    {"how many times ... do|have|must|should|am|will ... i|we ... "
     "call|tell|explain|ask|repeat|chase|contact|email|write|ring|phone|complain|go",
     CUE_REPEAT, 2},
    {"keep|keeps|kept|still "
     "calling|emailing|chasing|contacting|writing|asking|ringing|phoning|explaining|complaining",
     CUE_REPEAT, 2},
    {"back and forth", CUE_REPEAT_TIME, 2},
    {"ticket|case|reference|ref ... numbers|ids", CUE_REPEAT, 2},
    /* es */
    {"llamado|llame|escrito|escribi|contactado|contacte|reclamado|reclame|llamando|escribiendo ... "
     "varias|muchas|tres|cuatro|cinco|dos|mil|repetidas ... veces",
     CUE_REPEAT, 2},
    {"varias|muchas|tres|cuatro|cinco|dos|mil|repetidas veces", CUE_REPEAT_TIME, 2},
    {"tercera|cuarta|quinta|enesima vez", CUE_REPEAT_TIME, 2},
    {"segunda vez", CUE_REPEAT_TIME, 1},
    {"varias|muchas|tres|cuatro|dos|multiples "
     "llamadas|correos|mensajes|reclamaciones|quejas|tickets|emails|mails|e-mails",
     CUE_REPEAT, 2},
    {"ya|otra|de ... vez|he|nuevo ... llamado|escrito|contactado|reclamado|llamo|escribo",
     CUE_REPEAT, 1},
    /* de */
    {"zweimal|dreimal|viermal|funfmal|mehrmals|mehrfach|zigmal|oft|ofter|wiederholt|x-mal|"
     "hundertmal|tausendmal ... "
     "angerufen|geschrieben|kontaktiert|gemeldet|gemailt|nachgefragt|reklamiert|beschwert|anrufe|"
     "schreibe|melde|gekundigt|geschickt|gesendet|mitgeteilt|storniert",
     CUE_REPEAT, 2},
    {"mehrere|viele|drei|vier|funf|zwei|zahlreiche|unzahlige "
     "e-mails|emails|mails|anrufe|tickets|nachrichten|beschwerden|anfragen|male",
     CUE_REPEAT, 2},
    {"zum|das dritten|vierten|funften|x-ten|zigsten|dritte|vierte|funfte mal", CUE_REPEAT, 2},
    {"zum|das zweiten|zweite mal", CUE_REPEAT_TIME, 1},
    {"schon|bereits|erneut|wieder ... "
     "angerufen|geschrieben|kontaktiert|gemeldet|gemailt|nachgefragt|reklamiert",
     CUE_REPEAT, 1},
    /* fr */
    {"appele|ecrit|contacte|relance|telephone|reclame ... "
     "plusieurs|trois|quatre|deux|cinq|nombreuses|maintes|mille ... fois|reprises",
     CUE_REPEAT, 2},
    {"plusieurs|trois|quatre|deux|cinq|nombreuses|maintes|mille fois|reprises", CUE_REPEAT_TIME, 2},
    {"troisieme|quatrieme|cinquieme|enieme|nieme fois|relance", CUE_REPEAT_TIME, 2},
    {"deuxieme|seconde fois|relance", CUE_REPEAT_TIME, 1},
    {"plusieurs|trois|quatre|deux|nombreux|multiples "
     "appels|mails|e-mails|courriels|messages|reclamations|tickets|relances",
     CUE_REPEAT, 2},
    {"deja|encore|nouveau ... appele|ecrit|contacte|relance|reclame", CUE_REPEAT, 1},
    /* pt */
    {"liguei|escrevi|contatei|contactei|reclamei|mandei|enviei|entrei ... "
     "varias|tres|quatro|cinco|duas|muitas|mil|diversas ... vezes",
     CUE_REPEAT, 2},
    {"varias|tres|quatro|cinco|duas|muitas|mil|diversas vezes", CUE_REPEAT_TIME, 2},
    {"terceira|quarta|quinta|enesima vez", CUE_REPEAT_TIME, 2},
    {"segunda vez", CUE_REPEAT_TIME, 1},
    {"varias|muitas|tres|quatro|duas|diversas "
     "ligacoes|chamadas|emails|mensagens|reclamacoes|protocolos|mails|e-mails",
     CUE_REPEAT, 2},
    {"ja|novamente ... liguei|escrevi|contatei|contactei|reclamei", CUE_REPEAT, 1},
    /* a word that makes "the third time" about contacting */
    {CONTACT_V
     "|" CONTACT_N
     "|llamo|llamada|escribo|contacto|pregunto|pido|reclamo|anrufe|schreibe|melde|anruf|frage|rufe|"
     "appelle|ecris|contacte|demande|relance|ligo|escrevo|ligacao|contato|peco|pergunto|someone|"
     "somebody|agent|agents|support|helpdesk|hold|disconnected|transferred|explain|explaining|"
     "explained|repeat|repeating|telling|chasing|chase",
     CUE_CONTACT_WORD, 0},
    /* "round three of chasing you": a count of attempts, about contacting only with a
     * contact word in the clause */
    {"round|attempt|try three|four|five|six|3|4|5|6", CUE_REPEAT_TIME, 2},
    {"cut|hung off|up", CUE_CONTACT_WORD, 0},

    /* ---- the contacts led nowhere (with two or more: a resigned complaint) ---- */
    {"still|nothing|nada|nichts|rien|nobody|noone|no-one|never|ainda|todavia|toujours|"
     "isn't|isnt|hasn't|hasnt|haven't|havent|wasn't|wasnt|didn't|didnt|won't|wont|doesn't|"
     "doesnt|nenhum|nenhuma|kein|keine|keinen|ningun|ninguna|ninguno|jamais|nunca|nie",
     CUE_UNRESOLVED, 0},
    {"no|zero|without|sin|sem|ohne|sans|any|not any|aucune|aucun|ninguna|ningun|nenhuma|nenhum|"
     "keine|keinerlei|a|an|real|single|_ answer|answers|reply|replies|response|responses|"
     "update|updates|resolution|fix|luck|joy|progress|callback|solution|result|results|one|change|"
     "respuesta|resposta|antwort|reponse|solucion|solucao|losung",
     CUE_UNRESOLVED, 0},
    {"same|identical answer|result|story|response|reply|thing|outcome|excuse|script|runaround",
     CUE_UNRESOLVED, 0},
    {"noch immer|nicht", CUE_UNRESOLVED, 0},

    /* ---- P1/P2 signals for triage ---- */
    {"injured|injury|injuries|bleeding|hospitalised|hospitalized|electrocut*|exploded|explosion|"
     "explodes|overheating|overheated|overheats|melted|melting|choking|choked|poisoning|poisoned|"
     "contaminated|contamination|anaphyla*|mold|mould|mouldy|moldy|toxic|fumes|unsafe|dangerous|"
     "hazard|hazardous|stitches|vomiting|vomited|sparks|sparking|sparked|scalded|scald|burns",
     CUE_SAFETY, 0},
    {"burn|burned|burnt|hurt|injur*|scald* ... "
     "my|his|her|their|our|me|him|child|children|kid|kids|son|daughter|baby|hand|hands|finger|"
     "fingers|face|arm|arms|leg|legs|skin|mouth|eye|eyes|himself|herself|myself|themselves",
     CUE_SAFETY, 0},
    {"caught|on|started|starting fire", CUE_SAFETY, 0},
    {"fire hazard|risk|started|department|brigade", CUE_SAFETY, 0},
    {"smoke|smoking|smoked ... from|coming|came|out|started|pouring|filled|everywhere", CUE_SAFETY,
     0},
    {"smell|smells|smelled|smelt|smelling ... smoke|burning|gas", CUE_SAFETY, 0},
    {"gas leak|leaking|smell", CUE_SAFETY, 0},
    {"carbon monoxide", CUE_SAFETY, 0},
    {"electric|electrical shock|shocks", CUE_SAFETY, 0},
    {"allergic reaction", CUE_SAFETY, 0},
    {"food poisoning", CUE_SAFETY, 0},
    {"got|made|became|fell|getting|making ... sick|ill", CUE_SAFETY, 0},
    {"ended|end up|_ in hospital", CUE_SAFETY, 0},
    {"glass|shards|metal|needle ... in|inside ... the|my ... "
     "food|meal|product|box|drink|bottle|packet",
     CUE_SAFETY, 0},
    {"herido|herida|heridos|quemadura|quemaduras|quemado|incendio|humo|fuego|chispas|explot*|"
     "intoxicacion|intoxicado|hospitalizado",
     CUE_SAFETY, 0},
    {"descarga electrica", CUE_SAFETY, 0},
    {"verletzt|verletzung|verletzungen|verbrannt|brandgefahr|brandgeruch|feuer|rauch|funken|"
     "explodiert|stromschlag|vergiftung|krankenhaus",
     CUE_SAFETY, 0},
    {"blesse|blessee|blessure|blessures|brulure|brulures|incendie|fumee|feu|etincelles|explose|"
     "electrocute|intoxication|hopital",
     CUE_SAFETY, 0},
    {"ferido|ferida|queimadura|queimou|incendio|fumaca|fogo|faiscas|explodiu|choque|intoxicacao",
     CUE_SAFETY, 0},
    {"hacked|hack|hacker|hackers|compromised|phishing|phished|fraud|fraudulent|fraudster|"
     "fraudsters|scammer|scammers|scammed|stolen|stole|theft|unauthori*|takeover|breach|breached",
     CUE_SECURITY, 0},
    {"someone|somebody|stranger|hacker|hackers ... "
     "logged|accessed|changed|used|withdrew|took|transferred|spent|hacked|stole|emptied|got",
     CUE_SECURITY, 1},
    {"lost|missing|stolen ... card|cards|wallet|purse", CUE_SECURITY, 1},
    {"didn't|never|not|didnt ... authori*|approve|approved", CUE_SECURITY, 0},
    {"didn't|never|not|didnt ... make|made|place|placed|order|ordered|buy|bought ... "
     "this|these|those|that ... "
     "transaction*|charge*|purchase*|payment*|withdrawal*|transfer*|order|orders",
     CUE_SECURITY, 0},
    {"don't|not|dont ... recogni*", CUE_SECURITY, 1},
    {"gehackt|betrug|gestohlen|unbefugt*|hackeado|hackeada|fraude|robada|robado|robados|pirate|"
     "piratee|volee|roubado|roubada|invadida|invadido|clonado|clonada",
     CUE_SECURITY, 0},
    {"outage|outages|downtime", CUE_OUTAGE, 0},
    {"site|website|app|service|services|system|systems|platform|server|servers|api|everything|"
     "network|portal|dashboard|checkout|production|prod|pos|terminal|terminals "
     "is|are|went|been|'s|still|_ completely|totally|all|still|_ "
     "down|offline|unavailable|unreachable",
     CUE_OUTAGE, 0},
    {"nobody|noone|none|no ... of|in|on|at|_ ... our|my|the|us ... "
     "users|customers|staff|employees|team|office|company|business|stores|shops|clients|agents|"
     "locations|sites|branches|one ... can|could|is|has|was",
     CUE_OUTAGE, 0},
    {"everyone|everybody|all|entire|whole|company-wide ... our|of|my|the|in ... "
     "users|customers|staff|employees|team|office|company|business|stores|shops|clients|agents|"
     "locations|sites|branches|area|street|neighbourhood|neighborhood ... "
     "can't|cannot|unable|lost|without|down|offline|affected",
     CUE_OUTAGE, 0},
    {"down for everyone|everybody|all|hours|whole", CUE_OUTAGE, 0},
    {"caido|caida|caidos|apagon|ausfall|ausgefallen|storung|panne|queda|indisponible|indisponivel",
     CUE_OUTAGE, 0},
    {"fora do ar", CUE_OUTAGE, 0},
    {"tomorrow|tonight|tmrw|tomorrow's", CUE_DEADLINE, 0},
    {"by|before|until|till|for|due next|coming|this|_ "
     "monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|eod|eow",
     CUE_DEADLINE, 0},
    {"end of the|_ day|week|month", CUE_DEADLINE, 0},
    {"within|in|next ... hours|days|hrs|dias|tagen|jours|horas|stunden|heures", CUE_DEADLINE, 0},
    {"deadline|deadlines", CUE_DEADLINE, 0},
    {"due today|tomorrow|on|by|date|monday|tuesday|wednesday|thursday|friday|saturday|sunday|this",
     CUE_DEADLINE, 0},
    {"by|before|until today|tonight|noon|midnight", CUE_DEADLINE, 0},
    {"manana|morgen|demain|amanha", CUE_DEADLINE, 0},
    {"bis|hasta|avant|ate|para|fur|pour|el|am|le ... "
     "lunes|martes|miercoles|jueves|viernes|montag|dienstag|mittwoch|donnerstag|freitag|lundi|"
     "mardi|mercredi|jeudi|vendredi|segunda|terca|quarta|quinta|sexta",
     CUE_DEADLINE, 0},
    {"frist|plazo|prazo|echeance", CUE_DEADLINE, 0},
    {"guten|esta|por|la|de|am|this|every|des|pela|da morgen|manana|matin|manha|morning|mananas",
     CUE_DEADLINE_VETO, 0},

    /* ---- other threats/ultimatums (the predictor's "threat") ---- */
    {"or|otherwise|else ... i|i'll|we|we'll|will ... "
     "cancel|leave|close|switch|dispute|chargeback|report|stop|take|go|move|never",
     CUE_THREAT, 0},
    {"or else", CUE_THREAT, 0},
    {"last|final chance|warning", CUE_THREAT, 0},
};
const size_t CS_CUE_LEXICON_N = sizeof(CS_CUE_LEXICON) / sizeof(CS_CUE_LEXICON[0]);
