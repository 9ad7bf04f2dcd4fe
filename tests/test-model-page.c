/* test-model-page.c — Preferences → Model under Xvfb: settings, the key to the keyring and
 * back out of sight, and "Test Connection" against a replay server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "desktop/sam-secrets.h"
#include "sam-replay-server.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "ui/sam-model-page.h"
#include "ui/sam-preferences-window.h"

#define UI_KEY "sk-ui-Lm8Nb6Vc4Xz2"

static GtkWidget *
child (gpointer widget, const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), SAM_TYPE_MODEL_PAGE, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static GtkWidget *
find_model_page (GtkWidget *widget)
{
  if (SAM_IS_MODEL_PAGE (widget))
    return widget;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_model_page (c);

      if (found)
        return found;
    }

  return NULL;
}

typedef struct
{
  GtkWidget  *widget;
  const char *prefix;
} Subtitle;

static gboolean
subtitle_has_prefix (gpointer data)
{
  Subtitle   *subtitle = data;
  const char *text = adw_action_row_get_subtitle (ADW_ACTION_ROW (subtitle->widget));

  return text && g_str_has_prefix (text, subtitle->prefix);
}

static const char *
wait_subtitle (GtkWidget *row, const char *prefix)
{
  Subtitle subtitle = { row, prefix };

  if (!sam_test_ui_wait_for (subtitle_has_prefix, &subtitle, 5000))
    g_error ("subtitle “%s” never started with “%s”",
             adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), prefix);
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

typedef struct
{
  char    *key;
  gboolean done;
} Lookup;

static void
lookup_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  Lookup *lookup = data;
  g_autoptr (GError) error = NULL;

  lookup->key = sam_secrets_lookup_finish (result, &error);
  g_assert_no_error (error);
  lookup->done = TRUE;
}

static char *
keyring_key (const char *provider, const char *base_url)
{
  Lookup lookup = { 0 };

  sam_secrets_lookup_async (provider, base_url, NULL, lookup_cb, &lookup);
  while (!lookup.done)
    g_main_context_iteration (NULL, TRUE);
  return lookup.key;
}

static void
test_in_preferences (void)
{
  GtkWidget *window = g_object_new (SAM_TYPE_PREFERENCES_WINDOW, NULL);
  GtkWidget *page;

  gtk_window_present (GTK_WINDOW (window));
  page = find_model_page (window);
  g_assert_nonnull (page);
  g_assert_cmpstr (adw_preferences_page_get_title (ADW_PREFERENCES_PAGE (page)), ==, "Model");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_key_and_connection (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autofree char *base_url = g_strconcat (sam_replay_server_get_url (server), "/v1", NULL);
  g_autofree char *host = g_strdup (sam_replay_server_get_url (server) + strlen ("http://"));
  g_autofree char *expected = NULL;
  g_autoptr (GBytes) models = sam_test_load_fixture ("wire/openai-models.json");
  g_autoptr (GBytes) refused = sam_test_load_fixture ("wire/openai-error-401.json");
  GtkWidget  *window;
  GtkWidget  *page;
  char       *key;
  const char *text;

  g_settings_set_string (settings, "provider", "openai");
  g_settings_set_string (settings, "base-url", base_url);
  g_settings_set_string (settings, "model", "");

  window = adw_preferences_window_new ();
  page = sam_model_page_new ();
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (window);

  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (child (page, "provider_row"))), ==,
                    1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (page, "base_url_row"))), ==,
                   base_url);
  expected = g_strdup_printf ("No API key for %s is stored", host);
  g_assert_cmpstr (wait_subtitle (child (page, "key_status_row"), "No API key"), ==, expected);
  g_assert_false (gtk_widget_get_sensitive (child (page, "remove_key_button")));

  /* The key goes to the keyring; the field forgets it at once. */
  gtk_editable_set_text (GTK_EDITABLE (child (page, "key_row")), UI_KEY);
  g_signal_emit_by_name (child (page, "key_row"), "apply");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (page, "key_row"))), ==, "");
  wait_subtitle (child (page, "key_status_row"), "An API key");
  key = keyring_key ("openai", base_url);
  g_assert_cmpstr (key, ==, UI_KEY);
  sam_secrets_free_key (key);
  g_assert_true (gtk_widget_get_sensitive (child (page, "remove_key_button")));

  /* Nothing of it in the settings. */
  {
    g_autofree char *url = g_settings_get_string (settings, "base-url");
    g_autofree char *model = g_settings_get_string (settings, "model");

    g_assert_null (strstr (url, UI_KEY));
    g_assert_null (strstr (model, UI_KEY));
  }

  /* Test Connection: a real request with the stored key, the real outcome. */
  sam_replay_server_queue_response (server, 200, NULL, "application/json", models);
  gtk_widget_activate_action (page, "model.test-connection", NULL);
  text = wait_subtitle (child (page, "test_row"), "Connected");
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("Connected to %s: 3 models available", host);
  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpstr (soup_message_headers_get_one (sam_replay_server_get_request (server, 0)->headers,
                                                 "Authorization"),
                   ==, "Bearer " UI_KEY);
  g_assert_cmpuint (g_list_model_get_n_items (
                        adw_combo_row_get_model (ADW_COMBO_ROW (child (page, "model_row")))),
                    ==, 4);

  /* Choosing a model stores its name. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (page, "model_row")), 2);
  {
    g_autofree char *model = g_settings_get_string (settings, "model");

    g_assert_cmpstr (model, ==, "model-id-1");
  }

  sam_replay_server_queue_response (server, 401, NULL, "application/json", refused);
  gtk_widget_activate_action (page, "model.test-connection", NULL);
  g_clear_pointer (&expected, g_free);
  expected =
      g_strdup_printf ("The API key was refused by %s; check it in Preferences → Model.", host);
  g_assert_cmpstr (wait_subtitle (child (page, "test_row"), "The API key"), ==, expected);

  gtk_test_widget_wait_for_draw (window);
  g_free (sam_test_ui_save_png (window, "model-page"));

  gtk_widget_activate_action (page, "model.remove-key", NULL);
  wait_subtitle (child (page, "key_status_row"), "No API key");
  g_assert_null (keyring_key ("openai", base_url));

  /* Another provider: its own address, and the old URL and model are not carried over. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (page, "provider_row")), 3);
  {
    g_autofree char *provider = g_settings_get_string (settings, "provider");
    g_autofree char *url = g_settings_get_string (settings, "base-url");
    g_autofree char *model = g_settings_get_string (settings, "model");

    g_assert_cmpstr (provider, ==, "ollama");
    g_assert_cmpstr (url, ==, "");
    g_assert_cmpstr (model, ==, "");
  }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (page, "base_url_row"))), ==,
                   "http://127.0.0.1:11434");

  /* A URL typed in is kept; the provider's own is stored as none. */
  gtk_editable_set_text (GTK_EDITABLE (child (page, "base_url_row")), "http://10.0.0.2:11434/");
  g_signal_emit_by_name (child (page, "base_url_row"), "apply");
  {
    g_autofree char *url = g_settings_get_string (settings, "base-url");

    g_assert_cmpstr (url, ==, "http://10.0.0.2:11434");
  }

  adw_combo_row_set_selected (ADW_COMBO_ROW (child (page, "provider_row")), 0);
  g_assert_false (gtk_widget_get_sensitive (child (page, "key_group")));
  g_assert_false (gtk_widget_get_sensitive (child (page, "base_url_row")));

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "provider");
  g_settings_reset (settings, "base-url");
  g_settings_reset (settings, "model");
}

