/* sam-safety.c — the local crisis detector that checks every user message before it is sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rules are data, one JSON file per language under data/safety/ (see README.md there).
 * A message is normalised (case, accents, repeated letters, light leetspeak, common typos of
 * listed keywords), split into sentences and matched against every language's rules. Negative
 * rules (idioms, fiction, games, programming, news) cancel matches around them. The strengths
 * of the surviving rules combine like independent probabilities; the message is a crisis when
 * the result reaches SAM_SAFETY_THRESHOLD. Nothing here logs or keeps the text.
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "sam-safety-model.h"
#include "sam-safety.h"

#define DATA_PATH RESOURCE_PATH "/data/safety/"

/* Negative rules reach this far: a span only cancels what it overlaps; a sentence rule
 * cancels its sentence; a message rule cancels the weaker rules of the whole message. */
typedef enum
{
  SCOPE_SPAN,
  SCOPE_SENTENCE,
  SCOPE_MESSAGE,
} Scope;

/* Rules at least this strong survive message-wide negatives (a first-person statement in
 * its own sentence is not made safe by "I'm writing a story" elsewhere). */
#define MESSAGE_SCOPE_SPARES 0.9

#define MAX_HITS 64

typedef struct _Rule Rule;

struct _Rule
{
  char         *id;
  const char   *language;
  SamSafetyKind kind;
  double        strength;
  GRegex       *regex;
  gboolean      cue;           /* only there for others to require; never counts itself */
  char         *requires_name; /* until loading finishes */
  Rule         *requires;      /* counts only with a hit of this rule in the same sentence */

  /* A composed rule has no regex of its own: it holds when a match of every part lies within
   * WINDOW characters of the same sentence (in order if ORDERED) and no part of NONE starts
   * inside that stretch or just before it. Parts are indices into the detector's parts. */
  GArray  *all;  /* guint */
  GArray  *none; /* guint */
  int      window;
  gboolean ordered;
};

/* What a "none" part reaches around the stretch it guards: a word or two ("dont", "ne"). */
#define NONE_REACH 10

/* Matches of one part kept per sentence; more are rare and change nothing. */
#define MAX_PART_MATCHES 8

typedef struct
{
  int n; /* -1 until computed */
  int start[MAX_PART_MATCHES];
  int end[MAX_PART_MATCHES];
} PartMatches;

typedef struct
{
  char       *id;
  const char *language;
  guint       bit; /* the language's */
  Scope       scope;
  GRegex     *regex;
} Negative;

/* Rules are matched in three steps: a block of rules in one alternation rules most sentences
 * out at once, then the groups of a block that matched, then the rules of a group one by one.
 * (One alternation of all a language's rules would exceed PCRE's size limit.) */
#define GROUP_SIZE       8
#define GROUPS_PER_BLOCK 4

typedef struct
{
  GRegex *any;
  guint   first; /* the first rule, or for a block the first group */
  guint   n;
} Group;

/* The entries of a language's concept that are patterns rather than words, matched on their
 * own for the learned stage's concept features. */
typedef struct
{
  const char *name; /* interned: the same pointer in every language */
  GRegex     *regex;
} Concept;

/* A concept entry of plain words ("das leben nehmen", "umbring*"), found by its first word
 * for the concept features: a regular expression per concept would be too slow. */
typedef struct
{
  const char *name; /* interned */
  guint       bit;  /* the language's */
  char      **rest; /* the words after the first, normalised; "*" ends a prefix */
} ConceptEntry;

typedef struct
{
  const char *code;
  GArray     *concepts; /* Concept */
  GPtrArray  *rules;    /* Rule*, owned by the detector */
  GArray     *blocks;   /* Group, over groups */
  GArray     *groups;   /* Group, over rules */
  GPtrArray  *composed; /* Rule* with parts, owned by the detector */
  guint       bit;
} Language;

struct _SamSafetyDetector
{
  GObject parent_instance;

  GPtrArray  *languages; /* Language* */
  GPtrArray  *rules;     /* Rule* */
  GPtrArray  *negatives; /* Negative* */
  GHashTable *keywords;  /* normalised keyword → itself */
  GHashTable *deletions; /* keyword minus one letter → keyword, "" when ambiguous */
  GHashTable *stopwords; /* normalised word → language bit mask */
  GPtrArray  *parts;     /* GRegex*: the pieces composed rules are made of, each once */
  GHashTable
      *concept_words; /* first word of a concept entry ("umbring*") → GPtrArray of ConceptEntry* */
  GHashTable   *part_ids; /* normalised pattern → index in parts + 1 */
  GStrvBuilder *codes_builder;
  char        **codes;
  gboolean      finished;

  /* The learned second stage (built-in detectors only): a crisis when the rules miss. */
  SamSafetyModel *model;
};

G_DEFINE_FINAL_TYPE (SamSafetyDetector, sam_safety_detector, G_TYPE_OBJECT)

static void
rule_free (gpointer data)
{
  Rule *rule = data;

  g_free (rule->id);
  g_free (rule->requires_name);
  g_clear_pointer (&rule->regex, g_regex_unref);
  g_clear_pointer (&rule->all, g_array_unref);
  g_clear_pointer (&rule->none, g_array_unref);
  g_free (rule);
}

static void
negative_free (gpointer data)
{
  Negative *negative = data;

  g_free (negative->id);
  g_clear_pointer (&negative->regex, g_regex_unref);
  g_free (negative);
}

static void
language_free (gpointer data)
{
  Language *language = data;

  for (guint i = 0; i < language->concepts->len; i++)
    g_regex_unref (g_array_index (language->concepts, Concept, i).regex);
  g_array_unref (language->concepts);
  g_ptr_array_unref (language->rules);
  g_ptr_array_unref (language->composed);
  for (guint i = 0; i < language->blocks->len; i++)
    g_clear_pointer (&g_array_index (language->blocks, Group, i).any, g_regex_unref);
  g_array_unref (language->blocks);
  for (guint i = 0; i < language->groups->len; i++)
    g_clear_pointer (&g_array_index (language->groups, Group, i).any, g_regex_unref);
  g_array_unref (language->groups);
  g_free (language);
}

static void
sam_safety_detector_finalize (GObject *object)
{
  SamSafetyDetector *self = SAM_SAFETY_DETECTOR (object);

  g_ptr_array_unref (self->languages);
  g_ptr_array_unref (self->rules);
  g_ptr_array_unref (self->negatives);
  g_hash_table_unref (self->keywords);
  g_hash_table_unref (self->deletions);
  g_hash_table_unref (self->stopwords);
  g_ptr_array_unref (self->parts);
  g_hash_table_unref (self->part_ids);
  g_hash_table_unref (self->concept_words);
  g_clear_pointer (&self->codes_builder, g_strv_builder_unref);
  g_strfreev (self->codes);
  g_clear_pointer (&self->model, sam_safety_model_free);

  G_OBJECT_CLASS (sam_safety_detector_parent_class)->finalize (object);
}

static void
sam_safety_detector_class_init (SamSafetyDetectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sam_safety_detector_finalize;
}

static void
sam_safety_detector_init (SamSafetyDetector *self)
{
  self->languages = g_ptr_array_new_with_free_func (language_free);
  self->rules = g_ptr_array_new_with_free_func (rule_free);
  self->negatives = g_ptr_array_new_with_free_func (negative_free);
  self->keywords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->deletions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->stopwords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_regex_unref);
  self->part_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->concept_words =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->codes_builder = g_strv_builder_new ();
}

/* Normalisation */

static gboolean
is_apostrophe (gunichar c)
{
  return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == '`' || c == 0x00B4;
}

static gunichar
leet_letter (gunichar c)
{
  switch (c)
    {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    case '@':
      return 'a';
    case '$':
      return 's';
    default:
      return 0;
    }
}

static gboolean
is_letter (gunichar c)
{
  return g_unichar_isalpha (c);
}

/* An English contraction ("don't", "I'm", "you're") joins its word; an elision ("m'endormir",
 * "l'ultima", "j'ai") separates two words. */
