/* sam-memory.c — recall: what the companion remembers that bears on a question.
 *
 * Recall is lexical (SQLite FTS5, BM25) and runs in three steps:
 *
 * 1. The question becomes terms: lower case, stop words and question phrasing dropped,
 *    possessives cut ("Anna's" → "anna"), month names and years taken out as a date. Each
 *    term is searched on its own (an AND of all words is far too strict for a question), so
 *    each candidate knows its BM25 sum and how many of the terms it has.
 * 2. Within each source (facts, messages, archive chunks) a candidate scores its BM25 sum
 *    times the square root of the share of terms it matched. A message also takes part of
 *    the score of the messages up to two before and after it (an answer often sits next to
 *    the turn that names the subject), more from a turn that asks a question (the reply
 *    answers it), and the score of its conversation taken as one passage: the best BM25 of
 *    each term among its messages (the conversation that talks about the subject). A message
 *    labelled with the name of its speaker ("Anna: …") counts double when the question names
 *    that person. It is boosted when its date is the one asked about ("in May 2023"), more
 *    so for a day ("on 7 July"), and for a "when" question when it tells a time ("last
 *    Friday"). Facts weigh by importance. Recent things weigh slightly more.
 * 3. The three ranked lists are fused by reciprocal rank.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sam-memory-embed.h"
#include "sam-memory.h"
#include "store/sam-conversation.h"
#include "store/sam-message.h"

/* Candidates each term may bring from each source. */
#define TERM_LIMIT 500
/* Messages whose neighbours are looked at, and how far on each side. */
#define NEIGHBOUR_CANDIDATES 100
#define NEIGHBOUR_RADIUS     2
/* What a message lends to the messages next to it (the reply to a question gets more) and
 * to those two away. */
#define NEIGHBOUR_WEIGHT 0.3
#define ASKED_WEIGHT     0.8
#define FAR_WEIGHT       0.2
#define SPEAKER_BOOST    2.0
#define SESSION_WEIGHT   0.3
#define DATE_BOOST       1.3
#define DAY_BOOST        3.0
/* For "when" questions, the best messages that hold a time expression ("last Friday",
 * "in 2022") weigh more: they carry the answer. */
#define WHEN_CANDIDATES    50
#define WHEN_BOOST         1.5
#define RECENCY_WEIGHT     0.1
#define RECENCY_SCALE_DAYS 365.0
#define RRF_K              60.0
/* A word with more matches than this in a source is common: BM25 would have to
 * score every match (and count them all for its IDF), so it is not asked for. Such a word
 * scores its IDF, estimated from how densely its newest matches lie, on its newest matches
 * and on the matches it shares with the question's other words. */
#define COMMON_CAP 500
/* A common word in more than this share of the rows tells almost nothing (IDF near 0): it
 * is left out when the question has other words. */
#define WEAK_SHARE 0.2
/* When a common word shares this many matches with the question's other words, its matches
 * without them are not looked at: they would rank below. */
#define SHARED_ENOUGH 100

/* English function words and question phrasing, plus the plainest German and French ones
 * (none of which is also an English content word). */
/* clang-format off */
static const char *const stop_words[] = {
  /* English */
  "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
  "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between",
  "both", "but", "by", "can", "can't", "cannot", "could", "couldn't", "did", "didn't", "do",
  "does", "doesn't", "doing", "don't", "down", "during", "each", "ever", "few", "for", "from",
  "further", "get", "got", "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he",
  "he'd", "he'll", "he's", "her", "here", "here's", "hers", "herself", "him", "himself", "his",
  "how", "how's", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it",
  "it's", "its", "itself", "just", "kind", "let's", "like", "likely", "many", "me", "mention",
  "mentioned", "more", "most", "much", "mustn't", "my", "myself", "no", "nor", "not", "of",
  "off", "on", "once", "one", "only", "or", "other", "ought", "our", "ours", "ourselves", "out",
  "over", "own", "really", "recently", "said", "same", "say", "says", "shan't", "she", "she'd",
  "she'll", "she's", "should", "shouldn't", "so", "some", "someone", "something", "sort",
  "such", "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then",
  "there", "there's", "these", "they", "they'd", "they'll", "they're", "they've", "thing",
  "things", "think", "this", "those", "through", "to", "too", "type", "under", "until", "up",
  "very", "was", "wasn't", "we", "we'd", "we'll", "we're", "we've", "were", "weren't", "what",
  "what's", "when", "when's", "where", "where's", "which", "while", "who", "who's", "whom",
  "why", "why's", "will", "with", "won't", "would", "wouldn't", "you", "you'd", "you'll",
  "you're", "you've", "your", "yours", "yourself", "yourselves",
  /* German */
  "aber", "beim", "dein", "deine", "haben", "ihre", "ihren", "im", "ins", "mein", "meine",
  "meinen", "ob", "sein", "seine", "seinen", "vom", "wann", "wird", "wurde", "auch", "auf",
  "aus", "bei", "bin", "bist", "das", "dass", "dem", "den", "der", "des", "dich", "dir", "du",
  "ein", "eine", "einem", "einen", "einer", "er", "es", "für", "hab", "habe", "hat", "hatte",
  "ich", "ihr", "ist", "mich", "mir", "mit", "nicht", "noch", "oder", "sich", "sie", "sind",
  "über", "und", "uns", "von", "vor", "warum", "was", "welche", "wer", "wie", "wir", "wo", "zu",
  "zum", "zur",
  /* French */
  "au", "avait", "était", "quand", "aux", "avec", "ce", "ces", "c'est", "comment", "dans",
  "des", "du", "elle", "est", "et", "il", "ils", "je", "la", "le", "les", "leur", "lui", "mais",
  "mes", "moi", "mon", "ne", "nous", "où", "par", "pas", "pour", "pourquoi", "qu'est", "que",
  "quel", "quelle", "qui", "sa", "ses", "sont", "sur", "ta", "te", "tes", "toi", "ton", "tu",
  "un", "une", "vous",
};
/* clang-format on */

