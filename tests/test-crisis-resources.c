/* test-crisis-resources.c — crisis lines per country, the locale that picks them, the fallback.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "companion/sam-crisis-resources.h"
#include "sam-test-util.h"

static SamCrisisResources *resources;

static gboolean
country_has_number (const char *country, const char *number)
{
  g_autoptr (GPtrArray) lines = sam_crisis_resources_get_lines (resources, country, NULL);

  for (guint i = 0; i < lines->len; i++)
    if (g_str_equal (((SamCrisisLine *) g_ptr_array_index (lines, i))->number, number))
      return TRUE;
  return FALSE;
}

static void
test_crisis_required_countries (void)
{
  static const struct
  {
    const char *country;
    const char *number;
  } required[] = {
    { "US", "988" },
    { "US", "741741" },
    { "CA", "988" },
    { "GB", "116 123" },
    { "IE", "116 123" },
    { "DE", "0800 111 0 111" },
    { "DE", "0800 111 0 222" },
    { "AT", "142" },
    { "CH", "143" },
    { "FR", "3114" },
    { "ES", "024" },
    { "IT", "02 2327 2327" },
    { "PT", "808 24 24 24" },
    { "NL", "113" },
    { "NL", "0800-0113" },
    { "BE", "1813" },
    { "BE", "0800 32 123" },
    { "AU", "13 11 14" },
    { "NZ", "1737" },
  };
  g_auto (GStrv) countries = sam_crisis_resources_list_countries (resources);

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      if (!country_has_number (required[i].country, required[i].number))
        g_error ("%s has no line %s", required[i].country, required[i].number);
      g_assert_nonnull (sam_crisis_resources_get_emergency_number (resources, required[i].country));
    }

  /* Every line, in every country, can be reached and says where its number comes from. */
  for (guint c = 0; countries[c] != NULL; c++)
    {
      g_autoptr (GPtrArray) lines = sam_crisis_resources_get_lines (resources, countries[c], NULL);

      g_assert_cmpuint (lines->len, >, 0);
      for (guint i = 0; i < lines->len; i++)
        {
          const SamCrisisLine *line = g_ptr_array_index (lines, i);

          g_assert_nonnull (line->name);
          g_assert_cmpuint (strlen (line->number), >=, 3);
          g_assert_true (g_str_has_prefix (line->url, "https://"));
          g_assert_true (g_str_has_prefix (line->source, "https://"));
          g_assert_nonnull (line->hours);
          g_assert_cmpuint (g_strv_length ((char **) line->languages), >, 0);
        }
    }

  g_assert_cmpuint (g_strv_length (countries), >=, 15);
  g_assert_cmpstr (sam_crisis_resources_get_directory_url (resources), ==,
                   "https://findahelpline.com/");
  g_assert_false (sam_crisis_resources_has_country (resources, "BR"));
  g_assert_true (sam_crisis_resources_has_country (resources, "at"));
  g_assert_true (sam_crisis_resources_get_default () == sam_crisis_resources_get_default ());
}

static void
test_crisis_locale_to_country (void)
{
  static const struct
  {
    const char *locale;
    const char *country;
    const char *language;
  } cases[] = {
    { "de_AT.UTF-8", "AT", "de" }, { "de_CH.utf8", "CH", "de" }, { "fr_BE.UTF-8@euro", "BE", "fr" },
    { "en_US.UTF-8", "US", "en" }, { "en_GB", "GB", "en" },      { "pt_BR.UTF-8", "BR", "pt" },
    { "sr_RS@latin", "RS", "sr" }, { "de", "DE", "de" },         { "fr.UTF-8", "FR", "fr" },
    { "nl", "NL", "nl" },          { "en", NULL, "en" },         { "C", NULL, NULL },
    { "C.UTF-8", NULL, NULL },     { "POSIX", NULL, NULL },      { "", NULL, NULL },
    { NULL, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *country = sam_crisis_country_from_locale (cases[i].locale);
      g_autofree char *language = sam_crisis_language_from_locale (cases[i].locale);

      g_assert_cmpstr (country, ==, cases[i].country);
      g_assert_cmpstr (language, ==, cases[i].language);
    }
}

static void
set_locale_environment (const char *lc_all, const char *lc_messages, const char *lang)
{
  const char *names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
  const char *values[] = { lc_all, lc_messages, lang };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (values[i] != NULL)
        g_setenv (names[i], values[i], TRUE);
      else
        g_unsetenv (names[i]);
    }
}