static gboolean
is_contraction (const gunichar *rest)
{
  static const char *endings[] = { "t", "s", "m", "d", "re", "ve", "ll" };

  for (guint i = 0; i < G_N_ELEMENTS (endings); i++)
    {
      gsize    length = strlen (endings[i]);
      gboolean same = TRUE;

      for (gsize k = 0; k < length && same; k++)
        same = rest[k] == (gunichar) endings[i][k];
      if (same && !g_unichar_isalpha (rest[length]))
        return TRUE;
    }
  return FALSE;
}

/* Case-folds, decomposes and drops accents, leaving an array of characters. */
static gunichar *
fold_to_chars (const char *text, gssize length, glong *n_chars)
{
  g_autofree char *folded = g_utf8_casefold (text, length);
  g_autofree char *decomposed = g_utf8_normalize (folded, -1, G_NORMALIZE_NFKD);
  gunichar        *chars;
  glong            n = 0;

  if (decomposed == NULL)
    decomposed = g_utf8_make_valid (folded, -1);

  chars = g_new (gunichar, g_utf8_strlen (decomposed, -1) + 1);
  for (const char *p = decomposed; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_ismark (c))
        continue;
      chars[n++] = c;
    }
  chars[n] = 0;

  /* Apostrophes go once the whole text is known, as they depend on what follows. */
  {
    glong kept = 0;

    for (glong i = 0; i < n; i++)
      {
        if (is_apostrophe (chars[i]))
          {
            if (kept > 0 && g_unichar_isalpha (chars[kept - 1]) && !is_contraction (&chars[i + 1]))
              chars[kept++] = ' ';
            continue;
          }
        chars[kept++] = chars[i];
      }
    chars[kept] = 0;
    n = kept;
  }

  *n_chars = n;
  return chars;
}

/* The text side: letters with repeats collapsed, light leetspeak, sentence ends kept as ". ",
 * anything else a single space. */
static char *
normalize_text (const char *text)
{
  glong                n = 0;
  g_autofree gunichar *chars = fold_to_chars (text, -1, &n);
  GString             *out = g_string_sized_new (n + 2);
  gunichar             previous = ' ';

  for (glong i = 0; i < n; i++)
    {
      gunichar c = chars[i];
      gunichar before = i > 0 ? chars[i - 1] : ' ';
      gunichar after = i + 1 < n ? chars[i + 1] : ' ';
      gunichar leet = leet_letter (c);

      /* "suic1d3", "k1ll", "$elf": a digit between letters stands for a letter. */
      if (leet != 0 && is_letter (after) && (is_letter (before) || c == '$'))
        c = leet;

      if (is_letter (c))
        {
          if (c == previous)
            continue;
          g_string_append_unichar (out, c);
        }
      else if (g_unichar_isdigit (c) || c == '=' || c == '*')
        {
          g_string_append_unichar (out, c);
        }
      else if (c == '.' || c == '!' || c == '?' || c == '\n' || c == ';' || c == 0x2026)
        {
          /* An ellipsis ("i just... want to die") keeps the sentence whole. */
          gboolean ellipsis = c == 0x2026 || (c == '.' && (after == '.' || before == '.'));
          gboolean decimal = c == '.' && g_unichar_isdigit (before) && g_unichar_isdigit (after);

          if (ellipsis || decimal)
            c = ' ';
          else
            c = '.';

          if (c == '.' && previous != '.')
            {
              if (out->len > 0 && out->str[out->len - 1] == ' ')
                g_string_truncate (out, out->len - 1);
              g_string_append_c (out, '.');
            }
          else if (c == ' ' && previous != ' ' && previous != '.')
            g_string_append_c (out, ' ');
        }
      else
        {
          c = ' ';
          if (previous != ' ' && previous != '.')
            g_string_append_c (out, ' ');
        }
      previous = c == '\n' ? '.' : c;
    }

  return g_string_free (out, FALSE);
}

/* The pattern side: the same folding for literal letters, regex syntax left alone. */
static char *
normalize_pattern (const char *pattern)
{
  glong                n = 0;
  g_autofree gunichar *chars = fold_to_chars (pattern, -1, &n);
  GString             *out = g_string_sized_new (n + 2);
  gunichar             previous = 0;

  for (glong i = 0; i < n; i++)
    {
      gunichar c = chars[i];

      if (c == '\\' && i + 1 < n)
        {
          /* Escapes keep their case: \b and \B differ. */
          g_string_append_c (out, '\\');
          g_string_append_unichar (out, chars[++i]);
          previous = 0;
          continue;
        }
      if (is_letter (c) && c == previous)
        continue;
      g_string_append_unichar (out, c);
      previous = is_letter (c) ? c : 0;
    }

  return g_string_free (out, FALSE);
}

/* A plain word (keyword, stopword): folded like text. */
static char *
normalize_word (const char *word)
{
  g_autofree char *normal = normalize_text (word);

  return g_strdup (g_strstrip (normal));
}

/* Typos: a keyword with a letter missing, a letter too many or two letters swapped. */

static const char *
lookup_keyword (SamSafetyDetector *self, const char *candidate)
{
  return g_hash_table_lookup (self->keywords, candidate);
}

static const char *
correct_token (SamSafetyDetector *self, const char *token, gsize length)
{
  g_autofree char *copy = NULL;
  const char      *found = NULL;

  if (length < 4 || length > 24)
    return NULL;
  copy = g_strndup (token, length);
  if (g_hash_table_contains (self->keywords, copy) || g_hash_table_contains (self->stopwords, copy))
    return NULL;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalpha (copy[i]) && copy[i] != '*')
      return NULL;

  /* A censored letter ("s*icide") matches any letter of a keyword of the same length. */
  if (strchr (copy, '*') != NULL)
    {
      GHashTableIter iter;
      gpointer       key;

      g_hash_table_iter_init (&iter, self->keywords);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          const char *keyword = key;
          gboolean    same = strlen (keyword) == length;

          for (gsize i = 0; same && i < length; i++)
            same = copy[i] == '*' || copy[i] == keyword[i];
          if (same)
            {
              if (found != NULL)
                return NULL;
              found = keyword;
            }
        }
      return found;
    }

  /* Two neighbouring letters swapped ("myslef", "wnat"). */
  for (gsize i = 0; i + 1 < length; i++)
    {
      const char *hit;
      char        t;

      if (copy[i] == copy[i + 1])
        continue;
      t = copy[i];
      copy[i] = copy[i + 1];
      copy[i + 1] = t;
      hit = lookup_keyword (self, copy);
      copy[i + 1] = copy[i];
      copy[i] = t;
      if (hit != NULL)
        {
          if (found != NULL && found != hit)
            return NULL;
          found = hit;
        }
    }
  if (found != NULL)
    return found;

  /* A letter missing ("nobdy", "sterbn"). */
  if (length >= 5)
    {
      const char *hit = g_hash_table_lookup (self->deletions, copy);

      if (hit != NULL)
        return *hit ? hit : NULL;
    }

  /* A letter too many ("suiciede"). */
  if (length >= 6)
    {
      g_autofree char *shorter = g_malloc (length);

      for (gsize i = 0; i < length; i++)
        {
          const char *hit;

          memcpy (shorter, copy, i);
          memcpy (shorter + i, copy + i + 1, length - i - 1);
          shorter[length - 1] = '\0';
          hit = lookup_keyword (self, shorter);
          if (hit != NULL)
            {
              if (found != NULL && found != hit)
                return NULL;
              found = hit;
            }
        }
    }

  return found;
}

static char *
correct_typos (SamSafetyDetector *self, const char *normal)
{
  GString    *out = g_string_sized_new (strlen (normal) + 8);
  const char *p = normal;

  while (*p)
    {
      const char *start = p;
      const char *fix;

      if (!g_ascii_isalnum (*p) && *p != '*')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      while (*p && (g_ascii_isalnum (*p) || *p == '*' || (guchar) *p >= 0x80))
        p++;
      fix = correct_token (self, start, p - start);
      if (fix != NULL)
        g_string_append (out, fix);
      else
        g_string_append_len (out, start, p - start);
    }

  return g_string_free (out, FALSE);
}

