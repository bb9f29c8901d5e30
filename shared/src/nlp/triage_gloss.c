/* English glosses for Spanish, German, French and Portuguese support words
 * (cs_triage_gloss, cs/triage.h).
 *
 * Why: the labelled corpus holds a few hundred non-English tickets against more than a
 * thousand English ones, so the category model learns "refund" from many examples and
 * "reembolso", "Erstattung", "remboursement" from a handful. Appending the English word
 * for the support vocabulary lets the non-English tickets share the English evidence;
 * the model still sees the original words and their character n-grams. No Debian
 * package carries a bilingual support lexicon small enough to run inside the 150 us
 * budget, so the list below is written for the project: general vocabulary of the
 * issue categories (LABELLING.md), never phrases from the corpus.
 *
 * An entry ending in '*' matches words starting with it; otherwise the whole word.
 * Matching is on lower-cased words (ASCII and the Latin-1 capitals of UTF-8).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/triage_int.h"

struct gloss {
    const char *key, *en;
};

static struct gloss LEX[] = {
    /* refund, money back */
    {"reembols*", "refund"}, {"devoluci*", "refund return"}, {"devolv*", "return refund"},
    {"estorn*", "refund"}, {"devoluç*", "refund return"}, {"rembours*", "refund"},
    {"erstatt*", "refund"}, {"rückerstatt*", "refund"}, {"zurückerstatt*", "refund"},
    {"dinero", "money"}, {"dinheiro", "money"}, {"argent", "money"}, {"geld", "money"},
    /* billing */
    {"cobr*", "charged"}, {"cargo", "charge"}, {"cargos", "charges"}, {"factur*", "invoice bill"},
    {"fatura*", "invoice bill"}, {"rechnung*", "invoice bill"}, {"prélev*", "charged"},
    {"débit*", "charged"}, {"abbuch*", "charged"}, {"abgebucht", "charged"}, {"belast*", "charged"},
    {"gebühr*", "fee"}, {"comisi*", "fee"}, {"tarifa", "fee"}, {"frais", "fee"}, {"taxa*", "fee"},
    {"duplicad*", "twice duplicate"}, {"doppelt*", "twice duplicate"}, {"zweimal", "twice"},
    {"veces", "times"}, {"vezes", "times"}, {"fois", "times"}, {"pago*", "payment"},
    {"pagamento*", "payment"}, {"paiement*", "payment"}, {"zahlung*", "payment"},
    {"tarjeta", "card"}, {"cartão", "card"}, {"cartao", "card"}, {"carte", "card"}, {"karte", "card"},
    {"kreditkarte", "card"}, {"precio", "price"}, {"preço", "price"}, {"prix", "price"},
    {"preis", "price"}, {"importe", "amount"}, {"montant", "amount"}, {"betrag", "amount"},
    {"valor", "amount"}, {"transferencia", "transfer"}, {"transferência", "transfer"},
    {"virement", "transfer"}, {"überweisung", "transfer"},
    /* shipping */
    {"pedido*", "order"}, {"encomenda*", "order parcel"}, {"commande*", "order"},
    {"bestellung*", "order"}, {"bestellt", "ordered"}, {"paquete*", "parcel package"},
    {"pacote*", "parcel package"}, {"colis", "parcel package"}, {"paket*", "parcel package"},
    {"sendung*", "parcel shipment"}, {"entrega*", "delivery"}, {"entregue", "delivered"},
    {"entregad*", "delivered"}, {"envío", "shipping"}, {"envio", "shipping"}, {"enviad*", "shipped"},
    {"livraison", "delivery"}, {"livr*", "delivered"}, {"lieferung*", "delivery"},
    {"geliefert", "delivered"}, {"zustell*", "delivery"}, {"versand*", "shipping"},
    {"seguimiento", "tracking"}, {"rastreamento", "tracking"}, {"rastreio", "tracking"},
    {"suivi", "tracking"}, {"sendungsverfolgung", "tracking"}, {"llegad*", "arrived"},
    {"llegó", "arrived"}, {"llega*", "arrive"}, {"chegou", "arrived"}, {"cheg*", "arrive"},
    {"arrivé*", "arrived"}, {"angekommen", "arrived"}, {"erhalten", "received"},
    {"recibid*", "received"}, {"recebi*", "received"}, {"reçu*", "received"},
    {"dirección", "address"}, {"endereço", "address"}, {"adresse", "address"},
    {"transportista", "courier"}, {"transportadora", "courier"}, {"transporteur", "courier"},
    {"kurier", "courier"}, {"zoll", "customs"}, {"aduana", "customs"}, {"alfândega", "customs"},
    {"douane", "customs"}, {"retraso", "late delay"}, {"atraso", "late delay"},
    {"atrasad*", "late"}, {"retard*", "late delay"}, {"verspät*", "late delay"},
    {"equivocad*", "wrong"}, {"errad*", "wrong"}, {"falsch*", "wrong"}, {"mauvais", "wrong"},
    /* product quality */
    {"roto", "broken"}, {"rota", "broken"}, {"rotos", "broken"}, {"quebrad*", "broken"},
    {"cassé*", "broken"}, {"kaputt*", "broken"}, {"defectuos*", "defective"},
    {"defeituos*", "defective"}, {"défectueu*", "defective"}, {"defekt*", "defective"},
    {"dañad*", "damaged"}, {"danificad*", "damaged"}, {"endommag*", "damaged"},
    {"abîmé*", "damaged"}, {"beschädig*", "damaged"}, {"calidad", "quality"},
    {"qualidade", "quality"}, {"qualité", "quality"}, {"qualität", "quality"},
    {"garantía", "warranty"}, {"garantia", "warranty"}, {"garantie", "warranty"},
    {"reemplaz*", "replacement"}, {"sustitu*", "replacement"}, {"substitu*", "replacement"},
    {"troca*", "replacement exchange"}, {"remplac*", "replacement"}, {"échange*", "exchange"},
    {"ersatz*", "replacement"}, {"austausch*", "replacement"}, {"umtausch*", "exchange"},
    {"fuga", "leak"}, {"vaza*", "leak"}, {"fuit*", "leak"}, {"undicht", "leak"},
    {"producto", "product item"}, {"produto", "product item"}, {"produit", "product item"},
    {"produkt", "product item"}, {"artículo", "item"}, {"artikel", "item"},
    {"pantalla", "screen"}, {"tela", "screen"}, {"écran", "screen"}, {"bildschirm", "screen"},
    {"batería", "battery"}, {"bateria", "battery"}, {"batterie", "battery"}, {"akku", "battery"},
    {"enciende", "power on"}, {"liga", "power on"}, {"allume", "power on"},
    /* subscription */
    {"suscrip*", "subscription"}, {"assinatura*", "subscription"}, {"abonnement*", "subscription"},
    {"abo", "subscription"}, {"abonn*", "subscription"}, {"mitgliedschaft", "membership"},
    {"membresía", "membership"}, {"plano", "plan"}, {"forfait", "plan"}, {"tarif", "plan tariff"},
    {"renovaci*", "renewal"}, {"renovaç*", "renewal"}, {"renouvel*", "renewal"},
    {"verlänger*", "renewal"}, {"mensual*", "monthly"}, {"mensal*", "monthly"},
    {"mensuel*", "monthly"}, {"monatlich*", "monthly"}, {"anual*", "annual"}, {"annuel*", "annual"},
    {"jährlich*", "annual"}, {"cambiar", "change"}, {"mudar", "change"}, {"changer", "change"},
    {"wechseln", "change switch"}, {"pausar", "pause"}, {"pausieren", "pause"},
    /* cancellation */
    {"cancel*", "cancel"}, {"anular", "cancel"}, {"baja", "cancel"}, {"annul*", "cancel"},
    {"résili*", "cancel terminate"}, {"kündig*", "cancel terminate"}, {"storn*", "cancel"},
    {"abbestell*", "cancel"}, {"rescindir", "cancel terminate"}, {"encerrar", "close"},
    {"fermer", "close"}, {"schließen", "close"}, {"eliminar", "delete"}, {"excluir", "delete"},
    {"supprimer", "delete"}, {"löschen", "delete"}, {"borrar", "delete"}, {"contrato", "contract"},
    {"contrat", "contract"}, {"vertrag*", "contract"},
    /* account */
    {"cuenta", "account"}, {"conta", "account"}, {"compte", "account"}, {"konto", "account"},
    {"kundenkonto", "account"}, {"contraseña", "password"}, {"senha", "password"},
    {"passwort", "password"}, {"kennwort", "password"}, {"iniciar", "log in"}, {"sesión", "login"},
    {"acceder", "access log in"}, {"acesso", "access"}, {"accès", "access"}, {"connecter", "log in"},
    {"connexion", "login connection"}, {"anmeld*", "log in"}, {"einloggen", "log in"},
    {"bloquead*", "locked blocked"}, {"bloqué*", "locked blocked"}, {"gesperrt", "locked blocked"},
    {"sperr*", "block"}, {"código", "code"}, {"codigo", "code"}, {"verifica*", "verification"},
    {"vérifi*", "verification"}, {"verifizier*", "verification"}, {"identidad", "identity"},
    {"identidade", "identity"}, {"identité", "identity"}, {"identität", "identity"},
    {"hacke*", "hacked"}, {"pirat*", "hacked"}, {"fraude", "fraud"}, {"betrug", "fraud"},
    {"robad*", "stolen"}, {"roubad*", "stolen"}, {"volé*", "stolen"}, {"gestohlen", "stolen"},
    {"perdid*", "lost"}, {"perdu*", "lost"}, {"verloren", "lost"}, {"autoriz*", "authorised"},
    {"autoris*", "authorised"}, {"autorisiert", "authorised"}, {"reconozco", "recognise"},
    {"reconheço", "recognise"}, {"reconnais", "recognise"}, {"datos", "data"}, {"dados", "data"},
    {"données", "data"}, {"daten", "data"}, {"correo", "email"}, {"teléfono", "phone"},
    {"telefone", "phone"}, {"téléphone", "phone"}, {"telefon*", "phone"},
    /* technical */
    {"aplicaci*", "app"}, {"aplicativo", "app"}, {"applicati*", "app"}, {"appli", "app"},
    {"error", "error"}, {"erro", "error"}, {"erreur", "error"}, {"fehler*", "error"},
    {"falla", "fails"}, {"falha", "fails"}, {"funciona", "works"}, {"fonctionne", "works"},
    {"marche", "works"}, {"funktioniert", "works"}, {"cierra", "closes crashes"},
{"plante", "crashes"}, {"abstürz*", "crashes"},
    {"stürzt", "crashes"}, {"trava*", "freezes"}, {"congela", "freezes"}, {"bloque", "freezes"},
    {"lento", "slow"}, {"lenta", "slow"}, {"langsam", "slow"},
    {"conexión", "connection"}, {"conexão", "connection"}, {"verbindung", "connection"},
    {"internet", "internet"}, {"señal", "signal"}, {"sinal", "signal"}, {"réseau", "network"},
    {"netz*", "network"}, {"caíd*", "down outage"}, {"panne", "outage down"},
    {"ausfall", "outage down"}, {"störung", "outage fault"}, {"actualiza*", "update"},
    {"atualiza*", "update"}, {"mise", "update"}, {"aktualisier*", "update"}, {"pagina", "page"},
    {"página", "page"}, {"seite", "page"}, {"sitio", "website"}, {"site", "website"},
    {"webseite", "website"}, {"configur*", "configure settings"}, {"einstell*", "settings"},
    {"sincroniz*", "sync"}, {"synchronis*", "sync"}, {"installer", "install"}, {"instal*", "install"},
    /* complaint */
    {"queja*", "complaint"}, {"reclamaci*", "complaint"}, {"reclamaç*", "complaint"},
    {"reclama*", "complaint"}, {"plainte*", "complaint"}, {"réclamation*", "complaint"},
    {"beschwerde*", "complaint"}, {"grosero*", "rude"}, {"maleducad*", "rude"},
    {"grossier*", "rude"}, {"impoli*", "rude"}, {"unhöflich*", "rude"}, {"mal-educad*", "rude"},
    {"atención", "service"}, {"atendimento", "service"}, {"atendente", "agent"},
    {"agente", "agent"}, {"conseiller", "agent"}, {"mitarbeiter*", "staff agent"},
    {"empleado*", "staff"}, {"funcionári*", "staff"}, {"técnico", "technician"},
    {"technicien", "technician"}, {"techniker", "technician"}, {"espera*", "waiting"},
    {"attente", "waiting"}, {"warte*", "waiting"}, {"engañ*", "misled"}, {"enganad*", "misled"},
    {"trompé*", "misled"}, {"irreführ*", "misled"}, {"publicidad", "marketing"},
    {"publicité", "marketing"}, {"werbung", "marketing"},
    /* general inquiry */
    {"información", "information"}, {"informação", "information"}, {"informações", "information"},
    {"renseignement*", "information"}, {"auskunft", "information"}, {"pregunta", "question"},
    {"pergunta", "question"}, {"frage", "question"}, {"horario*", "opening hours"},
    {"horário*", "opening hours"}, {"horaires", "opening hours"}, {"öffnungszeit*", "opening hours"},
    {"tienda*", "store"}, {"loja*", "store"}, {"magasin*", "store"}, {"filiale*", "store"},
    {"disponib*", "available stock"}, {"verfügbar*", "available stock"}, {"stock", "stock"},
    {"estoque", "stock"}, {"lager*", "stock"}, {"compatib*", "compatible"}, {"kompatib*", "compatible"},
    {"gracias", "thanks"}, {"obrigad*", "thanks"}, {"merci", "thanks"}, {"danke", "thanks"},
    {"excelente", "excellent"}, {"excellent*", "excellent"}, {"ausgezeichnet", "excellent"},
    {"função", "feature"}, {"función", "feature"}, {"fonction*", "feature"}, {"funktion*", "feature"},
    {"sugerencia*", "suggestion"}, {"sugestão", "suggestion"}, {"suggestion*", "suggestion"},
    {"vorschlag*", "suggestion"},
    /* second round, from the training tickets' cross-validation errors (general words) */
    {"maleta*", "baggage suitcase"}, {"koffer*", "baggage suitcase"},
    {"valise*", "baggage suitcase"}, {"bagag*", "baggage"}, {"equipaje", "baggage"},
    {"gepäck*", "baggage"}, {"vuelo*", "flight"}, {"voo", "flight"},
    {"flug*", "flight"}, {"reserva*", "booking"}, {"réservation*", "booking"}, {"buchung*", "booking"},
    {"habitación", "room"}, {"quarto", "room"}, {"chambre", "room"}, {"zimmer", "room"},
    {"talla", "size"}, {"tamanho", "size"}, {"taille", "size"}, {"größe", "size"},
    {"mandado", "sent"}, {"enviaron", "sent"}, {"enviado*", "sent"}, {"envoyé*", "sent"},
    {"geschickt", "sent"}, {"enviem", "send"}, {"enviar", "send"}, {"envoyer", "send"},
    {"senden", "send"}, {"envíos", "shipping delivery"}, {"envios", "shipping delivery"},
    {"reparto", "delivery"}, {"livreur*", "courier driver"}, {"repartidor*", "courier driver"},
    {"entregador*", "courier driver"}, {"fahrer*", "courier driver"},
    {"cómo", "how"}, {"como", "how"}, {"wie", "how"},
    {"exportar", "export"}, {"exporter", "export"}, {"exportieren", "export"},
    {"notificaci*", "notifications"}, {"notificaç*", "notifications"}, {"notification*", "notifications"},
    {"benachrichtigung*", "notifications"}, {"integraci*", "integration"}, {"integraç*", "integration"},
    {"intégration*", "integration"}, {"integration*", "integration"}, {"opción", "option setting"},
    {"opção", "option setting"}, {"option", "option setting"}, {"herramienta*", "tool software"},
    {"ferramenta*", "tool software"}, {"outil*", "tool software"}, {"werkzeug*", "tool software"},
    {"luz", "power electricity"}, {"strom*", "power electricity"}, {"électricité", "power electricity"},
    {"eletricidade", "power electricity"}, {"electricidad", "power electricity"}, {"agua", "water"},
    {"água", "water"}, {"eau", "water"}, {"wasser", "water"}, {"línea", "line"}, {"linha", "line"},
    {"ligne", "line"}, {"tarifário*", "plan tariff"}, {"cuota", "fee membership"},
    {"congelar", "freeze pause"}, {"handyvertrag", "phone contract plan"}, {"erhöhen", "increase upgrade"},
    {"aumentar", "increase upgrade"}, {"augmenter", "increase upgrade"}, {"dsgvo", "gdpr personal data"},
    {"rgpd", "gdpr personal data"}, {"lgpd", "gdpr personal data"}, {"postal*", "address"},
    {"modificar", "change"}, {"modifier", "change"}, {"ändern", "change"}, {"alterar", "change"},
    {"mudo", "moving"}, {"mudança", "moving"}, {"umzug", "moving"}, {"déménage*", "moving"},
    {"fibra", "fibre broadband"}, {"fibre", "fibre broadband"}, {"glasfaser", "fibre broadband"},
    {"roteador", "router"}, {"abschlag", "instalment payment"}, {"plazos", "instalments"},
    {"parcelas", "instalments"}, {"raten*", "instalments"}, {"échéance*", "instalments"},
    {"fila", "queue waiting"}, {"cola", "queue waiting"}, {"warteschlange", "queue waiting"},
    {"recibos", "bills"}, {"recibo", "bill receipt"}, {"quittung", "receipt"},
    {"cafetera", "appliance"}, {"cafeteira", "appliance"}, {"máquina", "machine appliance"},
    {"machine", "machine appliance"}, {"maschine", "machine appliance"},
};
#define N_LEX (sizeof(LEX) / sizeof(LEX[0]))

