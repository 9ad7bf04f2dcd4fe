/* test-safety.c — the crisis detector: recall and false positives, every language, speed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "companion/sam-safety-policy.h"
#include "companion/sam-safety-model.h"
#include "companion/sam-safety-reminders.h"
#include "companion/sam-safety.h"
#include "sam-test-util.h"

#define DATA_PATH RESOURCE_PATH "/data/safety/"

static SamSafetyDetector *detector;

static gboolean
is_crisis (const char *text)
{
  SamSafetyResult result = sam_safety_check (detector, text);

  return sam_safety_result_is_crisis (&result);
}

static gboolean
is_crisis_with (SamSafetyDetector *custom, const char *text)
{
  SamSafetyResult result = sam_safety_check (custom, text);

  return sam_safety_result_is_crisis (&result);
}

/* Evaluation on a labelled set */

typedef struct
{
  char *name;
  guint crisis;
  guint caught;
  guint benign;
  guint flagged;
} Tally;

static void
tally_free (gpointer data)
{
  Tally *tally = data;

  g_free (tally->name);
  g_free (tally);
}

static Tally *
tally_get (GHashTable *tallies, const char *name)
{
  Tally *tally = g_hash_table_lookup (tallies, name);

  if (tally == NULL)
    {
      tally = g_new0 (Tally, 1);
      tally->name = g_strdup (name);
      g_hash_table_insert (tallies, tally->name, tally);
    }
  return tally;
}

static int
compare_tallies (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(Tally **) a)->name, (*(Tally **) b)->name);
}

static void
print_tallies (const char *title, GHashTable *tallies)
{
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, tallies);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sorted, value);
  g_ptr_array_sort (sorted, compare_tallies);
  g_test_message ("%s", title);
  for (guint i = 0; i < sorted->len; i++)
    {
      Tally *tally = g_ptr_array_index (sorted, i);

      if (tally->crisis > 0 && tally->benign > 0)
        g_test_message ("  %-18s recall %3u/%-3u (%5.1f%%)  false positives %2u/%-3u (%4.1f%%)",
                        tally->name, tally->caught, tally->crisis,
                        100.0 * tally->caught / tally->crisis, tally->flagged, tally->benign,
                        100.0 * tally->flagged / tally->benign);
      else if (tally->crisis > 0)
        g_test_message ("  %-18s recall %3u/%-3u (%5.1f%%)", tally->name, tally->caught,
                        tally->crisis, 100.0 * tally->caught / tally->crisis);
      else
        g_test_message ("  %-18s false positives %2u/%-3u (%4.1f%%)", tally->name, tally->flagged,
                        tally->benign, 100.0 * tally->flagged / tally->benign);
    }
}

/* Runs the detector over a JSON Lines set ({"text", "label", "lang", "kind"}) and fails when
 * recall is below MIN_RECALL or the false-positive rate above MAX_FPR. */
/* The labelled sets of messages among the fixtures. */
static const char *message_sets[] = { "safety-dev.jsonl", "safety-heldout.jsonl",
                                      "safety-extra.jsonl", "safety-final.jsonl",
                                      "safety-multilingual.jsonl" };

/* The messages of a JSON Lines fixture, an object each. */
static GPtrArray *
load_messages (const char *fixture)
{
  g_autoptr (GBytes) bytes = sam_test_load_fixture (fixture);
  g_autofree char *contents = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_auto (GStrv) lines = g_strsplit (contents, "\n", -1);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;

      if (*g_strstrip (lines[i]) == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_ptr_array_add (messages,
                       json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    }

  return messages;
}

static void
evaluate_set (const char *fixture, double min_recall, double max_fpr)
{
  g_autoptr (GPtrArray) messages = load_messages (fixture);
  g_autoptr (GHashTable) by_language =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tally_free);
  g_autoptr (GHashTable) by_kind =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tally_free);
  Tally  total = { NULL, 0, 0, 0, 0 };
  double recall, fpr;

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject     *object = g_ptr_array_index (messages, i);
      const char     *text, *label, *language, *kind;
      gboolean        crisis, flagged;
      SamSafetyResult result;

      text = json_object_get_string_member (object, "text");
      label = json_object_get_string_member (object, "label");
      language = json_object_get_string_member (object, "lang");
      kind = json_object_get_string_member (object, "kind");
      g_assert_true (g_str_equal (label, "crisis") || g_str_equal (label, "benign"));

      crisis = g_str_equal (label, "crisis");
      result = sam_safety_check (detector, text);
      flagged = sam_safety_result_is_crisis (&result);

      for (guint t = 0; t < 3; t++)
        {
          Tally *tally = t == 0   ? &total
                         : t == 1 ? tally_get (by_language, language)
                                  : tally_get (by_kind, kind);

          if (crisis)
            {
              tally->crisis++;
              tally->caught += flagged;
            }
          else
            {
              tally->benign++;
              tally->flagged += flagged;
            }
        }

      /* The id names the message, never its text, so a miss can be looked up by hand. */
      if (crisis != flagged)
        g_test_message ("%s %s (%s, %s): score %.2f, rule %s", crisis ? "missed" : "false positive",
                        json_object_get_string_member (object, "id"), language, kind,
                        result.confidence, result.rule_id ? result.rule_id : "none");
    }

  g_assert_cmpuint (total.crisis, >, 0);
  g_assert_cmpuint (total.benign, >, 0);
  recall = (double) total.caught / total.crisis;
  fpr = (double) total.flagged / total.benign;

  g_test_message ("%s: recall %u/%u = %.1f%%, false positives %u/%u = %.1f%%", fixture,
                  total.caught, total.crisis, 100 * recall, total.flagged, total.benign, 100 * fpr);
  print_tallies ("by language:", by_language);
  print_tallies ("by category:", by_kind);

  g_assert_cmpfloat (recall, >=, min_recall);
  g_assert_cmpfloat (fpr, <=, max_fpr);
}