char *
sam_safety_normalize (SamSafetyDetector *self, const char *text)
{
  g_autofree char *normal = NULL;

  g_return_val_if_fail (SAM_IS_SAFETY_DETECTOR (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  normal = normalize_text (text);
  return correct_typos (self, normal);
}

/* Loading */

static const char *kind_names[] = { "none", "ideation", "self-harm", "farewell", "plan" };

const char *
sam_safety_kind_to_string (SamSafetyKind kind)
{
  g_return_val_if_fail (kind < SAM_SAFETY_N_KINDS, "none");

  return kind_names[kind];
}

SamSafetyKind
sam_safety_kind_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (name, kind_names[i]) == 0)
      return i;
  return SAM_SAFETY_KIND_NONE;
}

static gboolean
expand_macros (JsonObject *macros,
               const char *source,
               const char *file,
               const char *rule_id,
               char      **expanded,
               GError    **error)
{
  g_autofree char *current = g_strdup (source);

  /* Macros may use macros, three levels deep. */
  for (int depth = 0; depth < 4; depth++)
    {
      GString    *out = g_string_new (NULL);
      const char *p = current;
      gboolean    changed = FALSE;

      while (*p)
        {
          const char *end;

          if (*p == '{' && g_ascii_isupper (p[1]) && (end = strchr (p, '}')) != NULL)
            {
              g_autofree char *name = g_strndup (p + 1, end - p - 1);
              gboolean         is_name = TRUE;

              for (const char *q = name; *q; q++)
                is_name = is_name && (g_ascii_isupper (*q) || *q == '_' || g_ascii_isdigit (*q));
              if (is_name)
                {
                  if (macros == NULL || !json_object_has_member (macros, name))
                    {
                      g_string_free (out, TRUE);
                      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "Safety rules %s: rule “%s” uses the unknown macro {%s}.", file,
                                   rule_id, name);
                      return FALSE;
                    }
                  g_string_append (out, "(?:");
                  g_string_append (out, json_object_get_string_member (macros, name));
                  g_string_append (out, ")");
                  p = end + 1;
                  changed = TRUE;
                  continue;
                }
            }
          g_string_append_c (out, *p++);
        }
      g_free (current);
      current = g_string_free (out, FALSE);
      if (!changed)
        break;
    }

  *expanded = g_steal_pointer (&current);
  return TRUE;
}

static GRegex *
compile_pattern (
    JsonObject *macros, const char *source, const char *file, const char *rule_id, GError **error)
{
  g_autofree char *expanded = NULL;
  g_autofree char *normal = NULL;
  g_autoptr (GError) local_error = NULL;
  GRegex *regex;

  if (!expand_macros (macros, source, file, rule_id, &expanded, error))
    return NULL;
  normal = normalize_pattern (expanded);
  regex = g_regex_new (normal, G_REGEX_OPTIMIZE, 0, &local_error);
  if (regex == NULL)
    {
      g_set_error (
          error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "Safety rules %s: the pattern of rule “%s” is not a valid regular expression: %s", file,
          rule_id, local_error->message);
      return NULL;
    }
  return regex;
}

static void
add_keyword (SamSafetyDetector *self, const char *word)
{
  g_autofree char *normal = normalize_word (word);
  gsize            length = strlen (normal);

  if (length < 4 || g_hash_table_contains (self->keywords, normal))
    return;
  g_hash_table_add (self->keywords, g_strdup (normal));

  /* Every form with one letter missing points back to the keyword, so a token that lacks a
   * letter is found with one lookup. Two keywords sharing a form make it ambiguous. */
  if (length < 6)
    return;
  for (gsize i = 0; i < length; i++)
    {
      g_autofree char *shorter = g_malloc (length);
      const char      *other;

      memcpy (shorter, normal, i);
      memcpy (shorter + i, normal + i + 1, length - i - 1);
      shorter[length - 1] = '\0';
      other = g_hash_table_lookup (self->deletions, shorter);
      if (other == NULL)
        g_hash_table_insert (self->deletions, g_steal_pointer (&shorter), g_strdup (normal));
      else if (!g_str_equal (other, normal))
        g_hash_table_insert (self->deletions, g_steal_pointer (&shorter), g_strdup (""));
    }
}

/* A concept is a list of words and phrases; it becomes a macro matching any of them as whole
 * words. A trailing "*" stands for any ending ("umbring*"). */
static char *
concept_to_pattern (JsonArray *words)
{
  GString *out = g_string_new ("\\b(?:");

  for (guint i = 0; i < json_array_get_length (words); i++)
    {
      const char *word = json_array_get_string_element (words, i);
      gsize       length = word ? strlen (word) : 0;

      if (length == 0)
        continue;
      if (out->str[out->len - 1] != ':')
        g_string_append_c (out, '|');
      if (word[length - 1] == '*')
        {
          g_string_append_len (out, word, length - 1);
          g_string_append (out, "\\w*");
        }
      else
        g_string_append (out, word);
    }
  g_string_append (out, ")\\b");
  return g_string_free (out, FALSE);
}

/* Compiles the parts of a composed rule; the same piece in several rules is compiled once. */
static GArray *
compile_parts (SamSafetyDetector *self,
               JsonObject        *vocabulary,
               JsonArray         *sources,
               const char        *file,
               const char        *rule_id,
               GError           **error)
{
  g_autoptr (GArray) parts = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; sources != NULL && i < json_array_get_length (sources); i++)
    {
      const char *source = json_array_get_string_element (sources, i);
      g_autoptr (GRegex) regex = NULL;
      guint index;

      if (source == NULL)
        continue;
      regex = compile_pattern (vocabulary, source, file, rule_id, error);
      if (regex == NULL)
        return NULL;
      index = GPOINTER_TO_UINT (g_hash_table_lookup (self->part_ids, g_regex_get_pattern (regex)));
      if (index == 0)
        {
          g_ptr_array_add (self->parts, g_regex_ref (regex));
          index = self->parts->len;
          g_hash_table_insert (self->part_ids, g_strdup (g_regex_get_pattern (regex)),
                               GUINT_TO_POINTER (index));
        }
      index--;
      g_array_append_val (parts, index);
    }
  return g_steal_pointer (&parts);
}

static void
concept_entry_free (gpointer data)
{
  ConceptEntry *entry = data;

  g_strfreev (entry->rest);
  g_free (entry);
}