/* Index: entries sorted, and the range of each first byte. */
static uint16_t first_lo[256], first_hi[256];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static int cmp_gloss(const void *a, const void *b)
{
    return strcmp(((const struct gloss *)a)->key, ((const struct gloss *)b)->key);
}

static void build_index(void)
{
    qsort(LEX, N_LEX, sizeof(LEX[0]), cmp_gloss);
    for (size_t i = N_LEX; i-- > 0;) {
        unsigned char c = (unsigned char)LEX[i].key[0];
        if (!first_hi[c]) first_hi[c] = (uint16_t)(i + 1);
        first_lo[c] = (uint16_t)i;
    }
}

static int is_word_byte(unsigned char c)
{
    return c >= 0x80 || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

/* Lower-cases ASCII and the UTF-8 Latin-1 capitals (U+00C0..U+00DE but U+00D7). */
static size_t lower_word(const char *w, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        else if (i > 0 && (unsigned char)w[i - 1] == 0xc3 && c >= 0x80 && c <= 0x9e && c != 0x97)
            c = (unsigned char)(c + 0x20);
        out[k++] = (char)c;
    }
    out[k] = '\0';
    return k;
}

static const char *lookup(const char *w, size_t n)
{
    unsigned char c = (unsigned char)w[0];
    for (size_t i = first_lo[c]; i < first_hi[c]; i++) {
        const char *k = LEX[i].key;
        size_t kl = strlen(k);
        if (k[kl - 1] == '*') {
            if (n >= kl - 1 && memcmp(w, k, kl - 1) == 0) return LEX[i].en;
        } else if (n == kl && memcmp(w, k, n) == 0) {
            return LEX[i].en;
        }
    }
    return NULL;
}

size_t cs_triage_gloss(const char *text, size_t len, char *out, size_t cap)
{
    if (!out || cap == 0) return 0;
    pthread_once(&index_once, build_index);
    size_t n = len < cap - 1 ? len : cap - 1;
    if (n) memcpy(out, text, n);
    for (size_t i = 0; i < len;) {
        if (!is_word_byte((unsigned char)text[i])) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && is_word_byte((unsigned char)text[i])) i++;
        char w[48];
        if (i - s >= sizeof(w) || i - s < 3) continue;
        size_t wl = lower_word(text + s, i - s, w, sizeof(w));
        const char *en = lookup(w, wl);
        size_t el = en ? strlen(en) : 0;
        if (!en || n + el + 2 > cap) continue;
        out[n++] = ' ';
        memcpy(out + n, en, el);
        n += el;
    }
    out[n] = '\0';
    return n;
}