static void
test_safety_dev_set (void)
{
  evaluate_set ("safety-dev.jsonl", 0.95, 0.03);
}

static void
test_safety_heldout_set (void)
{
  evaluate_set ("safety-heldout.jsonl", 0.90, 0.05);
}

/* Three more sets written to probe generalisation, each measured once unseen and then used to
 * find missing phrasings; now they guard against regressions. */
static void
test_safety_extra_set (void)
{
  evaluate_set ("safety-extra.jsonl", 0.90, 0.05);
}

/* The last set written, measured unseen once: 42 of 50 crisis messages (84%) and no false
 * positive among 42 ordinary ones; the rules were then extended for the eight it missed. */
static void
test_safety_final_set (void)
{
  evaluate_set ("safety-final.jsonl", 0.90, 0.05);
}

/* 40 crisis and 40 ordinary messages in each of the seven languages, written for the composed
 * rules (concepts meeting in a sentence) before they were tuned on it: measured once unseen at
 * 58.6% recall and 3.9% false positives (the phrase rules before them: 54.3%, 1.4%), then used
 * to find missing concepts, never by adding its sentences. The acceptance bar: 95% and 5%. */
static void
test_safety_multilingual_set (void)
{
  evaluate_set ("safety-multilingual.jsonl", 0.95, 0.05);
}

/* Every example in the rule files behaves as its rule says. */
static void
test_safety_rule_examples (void)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = g_resources_enumerate_children (DATA_PATH, 0, &error);
  guint n_files = 0, n_examples = 0;

  g_assert_no_error (error);
  for (guint f = 0; names[f] != NULL; f++)
    {
      g_autofree char *path = g_strconcat (DATA_PATH, names[f], NULL);
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *root;
      const char *sections[] = { "rules", "negatives" };

      if (!g_str_has_suffix (names[f], ".json"))
        continue;
      n_files++;
      bytes = g_resources_lookup_data (path, 0, &error);
      g_assert_no_error (error);
      json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                  &error);
      g_assert_no_error (error);
      root = json_node_get_object (json_parser_get_root (parser));

      for (guint s = 0; s < G_N_ELEMENTS (sections); s++)
        {
          JsonArray *array = json_object_get_array_member (root, sections[s]);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonObject *entry = json_array_get_object_element (array, i);
              JsonArray  *examples;

              /* Every rule carries at least one example a translator can check. */
              g_assert_true (json_object_has_member (entry, "examples"));
              examples = json_object_get_array_member (entry, "examples");
              g_assert_cmpuint (json_array_get_length (examples), >, 0);

              for (guint e = 0; e < json_array_get_length (examples); e++)
                {
                  const char *example = json_array_get_string_element (examples, e);
                  gboolean    want = s == 0;

                  n_examples++;
                  if (is_crisis (example) != want)
                    g_error ("%s %s “%s”: example %u should %sbe a crisis", names[f],
                             json_object_get_string_member (entry, "id"), example, e + 1,
                             want ? "" : "not ");
                }
            }
        }
    }

  g_assert_cmpuint (n_files, ==, 7);
  g_test_message ("%u examples in %u files behave as documented", n_examples, n_files);
}

/* Hand-written cases per language: each category, and the look-alikes that must not fire. */

typedef struct
{
  const char   *text;
  SamSafetyKind kind;
} Case;

static void
check_cases (const char *language, const Case *cases, guint n_cases)
{
  for (guint i = 0; i < n_cases; i++)
    {
      SamSafetyResult result = sam_safety_check (detector, cases[i].text);

      if (result.kind != cases[i].kind)
        g_error ("%s: “%s” is %s (%.2f, %s), expected %s", language, cases[i].text,
                 sam_safety_kind_to_string (result.kind), result.confidence,
                 result.rule_id ? result.rule_id : "no rule",
                 sam_safety_kind_to_string (cases[i].kind));
      if (cases[i].kind != SAM_SAFETY_KIND_NONE)
        g_assert_cmpstr (result.language, ==, language);
    }
}

#define NONE      SAM_SAFETY_KIND_NONE
#define IDEATION  SAM_SAFETY_KIND_IDEATION
#define PLAN      SAM_SAFETY_KIND_PLAN
#define SELF_HARM SAM_SAFETY_KIND_SELF_HARM
#define FAREWELL  SAM_SAFETY_KIND_FAREWELL

static void
test_safety_english (void)
{
  static const Case cases[] = {
    { "I really want to die, I mean it", IDEATION },
    { "thinking about killing myself again", IDEATION },
    { "my family would be better off without me", IDEATION },
    { "i just want to fall asleep and never wake up", IDEATION },
    { "gonna unalive myself", IDEATION },
    { "ngl kms", IDEATION },
    { "su1c1de is all I think about", IDEATION },
    { "i wnat to kil myslef", IDEATION },
    { "how many paracetamol would it take to die", PLAN },
    { "I've been stockpiling my meds for this", PLAN },
    { "i keep cutting myself and can't stop", SELF_HARM },
    { "the urge to self harm won't go away", SELF_HARM },
    { "this is my final goodbye to everyone", FAREWELL },
    { "Lunch was good. Honestly I don't want to be alive anymore. What's on TV tonight?",
      IDEATION },
    { "this meeting is killing me", NONE },
    { "I'm dying of laughter", NONE },
    { "I'd kill for a burger right now", NONE },
    { "write me a poem about a knight who wants to die for his queen", NONE },
    { "What are the warning signs of suicide in teens?", NONE },
    { "how do I kill a process in linux", NONE },
    { "I died again on the final boss", NONE },
    { "feeling sad today, my dog is at the vet", NONE },
    { "I'm so done with this week", NONE },
    { "bye, see you tomorrow!", NONE },
  };

  check_cases ("en", cases, G_N_ELEMENTS (cases));
}