/* Months in English, German and French, for "in July", "im Juli", "en juillet". */
static const struct
{
  const char *name;
  int         month;
} month_names[] = {
  { "january", 1 },   { "february", 2 }, { "march", 3 },     { "april", 4 },     { "june", 6 },
  { "july", 7 },      { "august", 8 },   { "september", 9 }, { "october", 10 },  { "november", 11 },
  { "december", 12 }, { "januar", 1 },   { "februar", 2 },   { "märz", 3 },      { "mai", 5 },
  { "juni", 6 },      { "juli", 7 },     { "oktober", 10 },  { "dezember", 12 }, { "janvier", 1 },
  { "février", 2 },   { "avril", 4 },    { "juin", 6 },      { "juillet", 7 },   { "août", 8 },
  { "septembre", 9 }, { "octobre", 10 }, { "novembre", 11 }, { "décembre", 12 },
};

/* Words that ask for a time, and words that tell one (besides month names and numbers). */
static const char *const when_words[] = { "when", "wann", "quand", NULL };
/* clang-format off */
static const char *const time_words[] = {
  /* English */
  "yesterday", "today", "tonight", "tomorrow", "last", "next", "ago", "week", "weekend",
  "month", "year", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
  "sunday", "morning", "evening", "night", "since", "recently", "earlier", "later", "soon",
  "summer", "winter", "spring", "autumn",
  /* German */
  "gestern", "heute", "morgen", "letzte", "letzten", "nächste", "nächsten", "woche",
  "wochenende", "monat", "jahr", "vor", "seit",
  /* French */
  "demain", "semaine", "mois", "année", "dernier", "dernière", "prochain", "prochaine", "depuis",
  NULL,
};
/* clang-format on */

static GHashTable *
get_stop_words (void)
{
  static GHashTable *words;

  if (g_once_init_enter (&words))
    {
      GHashTable *table = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < G_N_ELEMENTS (stop_words); i++)
        g_hash_table_add (table, (gpointer) stop_words[i]);
      g_once_init_leave (&words, table);
    }
  return words;
}

void
sam_recall_hit_free (SamRecallHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->kind);
  g_free (hit->fact_kind);
  g_free (hit->role);
  g_free (hit->text);
  g_free (hit->conversation_uuid);
  g_free (hit->conversation_title);
  g_free (hit->path);
  g_free (hit);
}

static gboolean
is_apostrophe (gunichar c)
{
  return c == '\'' || c == 0x2019;
}

static void
add_word (GPtrArray *terms, GString *word, GArray *months, GArray *years, gboolean *saw_may)
{
  GHashTable *stop = get_stop_words ();
  char       *apostrophe;

  if (word->len == 0)
    return;
  /* "May" is a month only in a date ("May 2023", "8 May"), else the verb: never a term. */
  if (strcmp (word->str, "may") == 0)
    {
      *saw_may = TRUE;
      goto done;
    }
  if (g_hash_table_contains (stop, word->str))
    goto done;

  /* "anna's" → "anna"; "o'brien" stays whole below only if the cut leaves a stop word. */
  if ((apostrophe = strchr (word->str, '\'')) && apostrophe != word->str)
    {
      g_string_truncate (word, apostrophe - word->str);
      if (g_hash_table_contains (stop, word->str))
        goto done;
    }
  else if (apostrophe)
    goto done;

  for (guint i = 0; i < G_N_ELEMENTS (month_names); i++)
    if (strcmp (word->str, month_names[i].name) == 0)
      {
        if (months)
          g_array_append_val (months, month_names[i].month);
        goto done;
      }

  if (word->len == 4 && g_ascii_isdigit (word->str[0]) && g_ascii_isdigit (word->str[1]) &&
      g_ascii_isdigit (word->str[2]) && g_ascii_isdigit (word->str[3]) &&
      (g_str_has_prefix (word->str, "19") || g_str_has_prefix (word->str, "20")))
    {
      if (years)
        {
          int year = atoi (word->str);
          g_array_append_val (years, year);
        }
      goto done;
    }

  for (guint i = 0; i < terms->len; i++)
    if (strcmp (g_ptr_array_index (terms, i), word->str) == 0)
      goto done;
  g_ptr_array_add (terms, g_strdup (word->str));

done:
  g_string_truncate (word, 0);
}

