/* sam-safety-features.c — prints the crisis detector's concept features for data/safety/train-model.py.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A development tool, not installed. It reads JSON lines with a "text" member (files named on
 * the command line, or standard input) and prints one JSON line per message:
 *
 *   {"sentences": [{"words": [...], "concepts": [hash, ...], "names": [...]}, ...],
 *    "rules": 0.0 … 1.0, "rules_crisis": true|false}
 *
 * "words" are the message's sentences as the learned stage reads them
 * (sam_safety_model_split_words()), "concepts" the 32-bit hashes of their concept features
 * (sam_safety_detector_get_concepts()), which the script folds into the model's buckets as
 * the C code does, so that the model is trained on exactly the features it is run on.
 * "rules" is the verdict of the rules alone. The rules are the ones compiled into this build.
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <gio/gunixinputstream.h>
#include <stdlib.h>
#include <string.h>

#include "companion/sam-safety.h"

#define DATA_PATH RESOURCE_PATH "/data/safety/"

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The built-in rules without the learned stage: the features must not depend on a model. */
static SamSafetyDetector *
load_rules (GError **error)
{
  g_autoptr (SamSafetyDetector) detector = sam_safety_detector_new ();
  g_auto (GStrv) names = g_resources_enumerate_children (DATA_PATH, 0, error);

  if (names == NULL)
    return NULL;
  qsort (names, g_strv_length (names), sizeof (char *), compare_names);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (DATA_PATH, names[i], NULL);
      g_autoptr (GBytes) bytes = NULL;

      if (!g_str_has_suffix (names[i], ".json"))
        continue;
      bytes = g_resources_lookup_data (path, 0, error);
      if (bytes == NULL || !sam_safety_detector_load_language (detector, bytes, error))
        return NULL;
    }
  if (!sam_safety_detector_finish_loading (detector, error))
    return NULL;
  return g_steal_pointer (&detector);
}

static void
describe (SamSafetyDetector *detector, const char *text, JsonBuilder *builder)
{
  g_autoptr (GPtrArray) words = sam_safety_model_split_words (text);
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GPtrArray) concepts = sam_safety_detector_get_concepts (detector, words, &names);
  SamSafetyResult result = sam_safety_check (detector, text);
  guint           sentence = 0;
  gboolean        open = FALSE;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sentences");
  json_builder_begin_array (builder);
  for (guint i = 0; i < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);
      GArray     *hashes;
      GPtrArray  *sentence_names;

      if (!open)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "words");
          json_builder_begin_array (builder);
          open = TRUE;
        }
      if (word != NULL)
        {
          json_builder_add_string_value (builder, word);
          continue;
        }
      json_builder_end_array (builder);
      hashes = g_ptr_array_index (concepts, sentence);
      sentence_names = g_ptr_array_index (names, sentence);
      json_builder_set_member_name (builder, "concepts");
      json_builder_begin_array (builder);
      for (guint k = 0; k < hashes->len; k++)
        json_builder_add_int_value (builder, g_array_index (hashes, guint32, k));
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "names");
      json_builder_begin_array (builder);
      for (guint k = 0; k < sentence_names->len; k++)
        json_builder_add_string_value (builder, g_ptr_array_index (sentence_names, k));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      open = FALSE;
      sentence++;
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "rules");
  json_builder_add_double_value (builder, result.confidence);
  json_builder_set_member_name (builder, "rules_crisis");
  json_builder_add_boolean_value (builder, sam_safety_result_is_crisis (&result));
  json_builder_end_object (builder);
}

static gboolean
process (SamSafetyDetector *detector, GInputStream *input, GError **error)
{
  g_autoptr (GDataInputStream) lines = g_data_input_stream_new (input);
  char *line;

  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, error)) != NULL)
    {
      g_autofree char *owned = line;
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonGenerator) generator = json_generator_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *out = NULL;
      JsonNode        *node;
      const char      *text;

      if (*g_strstrip (owned) == '\0')
        continue;
      if (!json_parser_load_from_data (parser, owned, -1, error))
        return FALSE;
      node = json_parser_get_root (parser);
      text = JSON_NODE_HOLDS_OBJECT (node) ? json_object_get_string_member_with_default (
                                                 json_node_get_object (node), "text", NULL)
                                           : NULL;
      if (text == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "Every line must be a JSON object with a “text”.");
          return FALSE;
        }
      describe (detector, text, builder);
      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      out = json_generator_to_data (generator, NULL);
      fputs (out, stdout);
      fputc ('\n', stdout);
    }
  return *error == NULL;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamSafetyDetector) detector = load_rules (&error);

  if (detector == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  if (argc < 2)
    {
      g_autoptr (GInputStream) input = g_unix_input_stream_new (0, FALSE);

      if (!process (detector, input, &error))
        {
          fprintf (stderr, "standard input: %s\n", error->message);
          return 1;
        }
    }
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (argv[i]);
      g_autoptr (GFileInputStream) input = g_file_read (file, NULL, &error);

      if (input == NULL || !process (detector, G_INPUT_STREAM (input), &error))
        {
          fprintf (stderr, "%s: %s\n", argv[i], error->message);
          return 1;
        }
    }
  return 0;
}