static void
test_safety_german (void)
{
  static const Case cases[] = {
    { "Ich will nicht mehr leben.", IDEATION },
    { "ich denke ständig daran, mich umzubringen", IDEATION },
    { "Ohne mich wären alle glücklicher.", IDEATION },
    { "Ich habe Schlaftabletten gehortet.", PLAN },
    { "ich ritze mich wieder", SELF_HARM },
    { "Lebt wohl, ihr alle.", FAREWELL },
    { "Ich lach mich tot!", NONE },
    { "Die Hitze bringt mich um.", NONE },
    { "Wie beende ich einen Prozess unter Linux?", NONE },
    { "Meine Katze ist gestorben, ich bin traurig.", NONE },
  };

  check_cases ("de", cases, G_N_ELEMENTS (cases));
}

static void
test_safety_french (void)
{
  static const Case cases[] = {
    { "Je veux mourir.", IDEATION },
    { "je pense à me suicider", IDEATION },
    { "Tout le monde serait mieux sans moi.", IDEATION },
    { "J'ai mis de côté tous mes somnifères.", PLAN },
    { "je me scarifie depuis des mois", SELF_HARM },
    { "C'est mon dernier message. Adieu.", FAREWELL },
    { "Je suis mort de rire", NONE },
    { "Mon chef va me tuer", NONE },
    { "Écris une nouvelle où le héros meurt", NONE },
    { "Je suis triste, mon poisson est mort", NONE },
  };

  check_cases ("fr", cases, G_N_ELEMENTS (cases));
}

static void
test_safety_spanish (void)
{
  static const Case cases[] = {
    { "Me quiero morir.", IDEATION },
    { "voy a quitarme la vida", IDEATION },
    { "Todos estarían mejor sin mí.", IDEATION },
    { "Tengo guardadas muchas pastillas para esto.", PLAN },
    { "me corto los brazos cuando estoy mal", SELF_HARM },
    { "Esto es una despedida para siempre. Adiós para siempre.", FAREWELL },
    { "Me muero de risa", NONE },
    { "Mi madre me va a matar", NONE },
    { "Escribe un cuento donde muere el villano", NONE },
    { "Estoy triste porque perdí el partido", NONE },
  };

  check_cases ("es", cases, G_N_ELEMENTS (cases));
}

static void
test_safety_italian (void)
{
  static const Case cases[] = {
    { "Voglio morire.", IDEATION },
    { "penso di togliermi la vita", IDEATION },
    { "Starebbero tutti meglio senza di me.", IDEATION },
    { "Ho nascosto tutte le pillole di mia madre.", PLAN },
    { "mi taglio le braccia di nuovo", SELF_HARM },
    { "Questo è un addio.", FAREWELL },
    { "Muoio dal ridere", NONE },
    { "Mia madre mi ammazza se lo scopre", NONE },
    { "Scrivi un racconto in cui muore il cattivo", NONE },
    { "Sono triste, ho perso il lavoro", NONE },
  };

  check_cases ("it", cases, G_N_ELEMENTS (cases));
}

static void
test_safety_portuguese (void)
{
  static const Case cases[] = {
    { "Eu quero morrer.", IDEATION },
    { "vou me matar", IDEATION },
    { "Todo mundo ficaria melhor sem mim.", IDEATION },
    { "Juntei todos os remédios da minha mãe.", PLAN },
    { "me cortei de novo ontem à noite", SELF_HARM },
    { "Essa é minha última mensagem.", FAREWELL },
    { "Morri de rir kkkk", NONE },
    { "Minha mãe vai me matar", NONE },
    { "Escreve um conto onde o vilão morre", NONE },
    { "Tô triste, meu time perdeu", NONE },
  };

  check_cases ("pt", cases, G_N_ELEMENTS (cases));
}

static void
test_safety_dutch (void)
{
  static const Case cases[] = {
    { "Ik wil dood.", IDEATION },
    { "ik wil mezelf van kant maken", IDEATION },
    { "Iedereen is beter af zonder mij.", IDEATION },
    { "Ik heb al mijn slaappillen opgespaard.", PLAN },
    { "ik heb mezelf weer gesneden", SELF_HARM },
    { "Vaarwel allemaal.", FAREWELL },
    { "Ik ga dood van de hitte", NONE },
    { "Mijn moeder vermoordt me", NONE },
    { "Schrijf een gedicht over de dood van een koning", NONE },
    { "Ik ben verdrietig, mijn opa is overleden", NONE },
  };

  check_cases ("nl", cases, G_N_ELEMENTS (cases));
}

/* The risky sentence may sit anywhere in a long message. */
static void
test_safety_long_message (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  SamSafetyResult result;

  for (guint i = 0; i < 40; i++)
    g_string_append (text, "Today I went to the market and bought apples, bread and cheese. ");
  result = sam_safety_check (detector, text->str);
  g_assert_false (sam_safety_result_is_crisis (&result));

  g_string_append (text, "Honestly I have been thinking about ending my life. ");
  for (guint i = 0; i < 40; i++)
    g_string_append (text, "Then I cooked dinner and watched a film with my sister. ");
  result = sam_safety_check (detector, text->str);
  g_assert_true (sam_safety_result_is_crisis (&result));
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_IDEATION);
  g_assert_cmpstr (result.language, ==, "en");
  g_assert_true (g_str_has_prefix (result.rule_id, "en/"));
}

