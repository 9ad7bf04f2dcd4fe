/* sam-crisis-resources.c — crisis lines by country, chosen from the locale, as text or data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The lines live in data/crisis-resources.json, compiled into the program, each with the page
 * that states its number. The country comes from the locale (de_AT.UTF-8 → AT); a locale with
 * a language only picks that language's main country, and anything else falls back to an
 * international directory.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "sam-crisis-resources.h"

#define RESOURCES_PATH RESOURCE_PATH "/data/crisis-resources.json"

typedef struct
{
  char      *code;
  char      *emergency;
  GPtrArray *lines; /* SamCrisisLine*, owned */
} Country;

struct _SamCrisisResources
{
  GObject parent_instance;

  GPtrArray *countries; /* Country* */
  char      *directory_name;
  char      *directory_url;
};

G_DEFINE_FINAL_TYPE (SamCrisisResources, sam_crisis_resources, G_TYPE_OBJECT)

static void
line_free (gpointer data)
{
  SamCrisisLine *line = data;

  g_free ((char *) line->name);
  g_free ((char *) line->number);
  g_free ((char *) line->keyword);
  g_free ((char *) line->hours);
  g_free ((char *) line->url);
  g_free ((char *) line->source);
  g_strfreev ((char **) line->languages);
  g_free (line);
}

static void
country_free (gpointer data)
{
  Country *country = data;

  g_free (country->code);
  g_free (country->emergency);
  g_ptr_array_unref (country->lines);
  g_free (country);
}

static void
sam_crisis_resources_finalize (GObject *object)
{
  SamCrisisResources *self = SAM_CRISIS_RESOURCES (object);

  g_ptr_array_unref (self->countries);
  g_free (self->directory_name);
  g_free (self->directory_url);

  G_OBJECT_CLASS (sam_crisis_resources_parent_class)->finalize (object);
}

static void
sam_crisis_resources_class_init (SamCrisisResourcesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sam_crisis_resources_finalize;
}

static void
sam_crisis_resources_init (SamCrisisResources *self)
{
  self->countries = g_ptr_array_new_with_free_func (country_free);
}

/* Loading */

static gboolean
is_hours (const char *hours)
{
  int from_h, from_m, to_h, to_m;

  if (g_strcmp0 (hours, "24/7") == 0)
    return TRUE;
  return hours != NULL && strlen (hours) == 11 &&
         sscanf (hours, "%2d:%2d-%2d:%2d", &from_h, &from_m, &to_h, &to_m) == 4 && from_h >= 0 &&
         from_h <= 24 && to_h >= 0 && to_h <= 24 && from_m >= 0 && from_m < 60 && to_m >= 0 &&
         to_m < 60;
}

static gboolean
is_web_address (const char *url)
{
  return url != NULL && g_str_has_prefix (url, "https://") && strlen (url) > strlen ("https://x.y");
}

static SamCrisisLine *
parse_line (JsonObject *object, const char *country, guint index, GError **error)
{
  SamCrisisLine *line = g_new0 (SamCrisisLine, 1);
  const char    *contact = json_object_get_string_member_with_default (object, "contact", "");
  g_autoptr (GStrvBuilder) languages = g_strv_builder_new ();

  line->name = g_strdup (json_object_get_string_member_with_default (object, "name", NULL));
  line->number = g_strdup (json_object_get_string_member_with_default (object, "number", NULL));
  line->keyword = g_strdup (json_object_get_string_member_with_default (object, "keyword", NULL));
  line->hours = g_strdup (json_object_get_string_member_with_default (object, "hours", NULL));
  line->url = g_strdup (json_object_get_string_member_with_default (object, "url", NULL));
  line->source = g_strdup (json_object_get_string_member_with_default (object, "source", NULL));

  if (g_str_equal (contact, "call"))
    line->contact = SAM_CRISIS_CONTACT_CALL;
  else if (g_str_equal (contact, "text"))
    line->contact = SAM_CRISIS_CONTACT_TEXT;
  else if (g_str_equal (contact, "call-text"))
    line->contact = SAM_CRISIS_CONTACT_CALL_TEXT;
  else
    contact = NULL;

  if (json_object_has_member (object, "languages"))
    {
      JsonArray *array = json_object_get_array_member (object, "languages");

      for (guint i = 0; i < json_array_get_length (array); i++)
        g_strv_builder_add (languages, json_array_get_string_element (array, i));
    }
  line->languages = (const char *const *) g_strv_builder_end (languages);

  if (line->name == NULL || line->number == NULL || contact == NULL || !is_hours (line->hours) ||
      !is_web_address (line->url) || !is_web_address (line->source))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Crisis line %u of %s needs a name, a number, a contact (call, text or "
                   "call-text), hours (24/7 or HH:MM-HH:MM), and https addresses for url and "
                   "source.",
                   index + 1, country);
      line_free (line);
      return NULL;
    }

  return line;
}