/* Indexes a concept entry of plain words by its first word; FALSE for a pattern. */
static gboolean
add_concept_entry (SamSafetyDetector *self, Language *language, const char *name, const char *word)
{
  g_autofree char *normal = NULL;
  g_auto (GStrv) words = NULL;
  GPtrArray    *entries;
  ConceptEntry *entry;
  guint         n = 0;

  for (const char *p = word; *p; p++)
    if (strchr ("\\()[]{}?+|^$.", *p) != NULL || (*p == '*' && p[1] != '\0' && p[1] != ' '))
      return FALSE;
  normal = normalize_pattern (word);
  /* Hyphens and other signs are spaces in the text. */
  for (char *p = normal; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '*' && (guchar) *p < 0x80)
      *p = ' ';
  words = g_strsplit (g_strstrip (normal), " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      words[n++] = words[i];
    else
      g_free (words[i]);
  words[n] = NULL;
  if (n == 0)
    return TRUE;

  entry = g_new0 (ConceptEntry, 1);
  entry->name = name;
  entry->bit = language->bit;
  entry->rest = g_strdupv (words + 1);
  entries = g_hash_table_lookup (self->concept_words, words[0]);
  if (entries == NULL)
    {
      entries = g_ptr_array_new_with_free_func (concept_entry_free);
      g_hash_table_insert (self->concept_words, g_strdup (words[0]), entries);
    }
  g_ptr_array_add (entries, entry);
  return TRUE;
}

static Language *
find_language (SamSafetyDetector *self, const char *code)
{
  for (guint i = 0; i < self->languages->len; i++)
    {
      Language *language = g_ptr_array_index (self->languages, i);

      if (g_str_equal (language->code, code))
        return language;
    }
  return NULL;
}

static Scope
scope_from_string (const char *name, gboolean *valid)
{
  *valid = TRUE;
  if (g_strcmp0 (name, "span") == 0)
    return SCOPE_SPAN;
  if (g_strcmp0 (name, "sentence") == 0)
    return SCOPE_SENTENCE;
  if (g_strcmp0 (name, "message") == 0)
    return SCOPE_MESSAGE;
  *valid = FALSE;
  return SCOPE_SPAN;
}

/**
 * sam_safety_detector_load_language:
 * @json: one language file in the format of data/safety/README.md
 *
 * Adds a language's rules. Call sam_safety_detector_finish_loading() after the last one.
 */
gboolean
sam_safety_detector_load_language (SamSafetyDetector *self, GBytes *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root;
  g_autoptr (JsonObject) macros = NULL;
  JsonArray  *array;
  const char *code;
  Language   *language;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (SAM_IS_SAFETY_DETECTOR (self), FALSE);
  g_return_val_if_fail (!self->finished, FALSE);

  if (!json_parser_load_from_data (parser, g_bytes_get_data (json, NULL), g_bytes_get_size (json),
                                   &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "A safety rules file is not valid JSON: %s", local_error->message);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "A safety rules file must hold one JSON object.");
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  code = json_object_get_string_member_with_default (root, "language", NULL);
  if (code == NULL || strlen (code) < 2 || strlen (code) > 8)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "A safety rules file has no “language” code.");
      return FALSE;
    }
  code = g_intern_string (code);
  if (self->languages->len >= 31)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Too many safety rule languages.");
      return FALSE;
    }

  language = find_language (self, code);
  if (language == NULL)
    {
      language = g_new0 (Language, 1);
      language->code = code;
      language->concepts = g_array_new (FALSE, FALSE, sizeof (Concept));
      language->rules = g_ptr_array_new ();
      language->composed = g_ptr_array_new ();
      language->groups = g_array_new (FALSE, TRUE, sizeof (Group));
      language->blocks = g_array_new (FALSE, TRUE, sizeof (Group));
      language->bit = 1u << self->languages->len;
      g_ptr_array_add (self->languages, language);
      g_strv_builder_add (self->codes_builder, code);
    }

  /* Macros and concepts are one vocabulary that patterns and parts refer to as {NAME}. */
  macros = json_object_new ();
  if (json_object_has_member (root, "macros"))
    {
      JsonObject *given = json_object_get_object_member (root, "macros");
      g_autoptr (GList) names = json_object_get_members (given);

      for (GList *l = names; l != NULL; l = l->next)
        json_object_set_string_member (macros, l->data,
                                       json_object_get_string_member (given, l->data));
    }
  if (json_object_has_member (root, "concepts"))
    {
      JsonNode   *concepts_node = json_object_get_member (root, "concepts");
      JsonObject *concepts =
          JSON_NODE_HOLDS_OBJECT (concepts_node) ? json_node_get_object (concepts_node) : NULL;
      g_autoptr (GList) names = NULL;

      if (concepts == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Safety rules %s: “concepts” must map names to lists of words.", code);
          return FALSE;
        }
      names = json_object_get_members (concepts);
      for (GList *l = names; l != NULL; l = l->next)
        {
          JsonNode        *node = json_object_get_member (concepts, l->data);
          JsonArray       *words = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
          g_autofree char *pattern = NULL;

          if (words == NULL)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Safety rules %s: concept “%s” must be a list of words.", code,
                           (const char *) l->data);
              return FALSE;
            }
          pattern = concept_to_pattern (words);
          json_object_set_string_member (macros, l->data, pattern);
        }

      /* Each concept on its own, once every concept it may refer to is known. */
      for (GList *l = names; l != NULL; l = l->next)
        {
          JsonArray *words = json_node_get_array (json_object_get_member (concepts, l->data));
          g_autoptr (JsonArray) patterns = json_array_new ();
          Concept concept = { g_intern_string (l->data), NULL };

          for (guint i = 0; i < json_array_get_length (words); i++)
            {
              const char *word = json_array_get_string_element (words, i);

              if (word != NULL && !add_concept_entry (self, language, concept.name, word))
                json_array_add_string_element (patterns, word);
            }
          if (json_array_get_length (patterns) > 0)
            {
              g_autofree char *source = concept_to_pattern (patterns);

              concept.regex = compile_pattern (macros, source, code, l->data, error);
              if (concept.regex == NULL)
                return FALSE;
              g_array_append_val (language->concepts, concept);
            }
        }
    }

  if (json_object_has_member (root, "stopwords"))
    {
      array = json_object_get_array_member (root, "stopwords");
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *word = normalize_word (json_array_get_string_element (array, i));
          guint            mask = GPOINTER_TO_UINT (g_hash_table_lookup (self->stopwords, word));

          g_hash_table_insert (self->stopwords, g_steal_pointer (&word),
                               GUINT_TO_POINTER (mask | language->bit));
        }
    }

  if (json_object_has_member (root, "keywords"))
    {
      array = json_object_get_array_member (root, "keywords");
      for (guint i = 0; i < json_array_get_length (array); i++)
        add_keyword (self, json_array_get_string_element (array, i));
    }

  array =
      json_object_has_member (root, "rules") ? json_object_get_array_member (root, "rules") : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      const char *id = json_object_get_string_member_with_default (object, "id", NULL);
      const char *pattern = json_object_get_string_member_with_default (object, "pattern", NULL);
      const char *kind = json_object_get_string_member_with_default (object, "kind", NULL);
      double      strength = json_object_get_double_member_with_default (object, "strength", 0.9);
      const char *requires = json_object_get_string_member_with_default (object, "requires", NULL);
      gboolean    cue = g_strcmp0 (kind, "cue") == 0;
      JsonNode   *all_node = json_object_get_member (object, "all");
      JsonArray  *all = all_node != NULL && JSON_NODE_HOLDS_ARRAY (all_node)
                            ? json_node_get_array (all_node)
                            : NULL;
      Rule       *rule;

      if (id == NULL || (pattern == NULL) == (all_node == NULL) ||
          (all_node != NULL && all == NULL) || (all != NULL && json_array_get_length (all) == 0) ||
          (!cue && sam_safety_kind_from_string (kind) == 0) || strength <= 0 || strength > 1)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Safety rules %s: rule %u needs an “id”, a “pattern” or a list “all” "
                       "(one of them), a known “kind” (or “cue”) and a “strength” between 0 "
                       "and 1.",
                       code, i + 1);
          return FALSE;
        }

      rule = g_new0 (Rule, 1);
      rule->id = g_strdup_printf ("%s/%s", code, id);
      rule->language = code;
      rule->kind = sam_safety_kind_from_string (kind);
      rule->strength = cue ? 0.0 : strength;
      rule->cue = cue;
      rule->requires_name = requires ? g_strdup_printf ("%s/%s", code, requires) : NULL;
      if (all != NULL)
        {
          JsonNode  *none_node = json_object_get_member (object, "none");
          JsonArray *none = none_node != NULL && JSON_NODE_HOLDS_ARRAY (none_node)
                                ? json_node_get_array (none_node)
                                : NULL;

          rule->window = json_object_get_int_member_with_default (object, "window", 60);
          rule->ordered = json_object_get_boolean_member_with_default (object, "ordered", FALSE);
          rule->all = compile_parts (self, macros, all, code, id, error);
          if (rule->all != NULL)
            rule->none = compile_parts (self, macros, none, code, id, error);
          if (rule->all == NULL || rule->none == NULL)
            {
              rule_free (rule);
              return FALSE;
            }
          g_ptr_array_add (self->rules, rule);
          g_ptr_array_add (language->composed, rule);
          continue;
        }
      rule->regex = compile_pattern (macros, pattern, code, id, error);
      if (rule->regex == NULL)
        {
          rule_free (rule);
          return FALSE;
        }
      g_ptr_array_add (self->rules, rule);
      g_ptr_array_add (language->rules, rule);
    }

  array = json_object_has_member (root, "negatives")
              ? json_object_get_array_member (root, "negatives")
              : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      const char *id = json_object_get_string_member_with_default (object, "id", NULL);
      const char *pattern = json_object_get_string_member_with_default (object, "pattern", NULL);
      const char *scope = json_object_get_string_member_with_default (object, "scope", "span");
      gboolean    valid_scope;
      Negative   *negative;

      scope_from_string (scope, &valid_scope);
      if (id == NULL || pattern == NULL || !valid_scope)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Safety rules %s: negative rule %u needs an “id”, a “pattern” and a "
                       "“scope” of span, sentence or message.",
                       code, i + 1);
          return FALSE;
        }

      negative = g_new0 (Negative, 1);
      negative->id = g_strdup_printf ("%s/%s", code, id);
      negative->language = code;
      negative->bit = language->bit;
      negative->scope = scope_from_string (scope, &valid_scope);
      negative->regex = compile_pattern (macros, pattern, code, id, error);
      if (negative->regex == NULL)
        {
          negative_free (negative);
          return FALSE;
        }
      g_ptr_array_add (self->negatives, negative);
    }

  return TRUE;
}