static void
test_safety_normalize (void)
{
  static const struct
  {
    const char *text;
    const char *normal;
  } cases[] = {
    { "I'm SOOOO tired!!! Don't worry", "im so tired.dont wory" },
    { "J'ai envie de m'endormir", "j ai envie de m endormir" },
    { "Ça fait mal… très mal", "ca fait mal tres mal" },
    { "Straße, Müller", "strase muler" },
    { "su1c1de and k1ll", "suicide and kil" },
    { "i wana kil myslef", "i wana kil myself" },
    { "s*icide", "suicide" },
    { "nobdy cares", "nobody cares" },
    { "it costs 2.50 today", "it costs 2 50 today" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *normal = sam_safety_normalize (detector, cases[i].text);

      g_assert_cmpstr (normal, ==, cases[i].normal);
    }
}

static void
test_safety_result (void)
{
  SamSafetyResult result;

  result = sam_safety_check (detector, "");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_NONE);
  g_assert_null (result.rule_id);
  g_assert_cmpfloat (result.confidence, ==, 0.0);

  /* Nothing matched: a language guess, no rule. */
  result = sam_safety_check (detector, "Wat eten we vandaag, en hoe laat komt de trein?");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_NONE);
  g_assert_cmpstr (result.language, ==, "nl");
  g_assert_null (result.rule_id);

  /* A weak sign alone is reported but is not a crisis. */
  result = sam_safety_check (detector, "I can't do this anymore");
  g_assert_false (sam_safety_result_is_crisis (&result));
  g_assert_cmpfloat (result.confidence, >, 0.0);
  g_assert_cmpfloat (result.confidence, <, SAM_SAFETY_THRESHOLD);
  g_assert_nonnull (result.rule_id);

  /* The result never carries the text: only the id of a rule the detector owns. */
  result = sam_safety_check (detector, "I want to kill myself");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_IDEATION);
  g_assert_cmpfloat (result.confidence, >=, SAM_SAFETY_THRESHOLD);
  g_assert_cmpstr (result.rule_id, ==, "en/explicit.kill-myself");
  g_assert_null (strstr (result.rule_id, "want to"));

  for (guint kind = 0; kind < SAM_SAFETY_N_KINDS; kind++)
    g_assert_cmpint (sam_safety_kind_from_string (sam_safety_kind_to_string (kind)), ==, kind);
  g_assert_cmpint (sam_safety_kind_from_string ("nonsense"), ==, SAM_SAFETY_KIND_NONE);

  g_assert_true (sam_safety_detector_get_default () == sam_safety_detector_get_default ());
  g_assert_cmpuint (g_strv_length ((char **) sam_safety_detector_get_languages (detector)), ==, 7);
  g_assert_cmpuint (sam_safety_detector_get_n_rules (detector), >, 150);
}