GStrv
sam_memory_query_terms (const char *query, GArray *months, GArray *years)
{
  g_autoptr (GPtrArray) terms = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) word = g_string_new (NULL);
  g_autofree char *normal = NULL;
  g_autofree char *folded = NULL;
  gboolean         saw_may = FALSE;

  g_return_val_if_fail (query != NULL, NULL);

  if (!g_utf8_validate (query, -1, NULL))
    return g_new0 (char *, 1);
  normal = g_utf8_normalize (query, -1, G_NORMALIZE_NFKC);
  folded = g_utf8_strdown (normal, -1);

  for (const char *p = folded; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c) || g_unichar_ismark (c))
        g_string_append_unichar (word, c);
      else if (is_apostrophe (c) && word->len > 0)
        g_string_append_c (word, '\'');
      else
        add_word (terms, word, months, years, &saw_may);
    }
  add_word (terms, word, months, years, &saw_may);

  if (saw_may && months && strpbrk (folded, "0123456789"))
    {
      int may = 5;
      g_array_append_val (months, may);
    }

  g_ptr_array_add (terms, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&terms), FALSE);
}

/* A term as an FTS5 phrase, prefix-matched: "paint"* finds painting and painter too. */
static char *
phrase_for (const char *term)
{
  g_autoptr (GString) phrase = g_string_new ("\"");

  for (const char *p = term; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (phrase, '"');
      g_string_append_c (phrase, *p);
    }
  g_string_append (phrase, "\"");
  /* Short words as prefixes match too much. */
  if (strlen (term) >= 4)
    g_string_append_c (phrase, '*');
  return g_string_free (g_steal_pointer (&phrase), FALSE);
}

typedef struct
{
  gint64   id;
  gint64   group;
  gint64   time;
  double   bm25;
  guint    terms;
  gboolean asks;
  gboolean speaks;
  double   importance;
  double   base;
  double   lent;
  double   score;
  guint64  seen; /* terms counted, one bit each (facts and chunks) */
} Candidate;

typedef struct
{
  SamMemorySource source;
  Candidate      *candidate;
  double          fused;
} Ranked;

static int
compare_candidates (gconstpointer a, gconstpointer b)
{
  const Candidate *x = *(Candidate *const *) a;
  const Candidate *y = *(Candidate *const *) b;

  if (x->score != y->score)
    return x->score < y->score ? 1 : -1;
  /* Newer first, then by id, so equal scores come out the same every time. */
  if (x->time != y->time)
    return x->time < y->time ? 1 : -1;
  return x->id < y->id ? 1 : (x->id > y->id ? -1 : 0);
}

/* Whether LABEL ("Anna" in "Anna: …") is one of TERMS: a message said by someone the
 * question names ("What did Anna paint?"). */
static gboolean
speaker_named (const char *label, GStrv terms)
{
  g_autofree char *folded = NULL;

  if (*label == '\0' || !g_utf8_validate (label, -1, NULL))
    return FALSE;
  folded = g_utf8_strdown (label, -1);
  return g_strv_contains ((const char *const *) terms, g_strstrip (folded));
}

typedef struct
{
  SamMemorySource source;
  GStrv           terms;
  guint           n_terms;
  gint64          exclude_conversation;
  GHashTable     *candidates;
  GHashTable     *sessions;
} Gathering;

/* Counts term number TERM for each of MATCHES, once per candidate: its BM25 when SCORED,
 * else IDF. Per conversation, the best score of each term goes to the sessions table. */