/**
 * sam_crisis_resources_new_from_bytes:
 * @json: a file in the format of data/crisis-resources.json
 *
 * Returns: (transfer full): the resources, or %NULL with @error set
 */
SamCrisisResources *
sam_crisis_resources_new_from_bytes (GBytes *json, GError **error)
{
  g_autoptr (SamCrisisResources) self = g_object_new (SAM_TYPE_CRISIS_RESOURCES, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  JsonObject *root, *directory;
  JsonArray  *countries;

  g_return_val_if_fail (json != NULL, NULL);

  if (!json_parser_load_from_data (parser, g_bytes_get_data (json, NULL), g_bytes_get_size (json),
                                   &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The crisis resources are not valid JSON: %s", local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The crisis resources must be one JSON object.");
      return NULL;
    }

  root = json_node_get_object (json_parser_get_root (parser));
  directory = json_object_has_member (root, "directory")
                  ? json_object_get_object_member (root, "directory")
                  : NULL;
  if (directory == NULL ||
      !is_web_address (json_object_get_string_member_with_default (directory, "url", NULL)) ||
      !is_web_address (json_object_get_string_member_with_default (directory, "source", NULL)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The crisis resources need an international “directory” with an "
                           "https url and source.");
      return NULL;
    }
  self->directory_name =
      g_strdup (json_object_get_string_member_with_default (directory, "name", "Find A Helpline"));
  self->directory_url = g_strdup (json_object_get_string_member (directory, "url"));

  countries = json_object_has_member (root, "countries")
                  ? json_object_get_array_member (root, "countries")
                  : NULL;
  for (guint i = 0; countries != NULL && i < json_array_get_length (countries); i++)
    {
      JsonObject *object = json_array_get_object_element (countries, i);
      const char *code = json_object_get_string_member_with_default (object, "code", "");
      JsonArray  *lines = json_object_has_member (object, "lines")
                              ? json_object_get_array_member (object, "lines")
                              : NULL;
      Country    *country;

      if (strlen (code) != 2 || !g_ascii_isupper (code[0]) || !g_ascii_isupper (code[1]) ||
          lines == NULL || json_array_get_length (lines) == 0 ||
          sam_crisis_resources_has_country (self, code))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Crisis resources entry %u needs a unique two-letter country “code” and "
                       "at least one line.",
                       i + 1);
          return NULL;
        }

      country = g_new0 (Country, 1);
      country->code = g_strdup (code);
      country->emergency =
          g_strdup (json_object_get_string_member_with_default (object, "emergency", NULL));
      country->lines = g_ptr_array_new_with_free_func (line_free);
      g_ptr_array_add (self->countries, country);

      for (guint l = 0; l < json_array_get_length (lines); l++)
        {
          SamCrisisLine *line =
              parse_line (json_array_get_object_element (lines, l), code, l, error);

          if (line == NULL)
            return NULL;
          g_ptr_array_add (country->lines, line);
        }
    }

  return g_steal_pointer (&self);
}

SamCrisisResources *
sam_crisis_resources_new_builtin (GError **error)
{
  g_autoptr (GBytes) bytes = g_resources_lookup_data (RESOURCES_PATH, 0, error);

  if (bytes == NULL)
    return NULL;
  return sam_crisis_resources_new_from_bytes (bytes, error);
}

/**
 * sam_crisis_resources_get_default:
 *
 * Returns: (transfer none): the resources shipped with Samantha
 */
SamCrisisResources *
sam_crisis_resources_get_default (void)
{
  static SamCrisisResources *resources;
  static gsize               initialized;

  if (g_once_init_enter (&initialized))
    {
      g_autoptr (GError) error = NULL;

      /* The file ships inside the binary; failing to read it is a build defect. */
      resources = sam_crisis_resources_new_builtin (&error);
      if (resources == NULL)
        g_error ("The built-in crisis resources do not load: %s", error->message);
      g_once_init_leave (&initialized, 1);
    }

  return resources;
}

/* Queries */

static Country *
find_country (SamCrisisResources *self, const char *code)
{
  if (code == NULL)
    return NULL;
  for (guint i = 0; i < self->countries->len; i++)
    {
      Country *country = g_ptr_array_index (self->countries, i);

      if (g_ascii_strcasecmp (country->code, code) == 0)
        return country;
    }
  return NULL;
}

char **
sam_crisis_resources_list_countries (SamCrisisResources *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (SAM_IS_CRISIS_RESOURCES (self), NULL);

  for (guint i = 0; i < self->countries->len; i++)
    g_strv_builder_add (builder, ((Country *) g_ptr_array_index (self->countries, i))->code);
  return g_strv_builder_end (builder);
}