static void
test_crisis_environment (void)
{
  g_autofree char *saved_all = g_strdup (g_getenv ("LC_ALL"));
  g_autofree char *saved_messages = g_strdup (g_getenv ("LC_MESSAGES"));
  g_autofree char *saved_lang = g_strdup (g_getenv ("LANG"));
  char            *country;

  /* LANG alone, as `LANG=de_AT.UTF-8 samantha --ask` gives it. */
  set_locale_environment (NULL, NULL, "de_AT.UTF-8");
  country = sam_crisis_country_from_environment ();
  g_assert_cmpstr (country, ==, "AT");
  g_free (country);

  /* LC_ALL wins over LANG, and LC_MESSAGES over LANG... */
  set_locale_environment ("fr_CH.UTF-8", "it_IT.UTF-8", "de_AT.UTF-8");
  country = sam_crisis_country_from_environment ();
  g_assert_cmpstr (country, ==, "CH");
  g_free (country);
  set_locale_environment (NULL, "it_IT.UTF-8", "de_AT.UTF-8");
  country = sam_crisis_country_from_environment ();
  g_assert_cmpstr (country, ==, "IT");
  g_free (country);

  /* ...but a C locale names no country, so the next variable decides. */
  set_locale_environment ("C.UTF-8", NULL, "nl_BE.UTF-8");
  country = sam_crisis_country_from_environment ();
  g_assert_cmpstr (country, ==, "BE");
  g_free (country);

  set_locale_environment ("C", "POSIX", NULL);
  g_assert_null (sam_crisis_country_from_environment ());

  set_locale_environment (saved_all, saved_messages, saved_lang);
}

static void
test_crisis_format_text (void)
{
  g_autofree char *saved_all = g_strdup (g_getenv ("LC_ALL"));
  g_autofree char *saved_lang = g_strdup (g_getenv ("LANG"));
  g_autofree char *austria = NULL;
  g_autofree char *united_states = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *none = NULL;
  g_autofree char *belgium_fr = NULL;
  g_autofree char *belgium_nl = NULL;

  austria = sam_crisis_resources_format_text (resources, "AT");
  g_assert_nonnull (strstr (austria, "TelefonSeelsorge"));
  g_assert_nonnull (strstr (austria, "Call 142 · 24 hours a day"));
  g_assert_nonnull (strstr (austria, "https://www.telefonseelsorge.at/"));
  g_assert_nonnull (strstr (austria, "call 112"));
  g_assert_nonnull (strstr (austria, "https://findahelpline.com/"));
  g_assert_null (strstr (austria, "988"));
  g_assert_true (g_str_has_suffix (austria, "\n"));

  united_states = sam_crisis_resources_format_text (resources, "US");
  g_assert_nonnull (strstr (united_states, "Call or text 988 · 24 hours a day"));
  g_assert_nonnull (strstr (united_states, "Text HOME to 741741"));
  g_assert_nonnull (strstr (united_states, "call 911"));

  /* No lines for the country: the international directory and the local emergency number. */
  unknown = sam_crisis_resources_format_text (resources, "BR");
  none = sam_crisis_resources_format_text (resources, NULL);
  g_assert_cmpstr (unknown, ==, none);
  g_assert_nonnull (strstr (none, "https://findahelpline.com/"));
  g_assert_nonnull (strstr (none, "local emergency number"));
  g_assert_null (strstr (none, "Call "));

  /* In Belgium the user's language decides which line comes first. */
  g_unsetenv ("LC_ALL");
  g_setenv ("LANG", "fr_BE.UTF-8", TRUE);
  belgium_fr = sam_crisis_resources_format_text (resources, "BE");
  g_setenv ("LANG", "nl_BE.UTF-8", TRUE);
  belgium_nl = sam_crisis_resources_format_text (resources, "BE");
  g_assert_true (strstr (belgium_fr, "0800 32 123") < strstr (belgium_fr, "1813"));
  g_assert_true (strstr (belgium_nl, "1813") < strstr (belgium_nl, "0800 32 123"));

  set_locale_environment (saved_all, NULL, saved_lang);
}