static void
expect_load_error (const char *json, const char *fragment)
{
  g_autoptr (SamSafetyDetector) custom = sam_safety_detector_new ();
  g_autoptr (GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr (GError) error = NULL;

  g_assert_false (sam_safety_detector_load_language (custom, bytes, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
}

/* Composed rules: concepts meet in one sentence, within a window, in order when asked, and a
 * veto near them (not inside a part) cancels them. */
static void
test_safety_composed_rules (void)
{
  g_autoptr (SamSafetyDetector) custom = sam_safety_detector_new ();
  g_autoptr (GError) error = NULL;
  const char *json = "{\"language\": \"xx\", \"stopwords\": [\"yo\"],"
                     " \"concepts\": {\"WANT\": [\"quiero\", \"ojala\"], \"DIE\": [\"morir*\", "
                     "\"no despertar\"], \"NOT\": [\"no\", \"nunca\"], \"ALONE\": [\"blorp\"]},"
                     " \"rules\": [{\"id\": \"c\", \"kind\": \"ideation\", \"strength\": 0.8, "
                     "\"all\": [\"{WANT}\", \"{DIE}\"], \"none\": [\"{NOT}\"], \"window\": 30, "
                     "\"ordered\": true},"
                     "   {\"id\": \"p\", \"kind\": \"plan\", \"strength\": 0.7, \"pattern\": "
                     "\"\\\\b{ALONE}\\\\b\"}]}";
  g_autoptr (GBytes) bytes = g_bytes_new_static (json, strlen (json));
  SamSafetyResult result;

  g_assert_true (sam_safety_detector_load_language (custom, bytes, &error));
  g_assert_no_error (error);
  g_assert_true (sam_safety_detector_finish_loading (custom, &error));
  g_assert_no_error (error);

  result = sam_safety_check (custom, "yo quiero morirme");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_IDEATION);
  g_assert_cmpstr (result.rule_id, ==, "xx/c");
  /* A trailing * is any ending; a concept is also a macro for patterns. */
  result = sam_safety_check (custom, "blorp");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_PLAN);
  /* Order, window and sentence. */
  g_assert_false (is_crisis_with (custom, "morir quiero"));
  g_assert_false (is_crisis_with (custom, "quiero una casa grande con jardin y piscina y morir"));
  g_assert_false (is_crisis_with (custom, "quiero. morir"));
  /* A veto near the stretch cancels it; one inside a part ("no despertar") does not. */
  g_assert_false (is_crisis_with (custom, "yo no quiero morir"));
  g_assert_true (is_crisis_with (custom, "ojala no despertar"));
}

static void
test_safety_custom_rules (void)
{
  g_autoptr (SamSafetyDetector) custom = sam_safety_detector_new ();
  g_autoptr (GError) error = NULL;
  const char *json =
      "{\"language\": \"xx\", \"keywords\": [\"blorpen\"],"
      " \"macros\": {\"ME\": \"(?:mi|mis)\", \"BOTH\": \"{ME} blorpen\"},"
      " \"rules\": [{\"id\": \"a\", \"kind\": \"plan\", \"strength\": 0.95, \"pattern\": "
      "\"\\\\b{BOTH}\\\\b\"},"
      "   {\"id\": \"weak1\", \"kind\": \"farewell\", \"strength\": 0.5, \"pattern\": "
      "\"\\\\bvale\\\\b\"},"
      "   {\"id\": \"weak2\", \"kind\": \"ideation\", \"strength\": 0.5, \"pattern\": "
      "\"\\\\bnada\\\\b\"}],"
      " \"negatives\": [{\"id\": \"n\", \"kind\": \"game\", \"scope\": \"sentence\", \"pattern\": "
      "\"\\\\bjuego\\\\b\"}]}";
  g_autoptr (GBytes) bytes = g_bytes_new_static (json, strlen (json));
  SamSafetyResult result;

  g_assert_true (sam_safety_detector_load_language (custom, bytes, &error));
  g_assert_no_error (error);
  g_assert_true (sam_safety_detector_finish_loading (custom, &error));
  g_assert_no_error (error);

  /* Macros nest; the pattern is folded like the text; a typo of a keyword is found. */
  result = sam_safety_check (custom, "MI BLORRRPEN");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_PLAN);
  g_assert_cmpstr (result.rule_id, ==, "xx/a");
  result = sam_safety_check (custom, "mi blropen");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_PLAN);

  /* A negative in the same sentence cancels; in another sentence it does not. */
  result = sam_safety_check (custom, "mi blorpen en el juego");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_NONE);
  result = sam_safety_check (custom, "mi blorpen. el juego");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_PLAN);

  /* Two weak signs combine: 1 - 0.5 × 0.5 = 0.75; the stronger kind wins a tie. */
  result = sam_safety_check (custom, "vale");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_NONE);
  g_assert_cmpfloat_with_epsilon (result.confidence, 0.5, 1e-9);
  result = sam_safety_check (custom, "vale. nada. nada");
  g_assert_cmpint (result.kind, ==, SAM_SAFETY_KIND_FAREWELL);
  g_assert_cmpfloat_with_epsilon (result.confidence, 0.75, 1e-9);

  expect_load_error ("[1, 2]", "one JSON object");
  expect_load_error ("{\"language\": \"xx\", \"rules\": [{\"id\": \"r\", \"kind\": \"plan\", "
                     "\"pattern\": \"x\", \"all\": [\"y\"]}]}",
                     "(one of them)");
  expect_load_error ("{\"language\": \"xx\", \"concepts\": {\"A\": \"word\"}}",
                     "must be a list of words");
  expect_load_error ("{\"language\": \"xx\", \"concepts\": [\"word\"]}", "map names");
  expect_load_error ("{\"rules\": []}", "language");
  expect_load_error ("{\"language\": \"xx\", \"rules\": [{\"id\": \"r\", \"kind\": \"plan\", "
                     "\"pattern\": \"(unclosed\"}]}",
                     "“r” is not a valid regular expression");
  expect_load_error ("{\"language\": \"xx\", \"rules\": [{\"id\": \"r\", \"kind\": \"plan\", "
                     "\"pattern\": \"{NOPE}\"}]}",
                     "unknown macro {NOPE}");
  expect_load_error ("{\"language\": \"xx\", \"rules\": [{\"id\": \"r\", \"kind\": \"sadness\", "
                     "\"pattern\": \"x\"}]}",
                     "known “kind”");
  expect_load_error ("{\"language\": \"xx\", \"negatives\": [{\"id\": \"n\", \"scope\": \"page\", "
                     "\"pattern\": \"x\"}]}",
                     "span, sentence or message");
  expect_load_error ("{\"language\": \"xx\", not json", "not valid JSON");
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Every message of both sets, timed one by one; the median must stay well under 1 ms. */
/* CPU time of the calling thread, in microseconds. */
static gint64
thread_cpu_time (void)
{
  struct timespec now;

  g_assert_cmpint (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now), ==, 0);
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

static void
test_safety_speed (void)
{
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  double median, p90, worst;

  for (guint f = 0; f < G_N_ELEMENTS (message_sets); f++)
    {
      g_autoptr (GPtrArray) messages = load_messages (message_sets[f]);

      for (guint i = 0; i < messages->len; i++)
        {
          const char *text =
              json_object_get_string_member (g_ptr_array_index (messages, i), "text");
          gint64 start;
          double elapsed;

          /* The time this thread spent checking: other work on the machine does not count. */
          start = thread_cpu_time ();
          for (guint k = 0; k < 5; k++)
            {
              SamSafetyResult result = sam_safety_check (detector, text);

              (void) result;
            }
          elapsed = (thread_cpu_time () - start) / 5.0;
          g_array_append_val (times, elapsed);
        }
    }

  g_array_sort (times, compare_doubles);
  median = g_array_index (times, double, times->len / 2);
  p90 = g_array_index (times, double, times->len * 9 / 10);
  worst = g_array_index (times, double, times->len - 1);
  g_test_message ("time per message over %u messages: median %.0f µs, 90th percentile %.0f µs, "
                  "slowest %.0f µs",
                  times->len, median, p90, worst);

  /* Generous, so a loaded build passes; the figure above is what counts. Under AddressSanitizer
   * every check is about three times slower (median 1,040 µs against 355 µs in the plain debug
   * build of the same CI run), so there the time is told, not held to the plain build's budget,
   * which the plain build's run of this test checks. */
#if defined(__SANITIZE_ADDRESS__)
  g_test_message ("AddressSanitizer build: the time is not checked against the budget");
#else
  g_assert_cmpfloat (median, <, 1000.0);
#endif
}