gboolean
sam_crisis_resources_has_country (SamCrisisResources *self, const char *country)
{
  g_return_val_if_fail (SAM_IS_CRISIS_RESOURCES (self), FALSE);

  return find_country (self, country) != NULL;
}

/**
 * sam_crisis_resources_get_lines:
 * @country: (nullable): an ISO 3166 code such as "AT"
 * @language: (nullable): the user's language; its lines come first (Belgium: 1813 for Dutch,
 *   0800 32 123 for French)
 *
 * Returns: (transfer container) (element-type SamCrisisLine): the country's lines, empty when
 *   the country has none listed (show the directory then)
 */
GPtrArray *
sam_crisis_resources_get_lines (SamCrisisResources *self, const char *country, const char *language)
{
  Country   *found;
  GPtrArray *lines = g_ptr_array_new ();

  g_return_val_if_fail (SAM_IS_CRISIS_RESOURCES (self), lines);

  found = find_country (self, country);
  if (found == NULL)
    return lines;

  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < found->lines->len; i++)
        {
          SamCrisisLine *line = g_ptr_array_index (found->lines, i);
          gboolean       speaks =
              language != NULL && g_strv_contains ((const char *const *) line->languages, language);

          if ((pass == 0) == speaks)
            g_ptr_array_add (lines, line);
        }
    }
  return lines;
}

const char *
sam_crisis_resources_get_emergency_number (SamCrisisResources *self, const char *country)
{
  Country *found;

  g_return_val_if_fail (SAM_IS_CRISIS_RESOURCES (self), NULL);

  found = find_country (self, country);
  return found ? found->emergency : NULL;
}

const char *
sam_crisis_resources_get_directory_name (SamCrisisResources *self)
{
  g_return_val_if_fail (SAM_IS_CRISIS_RESOURCES (self), NULL);

  return self->directory_name;
}

const char *
sam_crisis_resources_get_directory_url (SamCrisisResources *self)
{
  g_return_val_if_fail (SAM_IS_CRISIS_RESOURCES (self), NULL);

  return self->directory_url;
}

/**
 * sam_crisis_line_describe:
 *
 * Returns: (transfer full): how to reach the line, in the user's language, e.g.
 *   "Call or text 988 · 24 hours a day"
 */
char *
sam_crisis_line_describe (const SamCrisisLine *line)
{
  g_autofree char *how = NULL;
  g_autofree char *when = NULL;

  g_return_val_if_fail (line != NULL, NULL);

  switch (line->contact)
    {
    case SAM_CRISIS_CONTACT_TEXT:
      if (line->keyword != NULL)
        /* Translators: texting a keyword to a crisis line, e.g. "Text HOME to 741741" */
        how = g_strdup_printf (_ ("Text %s to %s"), line->keyword, line->number);
      else
        how = g_strdup_printf (_ ("Text %s"), line->number);
      break;
    case SAM_CRISIS_CONTACT_CALL_TEXT:
      how = g_strdup_printf (_ ("Call or text %s"), line->number);
      break;
    case SAM_CRISIS_CONTACT_CALL:
    default:
      how = g_strdup_printf (_ ("Call %s"), line->number);
      break;
    }

  if (g_str_equal (line->hours, "24/7"))
    when = g_strdup (_ ("24 hours a day"));
  else
    {
      g_autofree char *from = g_strndup (line->hours, 5);

      /* Translators: opening hours of a crisis line, e.g. "every day, 10:00–24:00" */
      when = g_strdup_printf (_ ("every day, %s–%s"), from, line->hours + 6);
    }

  return g_strdup_printf ("%s · %s", how, when);
}

/**
 * sam_crisis_resources_format_text:
 * @country: (nullable): an ISO 3166 code; %NULL or an unlisted country gives the directory
 *
 * The block `samantha --ask` prints before a reply to a message in crisis: the country's lines
 * (the environment's language first), the emergency number and the international directory.
 *
 * Returns: (transfer full): plain text ending in a newline
 */