static void
credit_matches (Gathering *g, GArray *matches, guint term, double idf, gboolean scored)
{
  guint64 bit = term < 64 ? G_GUINT64_CONSTANT (1) << term : 0;

  for (guint i = 0; i < matches->len; i++)
    {
      SamMemoryMatch *match = &g_array_index (matches, SamMemoryMatch, i);
      double          score = scored ? match->score : idf;
      Candidate      *candidate;

      if (g->source == SAM_MEMORY_SOURCE_MESSAGE && g->exclude_conversation > 0 &&
          match->group == g->exclude_conversation)
        continue;
      if (!(candidate = g_hash_table_lookup (g->candidates, &match->id)))
        {
          candidate = g_new0 (Candidate, 1);
          candidate->id = match->id;
          candidate->group = match->group;
          candidate->time = match->time;
          candidate->importance = match->importance;
          candidate->asks = match->asks;
          candidate->speaks = speaker_named (match->speaker, g->terms);
          g_hash_table_insert (g->candidates, &candidate->id, candidate);
        }
      if (candidate->seen & bit)
        continue;
      candidate->seen |= bit;
      candidate->bm25 += score;
      candidate->terms++;
      if (g->sessions)
        {
          double *best = g_hash_table_lookup (g->sessions, &match->group);

          if (best == NULL)
            {
              best = g_new0 (double, g->n_terms);
              g_hash_table_insert (g->sessions, g_memdup2 (&match->group, sizeof match->group),
                                   best);
            }
          best[term] = MAX (best[term], score);
        }
    }
}

/* BM25 per term, summed per candidate, in a table id → Candidate; but a common word is not
 * ranked by BM25, which would score each of its matches: see COMMON_CAP and WEAK_SHARE.
 * SESSIONS, when given, gets per conversation the best score of each term (an array of one
 * double per term). */
static GHashTable *
gather (SamStore       *store,
        SamMemorySource source,
        GStrv           terms,
        gint64          exclude_conversation,
        GHashTable     *sessions,
        GError        **error)
{
  g_autoptr (GHashTable) candidates =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  guint     n_terms = g_strv_length (terms);
  Gathering g = { source, terms, n_terms, exclude_conversation, candidates, sessions };
  g_auto (GStrv) phrases = g_new0 (char *, n_terms + 1);
  g_autofree double   *idf = g_new0 (double, n_terms);
  g_autofree gboolean *common = g_new0 (gboolean, n_terms);
  g_autofree gboolean *weak = g_new0 (gboolean, n_terms);
  gboolean             any_strong = FALSE;

  for (guint t = 0; t < n_terms; t++)
    {
      gint64 floor_row = 0, last = 0;

      phrases[t] = phrase_for (terms[t]);
      if (!sam_store_probe_memory (store, source, phrases[t], COMMON_CAP, &floor_row, &last, error))
        return NULL;
      if (floor_row > 0 && last >= floor_row)
        {
          /* Its newest COMMON_CAP + 1 matches lie among the last (last - floor + 1) rows. */
          double share = MIN (1.0, (COMMON_CAP + 1.0) / (double) (last - floor_row + 1));
          double rows = (double) last;
          double df = share * rows;

          common[t] = TRUE;
          idf[t] = MAX (log ((rows - df + 0.5) / (df + 0.5)), 1e-6);
          weak[t] = share > WEAK_SHARE;
        }
      if (!weak[t])
        any_strong = TRUE;
    }
  /* Only weak words: they are all there is to go by. */
  if (!any_strong)
    memset (weak, 0, n_terms * sizeof *weak);

  for (guint t = 0; t < n_terms; t++)
    {
      g_autoptr (GArray) matches = NULL;
      g_autoptr (GString) shared = NULL;

      if (weak[t])
        continue;
      if (!common[t])
        {
          if (!(matches = sam_store_match_memory (store, source, phrases[t], TERM_LIMIT, error)))
            return NULL;
          credit_matches (&g, matches, t, 0, TRUE);
          continue;
        }

      /* The matches it shares with the other words, however old. */
      for (guint o = 0; o < n_terms; o++)
        if (o != t && !weak[o])
          {
            if (shared == NULL)
              g_string_append_printf ((shared = g_string_new (NULL)), "%s AND (", phrases[t]);
            else
              g_string_append (shared, " OR ");
            g_string_append (shared, phrases[o]);
          }
      if (shared != NULL)
        {
          g_string_append_c (shared, ')');
          if (!(matches =
                    sam_store_match_memory_newest (store, source, shared->str, COMMON_CAP, error)))
            return NULL;
          credit_matches (&g, matches, t, idf[t], FALSE);
          /* Enough that match more than this word: those alone would rank first. */
          if (matches->len >= SHARED_ENOUGH)
            continue;
          g_clear_pointer (&matches, g_array_unref);
        }

      /* Its newest matches. */
      if (!(matches = sam_store_match_memory_newest (store, source, phrases[t], COMMON_CAP, error)))
        return NULL;
      credit_matches (&g, matches, t, idf[t], FALSE);
    }

  return g_steal_pointer (&candidates);
}