/* The C inference reproduces train-model.py's probabilities (the fixture is written by
 * `train-model.py --expected`, with the concepts the detector finds), the file loads, a
 * damaged one does not, and it is fast. */
static void
test_safety_model (void)
{
  g_autoptr (GError) error = NULL;
  SamSafetyModel *model = sam_safety_detector_get_model (detector);
  g_autoptr (SamSafetyModel) builtin = sam_safety_model_new_builtin (&error);
  g_autoptr (GPtrArray) expected = load_messages ("safety-model-expected.jsonl");
  g_autoptr (GBytes) damaged = g_bytes_new_static ("SAMLR03\0\x12\0\0\0", 12);
  g_autoptr (SamSafetyModel) none = NULL;
  guint  n_checked = 0, n_crisis = 0, n_differ = 0;
  gint64 start;
  double elapsed;

  g_assert_no_error (error);
  g_assert_nonnull (builtin);
  g_assert_nonnull (model);
  g_assert_cmpfloat (sam_safety_model_get_threshold (model), >, 0.0);
  g_assert_cmpfloat (sam_safety_model_get_threshold (model), <, 1.0);

  for (guint i = 0; i < expected->len; i++)
    {
      JsonObject *object = g_ptr_array_index (expected, i);
      const char *text = json_object_get_string_member (object, "text");
      double      whole, sentence, probability;
      gboolean    crisis;

      sam_safety_model_get_probabilities (model, text, &whole, &sentence);
      g_assert_cmpfloat_with_epsilon (whole, json_object_get_double_member (object, "whole"), 1e-6);
      g_assert_cmpfloat_with_epsilon (sentence, json_object_get_double_member (object, "sentence"),
                                      1e-6);
      crisis = sam_safety_model_is_crisis (model, text, &probability);
      g_assert_cmpint (crisis, ==, json_object_get_boolean_member (object, "crisis"));
      /* Without the detector's concepts the model reads words only, and judges otherwise. */
      {
        double plain_whole, plain_sentence;

        sam_safety_model_get_probabilities (builtin, text, &plain_whole, &plain_sentence);
        n_differ += fabs (plain_whole - whole) > 1e-6;
      }
      g_assert_cmpfloat (probability, ==, MAX (whole, sentence));
      g_assert_cmpfloat (probability, ==, sam_safety_model_probability (model, text));
      n_crisis += crisis;
      /* The detector holds what the model finds, whatever the rules say. */
      if (crisis)
        {
          SamSafetyResult result = sam_safety_check (detector, text);

          g_assert_true (sam_safety_result_is_crisis (&result));
        }
      n_checked++;
    }
  g_assert_cmpuint (n_checked, >=, 6);
  /* The fixture holds crisis messages and ordinary ones, and the model tells them apart. */
  g_assert_cmpuint (n_crisis, >, 0);
  g_assert_cmpuint (n_crisis, <, n_checked);
  g_assert_cmpuint (n_differ, >, 0);

  none = sam_safety_model_new_from_bytes (damaged, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);

  start = thread_cpu_time ();
  for (guint k = 0; k < 200; k++)
    {
      double probability = sam_safety_model_probability (
          model, "ok so the essay is due friday and i haven't started. honestly i've been "
                 "thinking it would be easier if i just died. can you help me outline it?");

      (void) probability;
    }
  elapsed = (thread_cpu_time () - start) / 200.0;
  g_test_message ("the model reads a 150-character message in %.0f µs", elapsed);
  /* Generous, so a loaded or sanitised build passes; unloaded it is far below. */
  g_assert_cmpfloat (elapsed, <, 1000.0);
}

/* The model reads the rules' concepts under the same names in every language. */
static void
test_safety_concepts (void)
{
  const char *texts[] = { "I want to die.", "Ich will sterben.", "Je veux mourir.",
                          "Quiero morir.",  "Voglio morire.",    "Quero morrer." };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GPtrArray) words = sam_safety_model_split_words (texts[i]);
      g_autoptr (GPtrArray) names = NULL;
      g_autoptr (GPtrArray) concepts = sam_safety_detector_get_concepts (detector, words, &names);
      GPtrArray *sentence;
      gboolean   desire = FALSE, death = FALSE, pair = FALSE;

      g_assert_cmpuint (concepts->len, ==, 1);
      g_assert_cmpuint (names->len, ==, 1);
      sentence = g_ptr_array_index (names, 0);
      g_assert_cmpuint (sentence->len, ==, ((GArray *) g_ptr_array_index (concepts, 0))->len);
      for (guint k = 0; k < sentence->len; k++)
        {
          const char *name = g_ptr_array_index (sentence, k);

          desire |= g_str_equal (name, "kDESIRE");
          death |= g_str_equal (name, "kDEATH");
          pair |= g_str_equal (name, "pDEATH+DESIRE");
        }
      g_assert_true (desire && death && pair);
    }
}

/* The rules without the model, as sam-safety-features reads them. */
static SamSafetyDetector *
load_rules_only (void)
{
  g_autoptr (SamSafetyDetector) rules = sam_safety_detector_new ();
  const char *const names[] = { "de", "en", "es", "fr", "it", "nl", "pt" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/data/safety/%s.json", RESOURCE_PATH, names[i]);
      g_autoptr (GBytes) bytes = g_resources_lookup_data (path, 0, NULL);
      g_autoptr (GError) error = NULL;

      g_assert_nonnull (bytes);
      g_assert_true (sam_safety_detector_load_language (rules, bytes, &error));
      g_assert_no_error (error);
    }
  g_assert_true (sam_safety_detector_finish_loading (rules, NULL));
  return g_steal_pointer (&rules);
}