char *
sam_crisis_resources_format_text (SamCrisisResources *self, const char *country)
{
  GString         *text;
  g_autofree char *locale = NULL;
  g_autofree char *language = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  const char *emergency;

  g_return_val_if_fail (SAM_IS_CRISIS_RESOURCES (self), NULL);

  text = g_string_new (NULL);
  locale = sam_crisis_locale_from_environment ();
  language = sam_crisis_language_from_locale (locale);
  lines = sam_crisis_resources_get_lines (self, country, language);
  emergency = sam_crisis_resources_get_emergency_number (self, country);

  g_string_append_printf (text, "%s\n", _ ("You don’t have to go through this alone."));
  g_string_append_printf (
      text, "%s\n\n",
      _ ("If you are thinking about suicide or about hurting yourself, please talk to someone "
         "now. These people are there to listen:"));

  for (guint i = 0; i < lines->len; i++)
    {
      const SamCrisisLine *line = g_ptr_array_index (lines, i);
      g_autofree char     *how = sam_crisis_line_describe (line);

      g_string_append_printf (text, "  %s\n  %s\n  %s\n\n", line->name, how, line->url);
    }

  if (lines->len == 0)
    {
      /* Translators: %s is the address of an international directory of helplines */
      g_string_append_printf (text, "  %s\n  %s\n\n", _ ("Find a helpline in your country:"),
                              self->directory_url);
      g_string_append_printf (text, "%s\n",
                              _ ("If you are in immediate danger, call your local emergency "
                                 "number."));
    }
  else
    {
      if (emergency != NULL)
        /* Translators: %s is an emergency number such as 112 or 911 */
        g_string_append_printf (text, _ ("If you are in immediate danger, call %s."), emergency);
      else
        g_string_append (text, _ ("If you are in immediate danger, call your local emergency "
                                  "number."));
      g_string_append_c (text, '\n');
      /* Translators: %s is the address of an international directory of helplines */
      g_string_append_printf (text, _ ("Helplines in other countries: %s"), self->directory_url);
      g_string_append_c (text, '\n');
    }

  return g_string_free (text, FALSE);
}

/* Locales */

static gboolean
is_c_locale (const char *locale)
{
  return locale == NULL || *locale == '\0' || g_str_equal (locale, "C") ||
         g_str_equal (locale, "POSIX") || g_str_has_prefix (locale, "C.") ||
         g_str_has_prefix (locale, "C@");
}

/* "de_AT.UTF-8@euro" → "de" and "AT"; either may come back NULL. */
static void
split_locale (const char *locale, char **language, char **territory)
{
  g_autofree char *copy = NULL;
  char            *cut;
  char            *underscore;

  *language = NULL;
  *territory = NULL;
  if (is_c_locale (locale))
    return;

  copy = g_strdup (locale);
  if ((cut = strpbrk (copy, ".@")) != NULL)
    *cut = '\0';
  underscore = strpbrk (copy, "_-");
  if (underscore != NULL)
    {
      *underscore = '\0';
      if (strlen (underscore + 1) == 2 && g_ascii_isalpha (underscore[1]) &&
          g_ascii_isalpha (underscore[2]))
        *territory = g_ascii_strup (underscore + 1, -1);
    }
  if (strlen (copy) >= 2 && strlen (copy) <= 3)
    *language = g_ascii_strdown (copy, -1);
}

/**
 * sam_crisis_country_from_locale:
 * @locale: (nullable): a POSIX locale such as "de_AT.UTF-8"
 *
 * The locale's territory, or for a language-only locale that language's main country
 * ("de" → DE). English alone names no country.
 *
 * Returns: (transfer full) (nullable): an ISO 3166 code, or %NULL
 */
char *
sam_crisis_country_from_locale (const char *locale)
{
  static const char *by_language[][2] = {
    { "de", "DE" }, { "fr", "FR" }, { "es", "ES" }, { "it", "IT" },
    { "pt", "PT" }, { "nl", "NL" }, { "ga", "IE" }, { "cy", "GB" },
  };
  g_autofree char *language = NULL;
  g_autofree char *territory = NULL;

  split_locale (locale, &language, &territory);
  if (territory != NULL)
    return g_steal_pointer (&territory);
  for (guint i = 0; language != NULL && i < G_N_ELEMENTS (by_language); i++)
    if (g_str_equal (language, by_language[i][0]))
      return g_strdup (by_language[i][1]);
  return NULL;
}

/**
 * sam_crisis_language_from_locale:
 *
 * Returns: (transfer full) (nullable): "de" for "de_AT.UTF-8", %NULL for C or POSIX
 */
char *
sam_crisis_language_from_locale (const char *locale)
{
  g_autofree char *language = NULL;
  g_autofree char *territory = NULL;

  split_locale (locale, &language, &territory);
  return g_steal_pointer (&language);
}

/**
 * sam_crisis_locale_from_environment:
 *
 * The first of LC_ALL, LC_MESSAGES and LANG that names a real locale; "C" and "POSIX" are
 * passed over, so LC_ALL=C.UTF-8 with LANG=de_AT.UTF-8 still gives Austria.
 *
 * Returns: (transfer full) (nullable): the locale, or %NULL
 */
char *
sam_crisis_locale_from_environment (void)
{
  const char *variables[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      const char *value = g_getenv (variables[i]);

      if (!is_c_locale (value))
        return g_strdup (value);
    }
  return NULL;
}

char *
sam_crisis_country_from_environment (void)
{
  g_autofree char *locale = sam_crisis_locale_from_environment ();

  return sam_crisis_country_from_locale (locale);
}