static gboolean
date_matches (gint64 time, GArray *months, GArray *years)
{
  g_autoptr (GDateTime) date = NULL;
  gboolean year_ok = years->len == 0;
  gboolean month_ok = months->len == 0;
  int      year, month;

  if (time <= 0 || (months->len == 0 && years->len == 0))
    return FALSE;
  date = g_date_time_new_from_unix_utc (time / G_USEC_PER_SEC);
  if (date == NULL)
    return FALSE;
  year = g_date_time_get_year (date);
  month = g_date_time_get_month (date);

  for (guint i = 0; i < years->len; i++)
    if (g_array_index (years, int, i) == year)
      year_ok = TRUE;
  /* Things are often told in the month after they happened. */
  for (guint i = 0; i < months->len; i++)
    {
      int asked = g_array_index (months, int, i);
      if (asked == month || asked % 12 + 1 == month)
        month_ok = TRUE;
    }
  return year_ok && month_ok;
}

static int
month_of (const char *word)
{
  if (strcmp (word, "may") == 0)
    return 5;
  for (guint i = 0; i < G_N_ELEMENTS (month_names); i++)
    if (strcmp (word, month_names[i].name) == 0)
      return month_names[i].month;
  return 0;
}

/* A day of the month: "7", "07", "7th" (German "7." loses its dot to the splitting). */
static int
day_of (const char *word)
{
  char  *end;
  gint64 day;

  if (!g_ascii_isdigit (*word))
    return 0;
  day = g_ascii_strtoll (word, &end, 10);
  if (day < 1 || day > 31 || end - word > 2)
    return 0;
  if (*end && strcmp (end, "st") != 0 && strcmp (end, "nd") != 0 && strcmp (end, "rd") != 0 &&
      strcmp (end, "th") != 0)
    return 0;
  return (int) day;
}

/* Days the query names, "7 July" or "July 7th", as month * 100 + day. */
static GArray *
query_days (const char *query)
{
  g_autoptr (GArray) days = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree char *folded = NULL;
  g_auto (GStrv) words = NULL;

  if (!g_utf8_validate (query, -1, NULL))
    return g_steal_pointer (&days);
  folded = g_utf8_strdown (query, -1);
  words = g_strsplit_set (folded, " \t\n,.;:!?()", -1);
  for (guint i = 0; words[i]; i++)
    {
      int month = month_of (words[i]);
      int day = 0;

      if (month == 0)
        continue;
      if (i > 0)
        day = day_of (words[i - 1]);
      if (day == 0 && words[i + 1])
        day = day_of (words[i + 1]);
      if (day > 0)
        {
          int value = month * 100 + day;
          g_array_append_val (days, value);
        }
    }
  return g_steal_pointer (&days);
}

/* Whether TIME falls on one of DAYS, give or take a day (time zones, late evenings). */
static gboolean
day_matches (gint64 time, GArray *days)
{
  if (time <= 0 || days->len == 0)
    return FALSE;
  for (int delta = -1; delta <= 1; delta++)
    {
      g_autoptr (GDateTime) date =
          g_date_time_new_from_unix_utc (time / G_USEC_PER_SEC + delta * 24 * 60 * 60);

      for (guint i = 0; date && i < days->len; i++)
        if (g_array_index (days, int, i) ==
            g_date_time_get_month (date) * 100 + g_date_time_get_day_of_month (date))
          return TRUE;
    }
  return FALSE;
}

static double
recency_factor (gint64 time, gint64 now)
{
  double age_days = MAX (0, (double) (now - time) / G_TIME_SPAN_DAY);

  return 1.0 + RECENCY_WEIGHT * exp (-age_days / RECENCY_SCALE_DAYS);
}

static double
base_score (const Candidate *candidate, guint n_terms)
{
  return candidate->bm25 * sqrt ((double) candidate->terms / MAX (n_terms, 1));
}

static gboolean
has_any_word (const char *text, const char *const *words, gboolean times)
{
  g_autofree char *folded = NULL;
  g_auto (GStrv) tokens = NULL;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  folded = g_utf8_strdown (text, -1);
  tokens = g_strsplit_set (folded, " \t\n,.;:!?()[]\"'-", -1);
  for (guint i = 0; tokens[i]; i++)
    if (g_strv_contains (words, tokens[i]) ||
        (times && (g_ascii_isdigit (tokens[i][0]) || month_of (tokens[i]) > 0)))
      return TRUE;
  return FALSE;
}