/* One alternation of N rules from FIRST. Every rule starts at a word; saying so once lets the
 * matcher skip most positions. */
static GRegex *
combine_rules (Language *language, guint first, guint n, GError **error)
{
  g_autoptr (GString) source = g_string_new ("\\b(?:");
  g_autoptr (GError) local_error = NULL;
  GRegex *regex;

  for (guint r = first; r < first + n; r++)
    {
      Rule *rule = g_ptr_array_index (language->rules, r);

      if (r > first)
        g_string_append_c (source, '|');
      g_string_append (source, "(?:");
      g_string_append (source, g_regex_get_pattern (rule->regex));
      g_string_append_c (source, ')');
    }
  g_string_append_c (source, ')');

  regex = g_regex_new (source->str, G_REGEX_OPTIMIZE, 0, &local_error);
  if (regex == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "Safety rules %s could not be combined: %s", language->code, local_error->message);
  return regex;
}

/**
 * sam_safety_detector_finish_loading:
 *
 * Compiles each language's rules into one expression that rules out most messages at once.
 */
gboolean
sam_safety_detector_finish_loading (SamSafetyDetector *self, GError **error)
{
  g_return_val_if_fail (SAM_IS_SAFETY_DETECTOR (self), FALSE);
  g_return_val_if_fail (!self->finished, FALSE);

  for (guint r = 0; r < self->rules->len; r++)
    {
      Rule *rule = g_ptr_array_index (self->rules, r);

      if (rule->requires_name == NULL)
        continue;
      for (guint k = 0; k < self->rules->len && rule->requires == NULL; k++)
        {
          Rule *other = g_ptr_array_index (self->rules, k);

          if (other != rule && g_str_equal (other->id, rule->requires_name))
            rule->requires = other;
        }
      if (rule->requires == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Safety rule “%s” requires “%s”, which does not exist.", rule->id,
                       rule->requires_name);
          return FALSE;
        }
      g_clear_pointer (&rule->requires_name, g_free);
    }

  for (guint i = 0; i < self->languages->len; i++)
    {
      Language *language = g_ptr_array_index (self->languages, i);

      guint n_rules = language->rules->len;
      guint n_groups = (n_rules + GROUP_SIZE - 1) / GROUP_SIZE;

      for (guint g = 0; g < n_groups; g++)
        {
          Group group = { NULL, g * GROUP_SIZE, MIN (GROUP_SIZE, n_rules - g * GROUP_SIZE) };

          group.any = combine_rules (language, group.first, group.n, error);
          if (group.any == NULL)
            return FALSE;
          g_array_append_val (language->groups, group);
        }
      for (guint b = 0; b < n_groups; b += GROUPS_PER_BLOCK)
        {
          Group block = { NULL, b, MIN (GROUPS_PER_BLOCK, n_groups - b) };
          guint first_rule = b * GROUP_SIZE;
          guint last_rule = MIN (n_rules, (b + block.n) * GROUP_SIZE);

          block.any = combine_rules (language, first_rule, last_rule - first_rule, error);
          if (block.any == NULL)
            return FALSE;
          g_array_append_val (language->blocks, block);
        }
    }

  self->codes = g_strv_builder_end (self->codes_builder);
  g_clear_pointer (&self->codes_builder, g_strv_builder_unref);
  self->finished = TRUE;
  return TRUE;
}

SamSafetyDetector *
sam_safety_detector_new (void)
{
  return g_object_new (SAM_TYPE_SAFETY_DETECTOR, NULL);
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void find_concepts (GPtrArray *words, GPtrArray *concepts, gpointer user_data);

/**
 * sam_safety_detector_new_builtin:
 *
 * Returns: a detector with every language shipped in the data resource.
 */
SamSafetyDetector *
sam_safety_detector_new_builtin (GError **error)
{
  g_autoptr (SamSafetyDetector) self = sam_safety_detector_new ();
  g_auto (GStrv) names = NULL;

  names = g_resources_enumerate_children (DATA_PATH, 0, error);
  if (names == NULL)
    return NULL;

  /* A stable order keeps rule ids and the language list reproducible. */
  qsort (names, g_strv_length (names), sizeof (char *), compare_names);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      g_autoptr (GBytes) bytes = NULL;

      if (!g_str_has_suffix (names[i], ".json"))
        continue;
      path = g_strconcat (DATA_PATH, names[i], NULL);
      bytes = g_resources_lookup_data (path, 0, error);
      if (bytes == NULL || !sam_safety_detector_load_language (self, bytes, error))
        return NULL;
    }

  if (!sam_safety_detector_finish_loading (self, error))
    return NULL;

  self->model = sam_safety_model_new_builtin (error);
  if (self->model == NULL)
    return NULL;
  /* The detector owns the model, so it outlives every call. */
  sam_safety_model_set_concept_func (self->model, find_concepts, self);
  return g_steal_pointer (&self);
}

/**
 * sam_safety_detector_get_default:
 *
 * Returns: (transfer none): the shared built-in detector. It is immutable and may be used from
 * any thread.
 */
SamSafetyDetector *
sam_safety_detector_get_default (void)
{
  static SamSafetyDetector *detector;
  static gsize              initialized;

  if (g_once_init_enter (&initialized))
    {
      g_autoptr (GError) error = NULL;

      /* The rules ship inside the binary; failing to load them is a build defect. */
      detector = sam_safety_detector_new_builtin (&error);
      if (detector == NULL)
        g_error ("The built-in safety rules do not load: %s", error->message);
      g_once_init_leave (&initialized, 1);
    }

  return detector;
}

const char *const *
sam_safety_detector_get_languages (SamSafetyDetector *self)
{
  g_return_val_if_fail (SAM_IS_SAFETY_DETECTOR (self), NULL);
  g_return_val_if_fail (self->finished, NULL);

  return (const char *const *) self->codes;
}

guint
sam_safety_detector_get_n_rules (SamSafetyDetector *self)
{
  g_return_val_if_fail (SAM_IS_SAFETY_DETECTOR (self), 0);

  return self->rules->len;
}

/* Checking */

/* Rules below this confidence are overruled when the model gives the message less than
 * MODEL_VETO_PROBABILITY; train-model.py chooses its threshold with the same values. */
#define MODEL_VETO_BELOW       0.95
#define MODEL_VETO_PROBABILITY 0.05

typedef struct
{
  Rule    *rule;
  guint    sentence;
  int      start;
  int      end;
  gboolean cancelled;
} Hit;

typedef struct
{
  const char *text;
  int         length;
} Sentence;

static void
find_rule_hits (Rule *rule, const Sentence *sentence, guint index, Hit *hits, guint *n_hits)
{
  g_autoptr (GMatchInfo) info = NULL;

  g_regex_match_full (rule->regex, sentence->text, sentence->length, 0, 0, &info, NULL);
  while (g_match_info_matches (info) && *n_hits < MAX_HITS)
    {
      Hit *hit = &hits[(*n_hits)++];

      hit->rule = rule;
      hit->sentence = index;
      g_match_info_fetch_pos (info, 0, &hit->start, &hit->end);
      hit->cancelled = FALSE;
      g_match_info_next (info, NULL);
    }
}

