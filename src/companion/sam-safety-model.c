/* sam-safety-model.c — the crisis detector's second stage: a linear model over hashed features.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A logistic regression trained by data/safety/train-model.py, which also documents the file
 * format (data/safety/model.bin). The text is folded (case, accents, repeated letters), split
 * into sentences and words; every word, pair of neighbouring words and character 3-, 4- and
 * 5-gram of a word (with a space on either side) is hashed with FNV-1a into 2^bits buckets.
 * Beside these words, the detector's concepts found in each sentence (DESIRE, DEATH, MEANS_ACT,
 * …, and pairs of them close together) are a second bag of features with weights of their
 * own, the same in every language. The probability is that of the whole message or of its
 * riskiest sentence, whichever is higher. The word features here and in train-model.py must
 * stay identical; the concept features reach the script from tests/sam-safety-features.c.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "sam-safety-model.h"

#define MODEL_PATH  RESOURCE_PATH "/data/safety/model.bin"
#define MAGIC       "SAMLR03"
#define HEADER_SIZE 36

/* Shorter sentences are only read as part of the whole message. */
#define SENTENCE_MIN_WORDS 3

struct _SamSafetyModel
{
  GBytes      *bytes;
  const gint8 *weights;
  guint        bits;
  double       scale;
  double       bias;
  double       threshold;
  double       sentence_threshold;

  /* Concept features: hashed into 2^concept_bits buckets, found by CONCEPT_FUNC. */
  const gint8         *concept_weights;
  guint                concept_bits;
  double               concept_scale;
  SamSafetyConceptFunc concept_func;
  gpointer             concept_data;
};

static float
read_float (const guint8 *data)
{
  guint32 raw;
  float   value;

  memcpy (&raw, data, sizeof raw);
  raw = GUINT32_FROM_LE (raw);
  memcpy (&value, &raw, sizeof value);
  return value;
}

/**
 * sam_safety_model_new_from_bytes:
 * @bytes: the contents of a model file
 *
 * Returns: (transfer full): the model, or %NULL with @error set when the file is not one.
 */
SamSafetyModel *
sam_safety_model_new_from_bytes (GBytes *bytes, GError **error)
{
  g_autoptr (SamSafetyModel) self = g_new0 (SamSafetyModel, 1);
  gsize         size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint32       bits;
  guint32       concept_bits;

  if (size < HEADER_SIZE || memcmp (data, MAGIC, sizeof MAGIC) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The crisis model is not a model file; run data/safety/train-model.py again.");
      return NULL;
    }
  memcpy (&bits, data + 8, sizeof bits);
  bits = GUINT32_FROM_LE (bits);
  memcpy (&concept_bits, data + 28, sizeof concept_bits);
  concept_bits = GUINT32_FROM_LE (concept_bits);
  if (bits < 8 || bits > 24 || concept_bits < 4 || concept_bits > 20 ||
      size != HEADER_SIZE + ((gsize) 1 << bits) + ((gsize) 1 << concept_bits))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The crisis model file is truncated; run data/safety/train-model.py again.");
      return NULL;
    }

  self->bytes = g_bytes_ref (bytes);
  self->bits = bits;
  self->scale = read_float (data + 12);
  self->bias = read_float (data + 16);
  self->threshold = read_float (data + 20);
  self->sentence_threshold = read_float (data + 24);
  self->concept_bits = concept_bits;
  self->concept_scale = read_float (data + 32);
  self->weights = (const gint8 *) (data + HEADER_SIZE);
  self->concept_weights = self->weights + ((gsize) 1 << bits);
  return g_steal_pointer (&self);
}

/**
 * sam_safety_model_new_builtin:
 *
 * Returns: (transfer full): the model shipped in the data resource.
 */
SamSafetyModel *
sam_safety_model_new_builtin (GError **error)
{
  g_autoptr (GBytes) bytes = g_resources_lookup_data (MODEL_PATH, 0, error);

  if (bytes == NULL)
    return NULL;
  return sam_safety_model_new_from_bytes (bytes, error);
}

void
sam_safety_model_free (SamSafetyModel *self)
{
  if (self == NULL)
    return;
  g_bytes_unref (self->bytes);
  g_free (self);
}

/**
 * sam_safety_model_get_threshold:
 *
 * Returns: the probability at or above which a message is a crisis, chosen when training.
 */
double
sam_safety_model_get_threshold (SamSafetyModel *self)
{
  g_return_val_if_fail (self != NULL, 1.0);

  return self->threshold;
}

/**
 * sam_safety_model_set_concept_func:
 * @func: (nullable): finds the concepts of a message's sentences
 *
 * Lets the model read the detector's concepts; without them it reads words only, and its
 * probabilities are not the ones it was trained for.
 */
void
sam_safety_model_set_concept_func (SamSafetyModel      *self,
                                   SamSafetyConceptFunc func,
                                   gpointer             user_data)
{
  g_return_if_fail (self != NULL);

  self->concept_func = func;
  self->concept_data = user_data;
}