/* Ranks one source's candidates in place; returns them best first. */
static GPtrArray *
rank_source (SamStore       *store,
             SamMemorySource source,
             GHashTable     *candidates,
             GHashTable     *sessions,
             GStrv           terms,
             GArray         *months,
             GArray         *years,
             GArray         *days,
             gboolean        when,
             GError        **error)
{
  g_autoptr (GPtrArray) ranked = g_ptr_array_new ();
  g_autoptr (GPtrArray) extra = g_ptr_array_new ();
  guint          n_terms = g_strv_length (terms);
  gint64         now = g_get_real_time ();
  GHashTableIter iter;
  Candidate     *candidate;

  g_hash_table_iter_init (&iter, candidates);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &candidate))
    {
      candidate->base = base_score (candidate, n_terms);
      candidate->score = candidate->base;
      g_ptr_array_add (ranked, candidate);
    }

  if (source == SAM_MEMORY_SOURCE_MESSAGE && ranked->len > 0)
    {
      /* Neighbours of the best: matched ones lend score, unmatched ones become candidates. */
      g_ptr_array_sort (ranked, compare_candidates);
      for (guint i = 0; i < MIN (ranked->len, NEIGHBOUR_CANDIDATES); i++)
        {
          Candidate *c = g_ptr_array_index (ranked, i);
          g_autoptr (GArray) window = NULL;

          if (!(window =
                    sam_store_get_message_window (store, c->group, c->id, NEIGHBOUR_RADIUS, error)))
            return NULL;
          for (guint k = 0; k < window->len; k++)
            {
              SamMemoryMatch *around = &g_array_index (window, SamMemoryMatch, k);
              gboolean        after = k >= NEIGHBOUR_RADIUS;
              guint           distance = k % NEIGHBOUR_RADIUS + 1;
              Candidate      *neighbour;
              double          weight;

              if (around->id == 0)
                continue;
              /* A question is answered in the turn after it. */
              if (distance > 1)
                weight = FAR_WEIGHT;
              else if (after && c->asks)
                weight = ASKED_WEIGHT;
              else
                weight = NEIGHBOUR_WEIGHT;
              if (!(neighbour = g_hash_table_lookup (candidates, &around->id)))
                {
                  neighbour = g_new0 (Candidate, 1);
                  neighbour->id = around->id;
                  neighbour->group = around->group;
                  neighbour->time = around->time;
                  neighbour->asks = around->asks;
                  neighbour->speaks = speaker_named (around->speaker, terms);
                  neighbour->importance = 0.5;
                  g_hash_table_insert (candidates, &neighbour->id, neighbour);
                  g_ptr_array_add (extra, neighbour);
                }
              /* Lend the base, not the score: lending does not chain. */
              neighbour->lent += weight * c->base;
            }
        }
      g_ptr_array_extend (ranked, extra, NULL, NULL);

      for (guint i = 0; i < ranked->len; i++)
        {
          Candidate *c = g_ptr_array_index (ranked, i);
          double    *best = g_hash_table_lookup (sessions, &c->group);

          c->score = c->base + c->lent;
          if (c->speaks)
            c->score *= SPEAKER_BOOST;
          /* The conversation's weight: how well its best turn for each term covers the
           * question, like BM25 over the conversation as one passage. */
          for (guint t = 0; best && t < n_terms; t++)
            c->score += SESSION_WEIGHT * best[t];
        }
    }

  for (guint i = 0; i < ranked->len; i++)
    {
      Candidate *c = g_ptr_array_index (ranked, i);

      if (date_matches (c->time, months, years))
        c->score *= DATE_BOOST;
      if (day_matches (c->time, days))
        c->score *= DAY_BOOST;
      c->score *= recency_factor (c->time, now);
      if (source == SAM_MEMORY_SOURCE_FACT)
        c->score *= 0.5 + c->importance;
    }

  g_ptr_array_sort (ranked, compare_candidates);
  if (when && source == SAM_MEMORY_SOURCE_MESSAGE)
    {
      for (guint i = 0; i < MIN (ranked->len, WHEN_CANDIDATES); i++)
        {
          Candidate *c = g_ptr_array_index (ranked, i);
          g_autoptr (SamMessage) message = sam_store_get_message (store, c->id, error);

          if (message == NULL)
            return NULL;
          if (has_any_word (sam_message_get_content (message), time_words, TRUE))
            c->score *= WHEN_BOOST;
        }
      g_ptr_array_sort (ranked, compare_candidates);
    }
  return g_steal_pointer (&ranked);
}

static int
compare_ranked (gconstpointer a, gconstpointer b)
{
  const Ranked *x = a;
  const Ranked *y = b;

  if (x->fused != y->fused)
    return x->fused < y->fused ? 1 : -1;
  if (x->source != y->source)
    return x->source < y->source ? -1 : 1;
  return compare_candidates (&x->candidate, &y->candidate);
}