/* The embedding model row edits the `embedding-model` setting, empty (off) by default. */
static void
test_embedding_model (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  GtkWidget       *page = g_object_ref_sink (sam_model_page_new ());
  GtkEditable     *row = GTK_EDITABLE (child (page, "embedding_model_row"));
  g_autofree char *model = NULL;

  g_assert_cmpstr (gtk_editable_get_text (row), ==, "");
  gtk_editable_set_text (row, "nomic-embed-text");
  model = g_settings_get_string (settings, "embedding-model");
  g_assert_cmpstr (model, ==, "nomic-embed-text");
  g_settings_set_string (settings, "embedding-model", "");
  g_assert_cmpstr (gtk_editable_get_text (row), ==, "");
  g_object_unref (page);
}

static void
test_accessibility (void)
{
  GtkWidget *page = g_object_ref_sink (sam_model_page_new ());

  /* The icon-only button says what it does. */
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (child (page, "refresh_button")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Refresh the List of Models");
  g_object_unref (page);
}

int
main (int argc, char *argv[])
{
  const char      *home = sam_test_init_environment ();
  g_autofree char *keyring = g_build_filename (home, "data", "test.keyring", NULL);

  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/model-page/in-preferences", test_in_preferences);
  g_test_add_func ("/ui/model-page/key-and-connection", test_key_and_connection);
  g_test_add_func ("/ui/model-page/embedding-model", test_embedding_model);
  g_test_add_func ("/ui/model-page/accessibility", test_accessibility);

  return g_test_run ();
}