/* Features */

static gboolean
is_apostrophe (gunichar c)
{
  return c == '\'' || c == 0x2019 || c == 0x02BC || c == 0x2018 || c == '`' || c == 0x00B4;
}

static gboolean
is_sentence_end (gunichar c)
{
  return c == '.' || c == '!' || c == '?' || c == ';' || c == '\n' || c == 0x2026;
}

/* "don't", "I'm", "you're": the apostrophe joins; "j'ai", "l'ultima": it separates. */
static gboolean
is_contraction (const gunichar *rest)
{
  static const char *const endings[] = { "t", "s", "m", "re", "ve", "ll", "d" };

  for (guint i = 0; i < G_N_ELEMENTS (endings); i++)
    {
      gsize    length = strlen (endings[i]);
      gboolean same = TRUE;

      for (gsize k = 0; k < length && same; k++)
        same = rest[k] == (gunichar) endings[i][k];
      if (same && (length >= 3 || rest[length] == 0 || !g_unichar_isalpha (rest[length])))
        return TRUE;
    }
  return FALSE;
}

static guint32
fnv1a (guint32 hash, const char *data, gsize length)
{
  for (gsize i = 0; i < length; i++)
    hash = (hash ^ (guint8) data[i]) * 16777619u;
  return hash;
}

static void
add_hash (GArray *buckets, guint bits, guint32 hash)
{
  hash = (hash ^ (hash >> bits)) & ((1u << bits) - 1);
  g_array_append_val (buckets, hash);
}

/* The buckets of one word, of its pair with the next word (NEXT may be NULL) and of its
 * character n-grams, hashed as "w" word, "b" word " " next and "c" n-gram. */
static void
add_word (GArray *buckets, guint bits, const char *word, const char *next)
{
  gsize             length = strlen (word);
  guint             offsets[64];
  guint            *starts = offsets;
  glong             n = g_utf8_strlen (word, -1) + 2; /* with a space on either side */
  guint32           hash;
  const char       *p = word;
  g_autofree guint *allocated = NULL;

  add_hash (buckets, bits, fnv1a (fnv1a (2166136261u, "w", 1), word, length));
  if (next != NULL)
    {
      hash = fnv1a (fnv1a (2166136261u, "b", 1), word, length);
      hash = fnv1a (fnv1a (hash, " ", 1), next, strlen (next));
      add_hash (buckets, bits, hash);
    }

  /* Where each character of " word " starts, counting the leading space as offset 0 and
   * the word's bytes from 1. */
  if (n + 1 > (glong) G_N_ELEMENTS (offsets))
    starts = allocated = g_new (guint, n + 1);
  starts[0] = 0;
  for (glong i = 1; i < n; i++)
    {
      starts[i] = 1 + (p - word);
      p = g_utf8_next_char (p);
    }
  starts[n - 1] = 1 + length;
  starts[n] = 2 + length;

  for (glong k = 3; k <= 5; k++)
    for (glong i = 0; i + k <= n; i++)
      {
        guint from = starts[i];
        guint to = starts[i + k];

        hash = fnv1a (2166136261u, "c", 1);
        /* Offsets 0 and length + 1 are the spaces around the word. */
        if (from == 0)
          {
            hash = fnv1a (hash, " ", 1);
            from = 1;
          }
        if (to == length + 2)
          {
            hash = fnv1a (hash, word + from - 1, length + 1 - from);
            hash = fnv1a (hash, " ", 1);
          }
        else
          hash = fnv1a (hash, word + from - 1, to - from);
        add_hash (buckets, bits, hash);
      }
}