static void
test_crisis_describe (void)
{
  g_autoptr (GPtrArray) italy = sam_crisis_resources_get_lines (resources, "IT", "it");
  g_autoptr (GPtrArray) zealand = sam_crisis_resources_get_lines (resources, "NZ", NULL);
  g_autoptr (GPtrArray) nowhere = sam_crisis_resources_get_lines (resources, "ZZ", "en");
  g_autofree char *italy_text = NULL;
  g_autofree char *zealand_text = NULL;

  italy_text = sam_crisis_line_describe (g_ptr_array_index (italy, 0));
  g_assert_cmpstr (italy_text, ==, "Call 02 2327 2327 · every day, 10:00–24:00");
  zealand_text = sam_crisis_line_describe (g_ptr_array_index (zealand, 0));
  g_assert_cmpstr (zealand_text, ==, "Call or text 1737 · 24 hours a day");
  g_assert_cmpuint (nowhere->len, ==, 0);
}

static void
expect_error (const char *json, const char *fragment)
{
  g_autoptr (GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr (GError) error = NULL;
  g_autoptr (SamCrisisResources) bad = sam_crisis_resources_new_from_bytes (bytes, &error);

  g_assert_null (bad);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
}

static void
test_crisis_invalid (void)
{
  const char      *directory = "\"directory\": {\"url\": \"https://x.org/\", \"source\": "
                               "\"https://x.org/\"}";
  g_autofree char *no_source = g_strdup_printf (
      "{%s, \"countries\": [{\"code\": \"XX\", \"lines\": [{\"name\": \"A\", \"number\": \"1\", "
      "\"contact\": \"call\", \"hours\": \"24/7\", \"url\": \"https://a.org/\"}]}]}",
      directory);
  g_autofree char *bad_hours = g_strdup_printf (
      "{%s, \"countries\": [{\"code\": \"XX\", \"lines\": [{\"name\": \"A\", \"number\": \"1\", "
      "\"contact\": \"call\", \"hours\": \"mornings\", \"url\": \"https://a.org/\", \"source\": "
      "\"https://a.org/\"}]}]}",
      directory);
  g_autofree char *bad_code =
      g_strdup_printf ("{%s, \"countries\": [{\"code\": \"Austria\", \"lines\": []}]}", directory);

  expect_error ("not json", "not valid JSON");
  expect_error ("[]", "one JSON object");
  expect_error ("{\"countries\": []}", "directory");
  expect_error (no_source, "source");
  expect_error (bad_hours, "hours");
  expect_error (bad_code, "two-letter country");
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  int ret;

  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  resources = sam_crisis_resources_new_builtin (&error);
  g_assert_no_error (error);

  g_test_add_func ("/crisis-resources/required-countries", test_crisis_required_countries);
  g_test_add_func ("/crisis-resources/locale-to-country", test_crisis_locale_to_country);
  g_test_add_func ("/crisis-resources/environment", test_crisis_environment);
  g_test_add_func ("/crisis-resources/format-text", test_crisis_format_text);
  g_test_add_func ("/crisis-resources/describe", test_crisis_describe);
  g_test_add_func ("/crisis-resources/invalid", test_crisis_invalid);

  ret = g_test_run ();

  g_clear_object (&resources);
  return ret;
}