static gboolean
group_matches (const Group *group, const Sentence *sentence)
{
  return g_regex_match_full (group->any, sentence->text, sentence->length, 0, 0, NULL, NULL);
}

static void
find_hits (Language *language, const Sentence *sentence, guint index, Hit *hits, guint *n_hits)
{
  for (guint b = 0; b < language->blocks->len; b++)
    {
      const Group *block = &g_array_index (language->blocks, Group, b);

      if (!group_matches (block, sentence))
        continue;
      for (guint g = block->first; g < block->first + block->n; g++)
        {
          const Group *group = &g_array_index (language->groups, Group, g);

          if (!group_matches (group, sentence))
            continue;
          for (guint r = group->first; r < group->first + group->n && *n_hits < MAX_HITS; r++)
            find_rule_hits (g_ptr_array_index (language->rules, r), sentence, index, hits, n_hits);
        }
    }
}

static const PartMatches *
part_matches (SamSafetyDetector *self, guint part, const Sentence *sentence, PartMatches *cache)
{
  PartMatches *matches = &cache[part];
  g_autoptr (GMatchInfo) info = NULL;

  if (matches->n >= 0)
    return matches;
  matches->n = 0;
  g_regex_match_full (g_ptr_array_index (self->parts, part), sentence->text, sentence->length, 0, 0,
                      &info, NULL);
  while (g_match_info_matches (info) && matches->n < MAX_PART_MATCHES)
    {
      g_match_info_fetch_pos (info, 0, &matches->start[matches->n], &matches->end[matches->n]);
      matches->n++;
      g_match_info_next (info, NULL);
    }
  return matches;
}

/* The shortest stretch that holds one match of every part (in order if the rule says so);
 * tries every choice, which stays small: a part rarely matches more than twice a sentence. */
static gboolean
find_stretch (const Rule         *rule,
              const PartMatches **parts,
              guint               k,
              int                *choice,
              int                *best,
              int                *start,
              int                *end)
{
  gboolean found = FALSE;

  if (k == rule->all->len)
    {
      int lo = G_MAXINT, hi = 0;

      for (guint i = 0; i < k; i++)
        {
          lo = MIN (lo, parts[i]->start[choice[i]]);
          hi = MAX (hi, parts[i]->end[choice[i]]);
          if (rule->ordered && i > 0 &&
              parts[i]->start[choice[i]] < parts[i - 1]->end[choice[i - 1]])
            return FALSE;
        }
      if (hi - lo > rule->window || (*end > *start && hi - lo >= *end - *start))
        return FALSE;
      *start = lo;
      *end = hi;
      memcpy (best, choice, k * sizeof (int));
      return TRUE;
    }
  for (int m = 0; m < parts[k]->n; m++)
    {
      choice[k] = m;
      found |= find_stretch (rule, parts, k + 1, choice, best, start, end);
    }
  return found;
}

static void
find_composed_hits (SamSafetyDetector *self,
                    Language          *language,
                    const Sentence    *sentence,
                    guint              index,
                    PartMatches       *cache,
                    Hit               *hits,
                    guint             *n_hits)
{
  for (guint r = 0; r < language->composed->len && *n_hits < MAX_HITS; r++)
    {
      Rule              *rule = g_ptr_array_index (language->composed, r);
      const PartMatches *parts[16];
      int                choice[16], best[16];
      int                start = 0, end = 0;
      gboolean           present = rule->all->len <= G_N_ELEMENTS (parts);
      gboolean           vetoed = FALSE;

      for (guint i = 0; present && i < rule->all->len; i++)
        {
          parts[i] = part_matches (self, g_array_index (rule->all, guint, i), sentence, cache);
          present = parts[i]->n > 0;
        }
      if (!present || !find_stretch (rule, parts, 0, choice, best, &start, &end))
        continue;

      /* A "none" part vetoes the stretch it starts in, or a word or two around it ("not"). */
      for (guint i = 0; i < rule->none->len && !vetoed; i++)
        {
          const PartMatches *none =
              part_matches (self, g_array_index (rule->none, guint, i), sentence, cache);

          for (int m = 0; m < none->n && !vetoed; m++)
            {
              gboolean inside_part = FALSE;

              /* A part may hold the word itself ("no despertar", "nicht mehr da"). */
              for (guint p = 0; p < rule->all->len && !inside_part; p++)
                inside_part = none->start[m] >= parts[p]->start[best[p]] &&
                              none->end[m] <= parts[p]->end[best[p]];
              vetoed = !inside_part && none->start[m] >= start - NONE_REACH &&
                       none->start[m] < end + NONE_REACH;
            }
        }
      if (vetoed)
        continue;

      hits[*n_hits].rule = rule;
      hits[*n_hits].sentence = index;
      hits[*n_hits].start = start;
      hits[*n_hits].end = end;
      hits[*n_hits].cancelled = FALSE;
      (*n_hits)++;
    }
}

static void
apply_negative (
    Negative *negative, const Sentence *sentences, guint n_sentences, Hit *hits, guint n_hits)
{
  for (guint s = 0; s < n_sentences; s++)
    {
      g_autoptr (GMatchInfo) info = NULL;
      gboolean relevant = FALSE;

      /* Only sentences with a live hit matter, except for message-wide rules. */
      for (guint h = 0; h < n_hits && !relevant; h++)
        relevant =
            !hits[h].cancelled && (negative->scope == SCOPE_MESSAGE || hits[h].sentence == s);
      if (!relevant)
        continue;

      g_regex_match_full (negative->regex, sentences[s].text, sentences[s].length, 0, 0, &info,
                          NULL);
      while (g_match_info_matches (info))
        {
          int start, end;

          g_match_info_fetch_pos (info, 0, &start, &end);
          for (guint h = 0; h < n_hits; h++)
            {
              Hit *hit = &hits[h];

              switch (negative->scope)
                {
                case SCOPE_SPAN:
                  if (hit->sentence == s && hit->start < end && start < hit->end)
                    hit->cancelled = TRUE;
                  break;
                case SCOPE_SENTENCE:
                  if (hit->sentence == s)
                    hit->cancelled = TRUE;
                  break;
                case SCOPE_MESSAGE:
                  if (hit->rule->strength < MESSAGE_SCOPE_SPARES)
                    hit->cancelled = TRUE;
                  break;
                default:
                  g_assert_not_reached ();
                }
            }
          g_match_info_next (info, NULL);
        }
    }
}

static void
count_stopwords (SamSafetyDetector *self, const char *normal, guint counts[32])
{
  const char *p = normal;

  while (*p)
    {
      const char *start;
      guint       mask;

      while (*p && !g_ascii_isalpha (*p))
        p++;
      start = p;
      while (*p && g_ascii_isalpha (*p))
        p++;
      if (p == start)
        continue;
      {
        g_autofree char *word = g_strndup (start, p - start);

        mask = GPOINTER_TO_UINT (g_hash_table_lookup (self->stopwords, word));
      }
      for (guint i = 0; mask != 0 && i < self->languages->len; i++)
        if (mask & (1u << i))
          counts[i]++;
    }
}

/* The languages a message is written in: those using at least half as many of their common
 * words as the most used one, or every language (~0) when it has too few common words to tell,
 * as short messages do. */
static guint
language_mask (SamSafetyDetector *self, const char *normal)
{
  guint counts[32] = { 0 };
  guint mask = 0, total = 0, most = 0;

  count_stopwords (self, normal, counts);
  for (guint i = 0; i < self->languages->len; i++)
    {
      total += counts[i];
      most = MAX (most, counts[i]);
    }
  for (guint i = 0; i < self->languages->len; i++)
    if (counts[i] > 0 && counts[i] * 2 >= most)
      mask |= 1u << i;
  return total >= 4 ? mask : ~0u;
}