static int
compare_buckets (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* The sum of a bag of buckets' weights, each bucket counted once, the bag scaled to unit
 * length. */
static double
bag_sum (const gint8 *weights, double scale, GArray *buckets)
{
  guint32 *data = (guint32 *) buckets->data;
  guint    n = 0;
  gint64   sum = 0;

  if (buckets->len == 0)
    return 0.0;
  qsort (data, buckets->len, sizeof (guint32), compare_buckets);
  for (guint i = 0; i < buckets->len; i++)
    {
      if (i > 0 && data[i] == data[i - 1])
        continue;
      sum += weights[data[i]];
      n++;
    }
  return (double) sum * scale / sqrt (n);
}

/* The probability of a sentence or message: its word buckets and its concept buckets. */
static double
score (SamSafetyModel *self, GArray *buckets, GArray *concepts)
{
  double z;

  if (buckets->len == 0)
    return 0.0;
  z = self->bias + bag_sum (self->weights, self->scale, buckets) +
      bag_sum (self->concept_weights, self->concept_scale, concepts);
  return 1.0 / (1.0 + exp (-z));
}

/**
 * sam_safety_model_split_words:
 * @text: one user message
 *
 * Returns: (transfer full): the message as the model reads it: each sentence's normalised
 *   words, each sentence followed by %NULL.
 */
GPtrArray *
sam_safety_model_split_words (const char *text)
{
  g_autofree char     *folded = g_utf8_casefold (text, -1);
  g_autofree char     *decomposed = g_utf8_normalize (folded, -1, G_NORMALIZE_NFKD);
  g_autofree gunichar *chars = NULL;
  GPtrArray           *words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) word = g_string_new (NULL);
  gunichar previous = 0;
  glong    n = 0;
  gboolean sentence_has_words = FALSE;

  if (decomposed == NULL)
    decomposed = g_utf8_make_valid (folded, -1);

  chars = g_new (gunichar, g_utf8_strlen (decomposed, -1) + 4);
  for (const char *p = decomposed; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_ismark (c))
        chars[n++] = c;
    }
  chars[n] = chars[n + 1] = chars[n + 2] = chars[n + 3] = 0;

  for (glong i = 0; i <= n; i++)
    {
      gunichar c = chars[i];

      if (i < n && is_apostrophe (c))
        {
          if (word->len > 0 && is_contraction (&chars[i + 1]))
            continue;
          c = ' ';
        }
      if (i < n && g_unichar_isalpha (c))
        {
          if (c != previous)
            g_string_append_unichar (word, c);
          previous = c;
          continue;
        }
      if (i < n && g_unichar_isdigit (c))
        {
          g_string_append_unichar (word, c);
          previous = c;
          continue;
        }
      if (word->len > 0)
        {
          g_ptr_array_add (words, g_strdup (word->str));
          g_string_truncate (word, 0);
          sentence_has_words = TRUE;
        }
      previous = 0;
      if ((i == n || is_sentence_end (c)) && sentence_has_words)
        {
          g_ptr_array_add (words, NULL);
          sentence_has_words = FALSE;
        }
    }
  return words;
}

/**
 * sam_safety_model_get_probabilities:
 * @text: one user message
 * @whole: (out): the probability that the whole message is a crisis message
 * @sentence: (out): the highest of its sentences' (of three words or more), 0 for a message
 *   of one sentence
 */
void
sam_safety_model_get_probabilities (SamSafetyModel *self,
                                    const char     *text,
                                    double         *whole,
                                    double         *sentence)
{
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GPtrArray) concepts = NULL;
  g_autoptr (GArray) all = NULL;
  g_autoptr (GArray) all_concepts = NULL;
  g_autoptr (GArray) current = NULL;
  g_autoptr (GArray) current_concepts = NULL;
  guint  n_sentences = 0;
  guint  n_words = 0;
  double best = 0.0;

  *whole = *sentence = 0.0;
  g_return_if_fail (self != NULL);

  if (text == NULL)
    return;

  words = sam_safety_model_split_words (text);
  concepts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  if (self->concept_func != NULL)
    self->concept_func (words, concepts, self->concept_data);
  all = g_array_new (FALSE, FALSE, sizeof (guint32));
  all_concepts = g_array_new (FALSE, FALSE, sizeof (guint32));
  current = g_array_new (FALSE, FALSE, sizeof (guint32));
  current_concepts = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);

      if (word != NULL)
        {
          const char *next = i + 1 < words->len ? g_ptr_array_index (words, i + 1) : NULL;

          add_word (current, self->bits, word, next);
          n_words++;
          continue;
        }
      g_array_set_size (current_concepts, 0);
      if (n_sentences < concepts->len)
        {
          GArray *found = g_ptr_array_index (concepts, n_sentences);

          for (guint k = 0; k < found->len; k++)
            add_hash (current_concepts, self->concept_bits, g_array_index (found, guint32, k));
        }
      g_array_append_vals (all, current->data, current->len);
      g_array_append_vals (all_concepts, current_concepts->data, current_concepts->len);
      n_sentences++;
      if (n_words >= SENTENCE_MIN_WORDS)
        best = MAX (best, score (self, current, current_concepts));
      g_array_set_size (current, 0);
      n_words = 0;
    }

  *whole = score (self, all, all_concepts);
  if (n_sentences > 1)
    *sentence = best;
}

/**
 * sam_safety_model_probability:
 * @text: one user message
 *
 * Returns: the probability that @text is a crisis message: the higher of the whole message's
 * and its riskiest sentence's.
 */
double
sam_safety_model_probability (SamSafetyModel *self, const char *text)
{
  double whole, sentence;

  sam_safety_model_get_probabilities (self, text, &whole, &sentence);
  return MAX (whole, sentence);
}

/**
 * sam_safety_model_is_crisis:
 * @text: one user message
 * @probability: (out) (optional): the probability, as sam_safety_model_probability()
 *
 * A message is a crisis when the whole of it reaches the model's threshold, or one of its
 * sentences a slightly higher one (a sentence says less than a message, so its guess is
 * less sure).
 */
gboolean
sam_safety_model_is_crisis (SamSafetyModel *self, const char *text, double *probability)
{
  double whole, sentence;

  sam_safety_model_get_probabilities (self, text, &whole, &sentence);
  if (probability != NULL)
    *probability = MAX (whole, sentence);
  return whole >= self->threshold || sentence >= self->sentence_threshold;
}