/* The model overrules the rules only where they are less than sure and it is sure the message
 * is ordinary, and never on a crisis message of the labelled sets. */
static void
test_safety_model_veto (void)
{
  g_autoptr (SamSafetyDetector) rules = load_rules_only ();
  SamSafetyModel *model = sam_safety_detector_get_model (detector);
  guint           n_rules = 0, n_vetoed = 0;

  for (guint f = 0; f < G_N_ELEMENTS (message_sets); f++)
    {
      g_autoptr (GPtrArray) messages = load_messages (message_sets[f]);

      for (guint i = 0; i < messages->len; i++)
        {
          JsonObject     *object = g_ptr_array_index (messages, i);
          const char     *text = json_object_get_string_member (object, "text");
          SamSafetyResult alone, full;

          alone = sam_safety_check (rules, text);
          full = sam_safety_check (detector, text);
          if (!sam_safety_result_is_crisis (&alone))
            continue;
          n_rules++;
          if (sam_safety_result_is_crisis (&full))
            continue;
          /* Vetoed: a weaker rule, a sure model, and an ordinary message. */
          n_vetoed++;
          g_assert_cmpstr (full.rule_id, ==, SAM_SAFETY_MODEL_VETO_ID);
          g_assert_cmpfloat (alone.confidence, <, 0.95);
          g_assert_cmpfloat (full.confidence, <, 0.05);
          g_assert_cmpfloat (full.confidence, ==, sam_safety_model_probability (model, text));
          g_assert_cmpstr (json_object_get_string_member (object, "label"), !=, "crisis");
        }
    }
  g_test_message ("the model overruled %u of %u verdicts of the rules", n_vetoed, n_rules);
  g_assert_cmpuint (n_rules, >, 100);
}

static void
test_safety_policy (void)
{
  g_autofree char *normal = sam_safety_policy_prompt (FALSE, FALSE);
  g_autofree char *safety = sam_safety_policy_prompt (TRUE, FALSE);
  g_autofree char *minor = sam_safety_policy_prompt (FALSE, TRUE);
  g_autofree char *minor_safety = sam_safety_policy_prompt (TRUE, TRUE);

  /* Every request carries the policy; only a safety-mode one carries the marker. */
  g_assert_nonnull (strstr (normal, "AI, not a person"));
  g_assert_null (strstr (normal, SAM_SAFETY_MODE_MARKER));
  g_assert_null (strstr (minor, SAM_SAFETY_MODE_MARKER));
  g_assert_nonnull (strstr (safety, SAM_SAFETY_MODE_MARKER));
  g_assert_nonnull (strstr (minor_safety, SAM_SAFETY_MODE_MARKER));
  g_assert_nonnull (strstr (safety, "roleplay"));
  g_assert_nonnull (strstr (safety, "methods"));
  g_assert_nonnull (strstr (safety, "crisis line"));

  /* Minors: no romance, stricter. */
  g_assert_null (strstr (normal, "under 18"));
  g_assert_nonnull (strstr (minor, "under 18"));
  g_assert_nonnull (strstr (minor, "romantic"));
  g_assert_nonnull (strstr (minor_safety, "under 18"));
}

/* Reminders */

#define MINUTE 60
#define HOUR   (60 * MINUTE)

/* Chats a message every ten minutes from START for DURATION seconds; returns what was shown. */
static SamReminders
chat_for (SamReminderState *state,
          gint64            start,
          gint64            duration,
          GTimeZone        *zone,
          gboolean          break_reminder,
          guint             break_minutes,
          gboolean          is_minor,
          gint64           *first_break)
{
  SamReminders all = SAM_REMINDER_NONE;

  for (gint64 now = start; now <= start + duration; now += 10 * MINUTE)
    {
      SamReminders due;

      sam_reminder_state_note_activity (state, now);
      due = sam_reminders_due (state, now, zone, break_reminder, break_minutes, is_minor);
      if ((due & SAM_REMINDER_BREAK) && first_break != NULL && *first_break == 0)
        *first_break = now;
      sam_reminder_state_mark_shown (state, due, now);
      all |= due;
    }
  return all;
}

static void
test_safety_reminders_ai (void)
{
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (2 * HOUR);
  SamReminderState state = { 0 };
  /* 2026-03-02 08:00 in UTC+2. */
  gint64 morning = 1772431200;

  /* The first conversation of the day gets the notice, the next messages do not. */
  sam_reminder_state_note_activity (&state, morning);
  g_assert_cmpint (sam_reminders_due (&state, morning, zone, FALSE, 60, FALSE), ==,
                   SAM_REMINDER_AI);
  sam_reminder_state_mark_shown (&state, SAM_REMINDER_AI, morning);
  g_assert_cmpint (chat_for (&state, morning + 10 * MINUTE, 2 * HOUR + 40 * MINUTE, zone, FALSE, 60,
                             FALSE, NULL),
                   ==, SAM_REMINDER_NONE);

  /* Three hours of continuous use bring it back. */
  sam_reminder_state_note_activity (&state, morning + 3 * HOUR);
  g_assert_cmpint (sam_reminders_due (&state, morning + 3 * HOUR, zone, FALSE, 60, FALSE), ==,
                   SAM_REMINDER_AI);
  sam_reminder_state_mark_shown (&state, SAM_REMINDER_AI, morning + 3 * HOUR);

  /* A pause ends continuous use: coming back later the same day starts a new count. */
  sam_reminder_state_note_activity (&state, morning + 5 * HOUR);
  g_assert_cmpint (state.session_start, ==, morning + 5 * HOUR);
  g_assert_cmpint (sam_reminders_due (&state, morning + 5 * HOUR, zone, FALSE, 60, FALSE), ==,
                   SAM_REMINDER_NONE);
  g_assert_cmpint (
      chat_for (&state, morning + 5 * HOUR, 2 * HOUR + 50 * MINUTE, zone, FALSE, 60, FALSE, NULL),
      ==, SAM_REMINDER_NONE);
  g_assert_cmpint (chat_for (&state, morning + 8 * HOUR, 0, zone, FALSE, 60, FALSE, NULL), ==,
                   SAM_REMINDER_AI);

  /* A new local day gets a new notice, even ten minutes after the last one. */
  state = (SamReminderState){ 0 };
  sam_reminder_state_note_activity (&state, morning + 15 * HOUR + 50 * MINUTE); /* 23:50 */
  sam_reminder_state_mark_shown (&state, SAM_REMINDER_AI, morning + 15 * HOUR + 50 * MINUTE);
  sam_reminder_state_note_activity (&state, morning + 16 * HOUR); /* 00:00 the next day */
  g_assert_cmpint (sam_reminders_due (&state, morning + 16 * HOUR, zone, FALSE, 60, FALSE), ==,
                   SAM_REMINDER_AI);
}