static const char *
guess_language (SamSafetyDetector *self, const char *normal)
{
  guint       counts[32] = { 0 };
  guint       best = 0;
  const char *code = "und";

  count_stopwords (self, normal, counts);
  for (guint i = 0; i < self->languages->len; i++)
    {
      if (counts[i] > best)
        {
          best = counts[i];
          code = ((Language *) g_ptr_array_index (self->languages, i))->code;
        }
    }
  return code;
}

static SamSafetyResult
analyse (SamSafetyDetector *detector, const char *normal)
{
  SamSafetyResult         result = { SAM_SAFETY_KIND_NONE, "und", 0.0, NULL };
  g_autofree Sentence    *sentences = NULL;
  guint                   n_sentences = 0;
  Hit                     hits[MAX_HITS];
  guint                   n_hits = 0;
  const char             *p;
  double                  miss = 1.0;
  Rule                   *best = NULL;
  g_autofree PartMatches *cache = g_new (PartMatches, MAX (detector->parts->len, 1));
  guint                   languages = language_mask (detector, normal);

  /* Sentences end at "." (normalised from . ! ? ; and line breaks). */
  sentences = g_new0 (Sentence, strlen (normal) / 2 + 2);
  p = normal;
  while (*p)
    {
      const char *end;

      while (*p == ' ')
        p++;
      end = strchr (p, '.');
      if (end == NULL)
        end = p + strlen (p);
      if (end > p)
        {
          sentences[n_sentences].text = p;
          sentences[n_sentences].length = end - p;
          n_sentences++;
        }
      p = *end ? end + 1 : end;
    }

  for (guint s = 0; s < n_sentences; s++)
    {
      for (guint i = 0; i < detector->parts->len; i++)
        cache[i].n = -1;
      for (guint l = 0; l < detector->languages->len; l++)
        {
          Language *language = g_ptr_array_index (detector->languages, l);

          find_hits (language, &sentences[s], s, hits, &n_hits);
          /* Composed rules follow a language's grammar, so in a longer message they only read
           * it when it uses some of the language's common words. */
          if ((languages & language->bit) != 0)
            find_composed_hits (detector, language, &sentences[s], s, cache, hits, &n_hits);
        }
    }

  if (n_hits == 0)
    return result;

  /* A guard is a phrase of its language ("sang" is English for sung, French for blood), so it
   * only reads messages that use that language. */
  for (guint n = 0; n < detector->negatives->len; n++)
    {
      Negative *negative = g_ptr_array_index (detector->negatives, n);

      if ((languages & negative->bit) != 0)
        apply_negative (negative, sentences, n_sentences, hits, n_hits);
    }

  /* A rule that requires another counts only beside a live hit of it. */
  for (guint h = 0; h < n_hits; h++)
    {
      gboolean found = FALSE;

      if (hits[h].cancelled || hits[h].rule->requires == NULL)
        continue;
      for (guint k = 0; k < n_hits && !found; k++)
        found = !hits[k].cancelled && hits[k].rule == hits[h].rule->requires &&
                hits[k].sentence == hits[h].sentence;
      if (!found)
        hits[h].cancelled = TRUE;
    }

  /* Each rule counts once, however often it matched; cues never count. */
  for (guint h = 0; h < n_hits; h++)
    {
      gboolean seen = FALSE;

      if (hits[h].cancelled || hits[h].rule->cue)
        continue;
      for (guint k = 0; k < h && !seen; k++)
        seen = !hits[k].cancelled && hits[k].rule == hits[h].rule;
      /* The same words read as two languages ("suicide" is English and French), or by a
       * written rule and a composed one, are one sign: only the stronger reading counts. */
      for (guint k = 0; k < n_hits && !seen; k++)
        seen = k != h && !hits[k].cancelled && !hits[k].rule->cue &&
               (hits[k].rule->language != hits[h].rule->language ||
                (hits[k].rule->all == NULL) != (hits[h].rule->all == NULL)) &&
               hits[k].sentence == hits[h].sentence && hits[k].start < hits[h].end &&
               hits[h].start < hits[k].end &&
               (hits[k].rule->strength > hits[h].rule->strength ||
                (hits[k].rule->strength == hits[h].rule->strength && k < h));
      if (seen)
        continue;

      miss *= 1.0 - hits[h].rule->strength;
      if (best == NULL || hits[h].rule->strength > best->strength ||
          (hits[h].rule->strength == best->strength && hits[h].rule->kind > best->kind))
        best = hits[h].rule;
    }

  if (best == NULL)
    return result;

  result.confidence = 1.0 - miss;
  result.rule_id = best->id;
  result.language = best->language;
  if (result.confidence >= SAM_SAFETY_THRESHOLD - 1e-9)
    result.kind = best->kind;
  return result;
}

/* Concept features for the learned stage */

/* Matches of one concept kept per sentence, and of all concepts. */
#define CONCEPT_MATCHES     4
#define MAX_CONCEPT_MATCHES 96

/* Two concepts at most this many characters apart make a pair feature ("want" … "die"). */
#define CONCEPT_PAIR_REACH 40

typedef struct
{
  const char *name;
  int         start;
  int         end;
} ConceptMatch;

static guint32
hash_string (guint32 hash, const char *text)
{
  for (const char *p = text; *p; p++)
    hash = (hash ^ (guint8) *p) * 16777619u;
  return hash;
}

/* A concept feature: "k" and a concept's name, or "p", two names in order and "+" between. */
static void
concept_key (GArray *hashes, GPtrArray *names, const char *first, const char *second)
{
  guint32 hash = hash_string (2166136261u, second == NULL ? "k" : "p");

  hash = hash_string (hash, first);
  if (second != NULL)
    hash = hash_string (hash_string (hash, "+"), second);
  g_array_append_val (hashes, hash);
  if (names != NULL)
    g_ptr_array_add (names, second == NULL ? g_strconcat ("k", first, NULL)
                                           : g_strconcat ("p", first, "+", second, NULL));
}

static gboolean
word_matches (const char *pattern, const char *word, gsize length)
{
  gsize n = strlen (pattern);

  if (n > 0 && pattern[n - 1] == '*')
    return length >= n - 1 && strncmp (pattern, word, n - 1) == 0;
  return length == n && strncmp (pattern, word, n) == 0;
}

static void
add_concept_match (ConceptMatch *matches, guint *n, const char *name, int start, int end)
{
  for (guint k = 0; k < *n; k++)
    if (matches[k].name == name && matches[k].start == start && matches[k].end == end)
      return;
  if (*n < MAX_CONCEPT_MATCHES)
    matches[(*n)++] = (ConceptMatch){ name, start, end };
}

/* The entries listed under KEY (a word, or a prefix and "*") that start at word W. */
static void
match_entries (SamSafetyDetector *self,
               guint              languages,
               const char        *key,
               const int         *starts,
               const int         *ends,
               guint              n_words,
               guint              w,
               const char        *text,
               ConceptMatch      *matches,
               guint             *n)
{
  GPtrArray *entries = g_hash_table_lookup (self->concept_words, key);

  for (guint e = 0; entries != NULL && e < entries->len; e++)
    {
      const ConceptEntry *entry = g_ptr_array_index (entries, e);
      guint               k = 0;

      if ((entry->bit & languages) == 0)
        continue;
      while (entry->rest[k] != NULL && w + 1 + k < n_words &&
             word_matches (entry->rest[k], text + starts[w + 1 + k],
                           ends[w + 1 + k] - starts[w + 1 + k]))
        k++;
      if (entry->rest[k] == NULL)
        add_concept_match (matches, n, entry->name, starts[w], ends[w + k]);
    }
}