static SamRecallHit *
describe (SamStore *store, const Ranked *ranked, GError **error)
{
  g_autoptr (SamRecallHit) hit = g_new0 (SamRecallHit, 1);
  g_autoptr (SamConversation) conversation = NULL;

  hit->source = ranked->source;
  hit->id = ranked->candidate->id;
  hit->score = ranked->fused;

  switch (ranked->source)
    {
    case SAM_MEMORY_SOURCE_FACT:
      {
        g_autoptr (SamFact) fact = sam_store_get_fact (store, hit->id, error);

        if (fact == NULL)
          return NULL;
        hit->kind = g_strdup ("fact");
        hit->fact_kind = g_strdup (fact->kind);
        hit->text = g_strdup (fact->text);
        hit->conversation_id = fact->conversation_id;
        hit->path = g_strdup (fact->source_path);
        hit->time = fact->valid_from >= 0 ? fact->valid_from : fact->created;
        break;
      }
    case SAM_MEMORY_SOURCE_CHUNK:
      hit->kind = g_strdup ("chunk");
      if (!sam_store_get_chunk (store, hit->id, &hit->path, &hit->text, &hit->time, error))
        return NULL;
      break;
    case SAM_MEMORY_SOURCE_MESSAGE:
    default:
      {
        g_autoptr (SamMessage) message = sam_store_get_message (store, hit->id, error);

        if (message == NULL)
          return NULL;
        hit->kind = g_strdup ("message");
        hit->role = g_strdup (sam_message_role_to_string (sam_message_get_role (message)));
        hit->text = g_strdup (sam_message_get_content (message));
        hit->conversation_id = sam_message_get_conversation_id (message);
        hit->time = sam_message_get_created (message);
        break;
      }
    }

  if (hit->conversation_id > 0 &&
      (conversation = sam_store_get_conversation (store, hit->conversation_id, NULL)))
    {
      hit->conversation_uuid = g_strdup (sam_conversation_get_uuid (conversation));
      hit->conversation_title = g_strdup (sam_conversation_get_title (conversation));
    }

  return g_steal_pointer (&hit);
}

GPtrArray *
sam_memory_recall (
    SamStore *store, const char *query, guint limit, gint64 exclude_conversation, GError **error)
{
  static const SamMemorySource sources[] = {
    SAM_MEMORY_SOURCE_FACT,
    SAM_MEMORY_SOURCE_MESSAGE,
    SAM_MEMORY_SOURCE_CHUNK,
  };
  g_autoptr (GPtrArray) hits =
      g_ptr_array_new_with_free_func ((GDestroyNotify) sam_recall_hit_free);
  g_autoptr (GArray) months = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) years = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) fused = g_array_new (FALSE, FALSE, sizeof (Ranked));
  g_autoptr (GPtrArray) tables =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  g_autoptr (GArray) days = NULL;
  g_auto (GStrv) terms = NULL;
  gboolean when;
  guint    n_terms;

  g_return_val_if_fail (SAM_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  terms = sam_memory_query_terms (query, months, years);
  days = query_days (query);
  when = has_any_word (query, when_words, FALSE);
  n_terms = g_strv_length (terms);
  if (n_terms == 0)
    return g_steal_pointer (&hits);
  if (limit == 0)
    limit = 10;

  for (guint s = 0; s < G_N_ELEMENTS (sources); s++)
    {
      g_autoptr (GPtrArray) ranked = NULL;
      g_autoptr (GHashTable) sessions =
          g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
      GHashTable *candidates;

      if (!(candidates = gather (store, sources[s], terms, exclude_conversation,
                                 sources[s] == SAM_MEMORY_SOURCE_MESSAGE ? sessions : NULL, error)))
        return NULL;
      g_ptr_array_add (tables, candidates);
      if (!(ranked = rank_source (store, sources[s], candidates, sessions, terms, months, years,
                                  days, when, error)))
        return NULL;

      /* Reciprocal rank fusion: a source's first counts as much as another's first. */
      for (guint i = 0; i < ranked->len; i++)
        {
          Ranked entry = {
            .source = sources[s],
            .candidate = g_ptr_array_index (ranked, i),
            .fused = 1.0 / (RRF_K + i + 1),
          };
          g_array_append_val (fused, entry);
        }
    }

  g_array_sort (fused, compare_ranked);
  for (guint i = 0; i < fused->len && hits->len < limit; i++)
    {
      SamRecallHit *hit;

      if (!(hit = describe (store, &g_array_index (fused, Ranked, i), error)))
        return NULL;
      g_ptr_array_add (hits, hit);
    }

  return g_steal_pointer (&hits);
}

static char *
format_time (gint64 usec)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return time ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("");
}