static void
test_safety_reminders_break (void)
{
  g_autoptr (GTimeZone) zone = g_time_zone_new_utc ();
  SamReminderState state = { 0 };
  gint64           start = 1772431200;
  gint64           first_break = 0;

  /* Off by default for adults. */
  g_assert_false (chat_for (&state, start, 5 * HOUR, zone, FALSE, 60, FALSE, NULL) &
                  SAM_REMINDER_BREAK);

  /* Asked for: after an hour of continuous use, then every hour. */
  state = (SamReminderState){ 0 };
  g_assert_true (chat_for (&state, start, 3 * HOUR, zone, TRUE, 60, FALSE, &first_break) &
                 SAM_REMINDER_BREAK);
  g_assert_cmpint (first_break, ==, start + HOUR);
  g_assert_cmpint (state.last_break_reminder, ==, start + 3 * HOUR);

  /* Under 18: every three hours even with the setting off, and never rarer than that. */
  state = (SamReminderState){ 0 };
  first_break = 0;
  chat_for (&state, start, 4 * HOUR, zone, FALSE, 60, TRUE, &first_break);
  g_assert_cmpint (first_break, ==, start + 3 * HOUR);
  state = (SamReminderState){ 0 };
  first_break = 0;
  chat_for (&state, start, 5 * HOUR, zone, TRUE, 240, TRUE, &first_break);
  g_assert_cmpint (first_break, ==, start + 3 * HOUR);
}

static void
test_safety_reminders_text (void)
{
  g_autofree char *ai = sam_reminders_text (SAM_REMINDER_AI);
  g_autofree char *both = sam_reminders_text (SAM_REMINDER_AI | SAM_REMINDER_BREAK);
  g_autofree char *rest = sam_reminders_text (SAM_REMINDER_BREAK);

  g_assert_null (sam_reminders_text (SAM_REMINDER_NONE));
  g_assert_nonnull (strstr (ai, "AI, not a person"));
  g_assert_nonnull (strstr (rest, "break"));
  g_assert_true (g_str_has_prefix (both, ai));
  g_assert_true (g_str_has_suffix (both, rest));

  /* A break is suggested, never guilt: nothing about missing the user or staying. */
  g_assert_null (strstr (rest, "miss"));
  g_assert_null (strstr (rest, "stay"));
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  int ret;

  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  detector = sam_safety_detector_new_builtin (&error);
  g_assert_no_error (error);

  g_test_add_func ("/safety/dev-set", test_safety_dev_set);
  g_test_add_func ("/safety/heldout-set", test_safety_heldout_set);
  g_test_add_func ("/safety/extra-set", test_safety_extra_set);
  g_test_add_func ("/safety/final-set", test_safety_final_set);
  g_test_add_func ("/safety/multilingual-set", test_safety_multilingual_set);
  g_test_add_func ("/safety/rule-examples", test_safety_rule_examples);
  g_test_add_func ("/safety/english", test_safety_english);
  g_test_add_func ("/safety/german", test_safety_german);
  g_test_add_func ("/safety/french", test_safety_french);
  g_test_add_func ("/safety/spanish", test_safety_spanish);
  g_test_add_func ("/safety/italian", test_safety_italian);
  g_test_add_func ("/safety/portuguese", test_safety_portuguese);
  g_test_add_func ("/safety/dutch", test_safety_dutch);
  g_test_add_func ("/safety/long-message", test_safety_long_message);
  g_test_add_func ("/safety/normalize", test_safety_normalize);
  g_test_add_func ("/safety/result", test_safety_result);
  g_test_add_func ("/safety/custom-rules", test_safety_custom_rules);
  g_test_add_func ("/safety/composed-rules", test_safety_composed_rules);
  g_test_add_func ("/safety/speed", test_safety_speed);
  g_test_add_func ("/safety/model", test_safety_model);
  g_test_add_func ("/safety/concepts", test_safety_concepts);
  g_test_add_func ("/safety/model-veto", test_safety_model_veto);
  g_test_add_func ("/safety/policy", test_safety_policy);
  g_test_add_func ("/safety/reminders/ai", test_safety_reminders_ai);
  g_test_add_func ("/safety/reminders/break", test_safety_reminders_break);
  g_test_add_func ("/safety/reminders/text", test_safety_reminders_text);

  ret = g_test_run ();

  g_clear_object (&detector);
  return ret;
}