static void
sentence_concepts (
    SamSafetyDetector *self, guint languages, const char *text, GArray *hashes, GPtrArray *names)
{
  ConceptMatch     matches[MAX_CONCEPT_MATCHES];
  guint            n = 0;
  gsize            length = strlen (text);
  g_autofree int  *starts = g_new (int, length / 2 + 2);
  g_autofree int  *ends = g_new (int, length / 2 + 2);
  g_autofree char *key = g_malloc (length + 2);
  guint            n_words = 0;

  for (gsize i = 0; i < length;)
    {
      while (i < length && text[i] == ' ')
        i++;
      if (i == length)
        break;
      starts[n_words] = i;
      while (i < length && text[i] != ' ')
        i++;
      ends[n_words++] = i;
    }

  /* Words: each word as it is, and each of its beginnings followed by "*". */
  for (guint w = 0; w < n_words; w++)
    {
      int size = ends[w] - starts[w];

      memcpy (key, text + starts[w], size);
      key[size] = '\0';
      match_entries (self, languages, key, starts, ends, n_words, w, text, matches, &n);
      for (int k = size; k >= 1; k--)
        {
          key[k] = '*';
          key[k + 1] = '\0';
          match_entries (self, languages, key, starts, ends, n_words, w, text, matches, &n);
        }
    }

  /* Patterns. */
  for (guint l = 0; l < self->languages->len; l++)
    {
      Language *language = g_ptr_array_index (self->languages, l);

      if ((languages & language->bit) == 0)
        continue;
      for (guint c = 0; c < language->concepts->len; c++)
        {
          const Concept *concept = &g_array_index (language->concepts, Concept, c);
          g_autoptr (GMatchInfo) info = NULL;
          guint kept = 0;

          g_regex_match (concept->regex, text, 0, &info);
          while (g_match_info_matches (info) && kept < CONCEPT_MATCHES)
            {
              int start, end;

              g_match_info_fetch_pos (info, 0, &start, &end);
              add_concept_match (matches, &n, concept->name, start, end);
              kept++;
              g_match_info_next (info, NULL);
            }
        }
    }

  for (guint i = 0; i < n; i++)
    {
      gboolean seen = FALSE;

      for (guint k = 0; k < i && !seen; k++)
        seen = matches[k].name == matches[i].name;
      if (!seen)
        concept_key (hashes, names, matches[i].name, NULL);
    }
  for (guint i = 0; i < n; i++)
    for (guint k = i + 1; k < n; k++)
      {
        const ConceptMatch *a = &matches[i], *b = &matches[k];
        int                 gap = MAX (a->start, b->start) - MIN (a->end, b->end);

        if (a->name == b->name || gap > CONCEPT_PAIR_REACH)
          continue;
        if (strcmp (a->name, b->name) > 0)
          {
            const ConceptMatch *t = a;

            a = b;
            b = t;
          }
        concept_key (hashes, names, a->name, b->name);
      }
}

/**
 * sam_safety_detector_get_concepts:
 * @words: a message's sentences as sam_safety_model_split_words() returns them
 * @names: (out) (optional) (transfer full): for each sentence, a #GPtrArray of the features'
 *   names ("kDESIRE", "pDEATH+DESIRE"), in the order of their hashes
 *
 * The concept features the learned stage reads: for each sentence, every concept of the
 * message's languages that occurs in it, and every two concepts that occur close together,
 * named the same in every language so that what is learned in one serves the others.
 *
 * Returns: (transfer full): one #GArray of guint32 hashes per sentence.
 */
GPtrArray *
sam_safety_detector_get_concepts (SamSafetyDetector *self, GPtrArray *words, GPtrArray **names)
{
  GPtrArray *concepts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr (GString) message = g_string_new (NULL);
  g_autoptr (GString) sentence = g_string_new (NULL);
  guint languages;

  g_return_val_if_fail (SAM_IS_SAFETY_DETECTOR (self), concepts);
  g_return_val_if_fail (self->finished, concepts);

  if (names != NULL)
    *names = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);

      if (word != NULL)
        g_string_append_printf (message, "%s%s", message->len > 0 ? " " : "", word);
    }
  languages = language_mask (self, message->str);

  for (guint i = 0; i < words->len; i++)
    {
      const char      *word = g_ptr_array_index (words, i);
      g_autofree char *corrected = NULL;
      GArray          *hashes;
      GPtrArray       *sentence_names = NULL;

      if (word != NULL)
        {
          g_string_append_printf (sentence, "%s%s", sentence->len > 0 ? " " : "", word);
          continue;
        }
      corrected = correct_typos (self, sentence->str);
      hashes = g_array_new (FALSE, FALSE, sizeof (guint32));
      if (names != NULL)
        sentence_names = g_ptr_array_new_with_free_func (g_free);
      sentence_concepts (self, languages, corrected, hashes, sentence_names);
      g_ptr_array_add (concepts, hashes);
      if (names != NULL)
        g_ptr_array_add (*names, sentence_names);
      g_string_truncate (sentence, 0);
    }
  return concepts;
}

static void
find_concepts (GPtrArray *words, GPtrArray *concepts, gpointer user_data)
{
  g_autoptr (GPtrArray) found = sam_safety_detector_get_concepts (user_data, words, NULL);

  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add (concepts, g_array_ref (g_ptr_array_index (found, i)));
}

/**
 * sam_safety_detector_get_model:
 *
 * Returns: (transfer none) (nullable): the learned second stage, reading this detector's
 *   concepts; %NULL for a detector not built in.
 */
SamSafetyModel *
sam_safety_detector_get_model (SamSafetyDetector *self)
{
  g_return_val_if_fail (SAM_IS_SAFETY_DETECTOR (self), NULL);

  return self->model;
}

/**
 * sam_safety_check:
 * @detector: a detector, usually sam_safety_detector_get_default()
 * @text: one user message
 *
 * Checks a message for signs of suicide or self-harm risk. It runs in well under a
 * millisecond and neither logs nor keeps the text.
 *
 * Returns: the verdict; its strings belong to @detector.
 */
SamSafetyResult
sam_safety_check (SamSafetyDetector *detector, const char *text)
{
  SamSafetyResult  result = { SAM_SAFETY_KIND_NONE, "und", 0.0, NULL };
  g_autofree char *normal = NULL;
  g_autofree char *corrected = NULL;

  g_return_val_if_fail (SAM_IS_SAFETY_DETECTOR (detector), result);
  g_return_val_if_fail (detector->finished, result);

  if (text == NULL || *text == '\0')
    return result;

  normal = normalize_text (text);
  corrected = correct_typos (detector, normal);
  result = analyse (detector, corrected);

  /* A correction can also turn a real word of another language into a keyword ("suicido"
   * is Italian, not a typo of "suicidio"), so the text as written gets its own look. */
  if (!sam_safety_result_is_crisis (&result) && !g_str_equal (normal, corrected))
    {
      SamSafetyResult as_written = analyse (detector, normal);

      if (as_written.confidence > result.confidence)
        result = as_written;
    }

  if (detector->model != NULL && sam_safety_result_is_crisis (&result))
    {
      /* A weaker verdict of the rules gives way when the model is sure the message is
       * ordinary ("one more meeting and I jump out of the window lol"): the rules read a few
       * words, the model the whole message. */
      if (result.confidence < MODEL_VETO_BELOW)
        {
          double probability = sam_safety_model_probability (detector->model, text);

          if (probability < MODEL_VETO_PROBABILITY)
            {
              result.kind = SAM_SAFETY_KIND_NONE;
              result.confidence = probability;
              result.rule_id = SAM_SAFETY_MODEL_VETO_ID;
              result.language = NULL;
            }
        }
    }
  else if (detector->model != NULL)
    {
      /* The rules are precise but only know the phrasings someone wrote down; the model reads
       * the rest. Its threshold keeps its false positives low. */
      double probability = 0.0;

      if (sam_safety_model_is_crisis (detector->model, text, &probability))
        {
          result.kind = SAM_SAFETY_KIND_IDEATION;
          result.confidence = probability;
          result.rule_id = SAM_SAFETY_MODEL_RULE_ID;
          result.language = NULL;
        }
    }

  if (result.rule_id == NULL || result.language == NULL)
    result.language = guess_language (detector, normal);
  return result;
}

gboolean
sam_safety_result_is_crisis (const SamSafetyResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);

  return result->kind != SAM_SAFETY_KIND_NONE;
}