char *
sam_recall_hit_to_json (const SamRecallHit *hit)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *timestamp = format_time (hit->time);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, hit->kind);
  if (hit->fact_kind)
    {
      json_builder_set_member_name (builder, "fact_kind");
      json_builder_add_string_value (builder, hit->fact_kind);
    }
  if (hit->role)
    {
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, hit->role);
    }
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, hit->text ? hit->text : "");
  json_builder_set_member_name (builder, "source");
  json_builder_add_string_value (builder, hit->path                 ? hit->path
                                          : hit->conversation_title ? hit->conversation_title
                                                                    : "");
  if (hit->conversation_uuid)
    {
      json_builder_set_member_name (builder, "conversation");
      json_builder_add_string_value (builder, hit->conversation_uuid);
    }
  if (hit->path)
    {
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, hit->path);
    }
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, hit->id);
  json_builder_set_member_name (builder, "timestamp");
  json_builder_add_string_value (builder, timestamp);
  json_builder_set_member_name (builder, "score");
  json_builder_add_double_value (builder, hit->score);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

char *
sam_memory_format_for_prompt (GPtrArray *hits, gsize max_chars)
{
  g_autoptr (GString) block = g_string_new (NULL);

  for (guint i = 0; hits && i < hits->len; i++)
    {
      SamRecallHit *hit = g_ptr_array_index (hits, i);
      g_autoptr (GDateTime) time = g_date_time_new_from_unix_local (hit->time / G_USEC_PER_SEC);
      g_autofree char *day = time ? g_date_time_format (time, "%Y-%m-%d") : g_strdup ("?");
      g_autofree char *text = g_strdup (hit->text ? hit->text : "");
      g_autoptr (GString) line = g_string_new (NULL);

      /* One line per memory, cut to a sensible length. */
      g_strdelimit (text, "\r\n", ' ');
      if (g_utf8_strlen (text, -1) > 400)
        {
          char *end = g_utf8_offset_to_pointer (text, 400);
          char *cut;

          *end = '\0';
          cut = g_strconcat (text, "…", NULL);
          g_free (text);
          text = cut;
        }

      g_string_append_printf (line, "- [%s] ", day);
      if (hit->source == SAM_MEMORY_SOURCE_FACT)
        g_string_append_printf (line, "%s (remembered fact", text);
      else if (hit->source == SAM_MEMORY_SOURCE_CHUNK)
        /* Words from a file are quoted data, whatever they say (one line: no newline to fake
         * another memory with). */
        g_string_append_printf (line, "“%s” (from the file %s", text, hit->path);
      else
        g_string_append_printf (line, "%s said: %s (conversation",
                                g_strcmp0 (hit->role, "assistant") == 0 ? "You" : "The user", text);
      if (hit->source != SAM_MEMORY_SOURCE_CHUNK && hit->conversation_title &&
          *hit->conversation_title)
        g_string_append_printf (line, " “%s”", hit->conversation_title);
      g_string_append (line, ")\n");

      if (block->len + line->len > max_chars && block->len > 0)
        break;
      g_string_append (block, line->str);
    }

  if (block->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&block), FALSE);
}

static gboolean
print_recall (SamStore *store, const char *query, int index, GError **error)
{
  /* FTS only unless an embedding model is set; see sam-memory-embed.h. */
  g_autoptr (GPtrArray) hits = sam_memory_recall_for_command_line (store, query, 10, error);

  if (hits == NULL)
    return FALSE;
  for (guint i = 0; i < hits->len; i++)
    {
      g_autofree char *json = sam_recall_hit_to_json (g_ptr_array_index (hits, i));

      /* In batch mode each line says which query (counting from 0) it answers. */
      if (index >= 0)
        printf ("{\"query\":%d,%s\n", index, json + 1);
      else
        printf ("%s\n", json);
    }
  return TRUE;
}

/* QUERY "-" reads one query per line from standard input (for evaluations). */
int
sam_memory_recall_command_line (const char *query)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (query ? query : ""));

  if (*stripped == '\0')
    {
      g_printerr ("%s\n", _ ("There is nothing to recall: write what to look for after --recall."));
      return 2;
    }

  if (!(store = sam_store_new (&error)))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  if (strcmp (query, "-") == 0)
    {
      g_autoptr (GDataInputStream) input = NULL;
      g_autoptr (GInputStream) stdin_stream = g_unix_input_stream_new (0, FALSE);
      char *line;
      int   index = 0;

      input = g_data_input_stream_new (stdin_stream);
      while ((line = g_data_input_stream_read_line_utf8 (input, NULL, NULL, &error)))
        {
          gboolean ok = print_recall (store, line, index++, &error);

          g_free (line);
          if (!ok)
            break;
        }
    }
  else
    print_recall (store, query, -1, &error);

  fflush (stdout);
  if (error)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}
