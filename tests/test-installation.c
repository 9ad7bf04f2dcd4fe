/* test-installation.c — the first-run installation under Xvfb, driven like a user: answers
 * become settings and core blocks, running it again starts from them, and every page is
 * saved as a screenshot in light and dark.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include <adwaita.h>
#include <libsoup/soup.h>
#include <string.h>

#include "companion/sam-installation.h"
#include "model/sam-provider-config.h"
#include "sam-application.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "store/sam-memory-store.h"
#include "ui/sam-installation-window.h"
#include "ui/sam-preferences-window.h"
#include "ui/sam-window.h"

static SamApplication *app;
static GSettings      *settings;
static char          **learned_folders;

static GtkWidget *
template_child (gpointer window, const char *name)
{
  GObject *child =
      gtk_widget_get_template_child (GTK_WIDGET (window), SAM_TYPE_INSTALLATION_WINDOW, name);

  if (child == NULL)
    g_error ("no template child %s", name);
  return GTK_WIDGET (child);
}

static GtkWidget *
named (gpointer window, const char *name)
{
  GtkWidget *widget = sam_test_ui_find_named (GTK_WIDGET (window), name);

  if (widget == NULL)
    g_error ("no widget named %s", name);
  return widget;
}

static SamInstallationWindow *
find_installation (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (SAM_IS_INSTALLATION_WINDOW (l->data))
      return l->data;
  return NULL;
}

static guint
count_main_windows (void)
{
  guint n = 0;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    n += SAM_IS_WINDOW (l->data);
  return n;
}

static void
click (GtkWidget *widget)
{
  g_assert_true (gtk_widget_get_visible (widget));
  g_assert_true (gtk_widget_is_sensitive (widget));
  /* A button's activation waits for its pressed look; a click is at once. */
  if (GTK_IS_BUTTON (widget))
    g_signal_emit_by_name (widget, "clicked");
  else
    gtk_widget_activate (widget);
  sam_test_ui_iterate (20);
}

static void
type_into (GtkWidget *row, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  sam_test_ui_iterate (10);
}

/* Enter in a field, as a user ends an answer. */
static void
press_enter (GtkWidget *row)
{
  GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (row));

  g_assert_true (GTK_IS_TEXT (text));
  /* What the Enter key binding of a text field emits. */
  g_signal_emit_by_name (text, "activate");
  sam_test_ui_iterate (20);
}

static void
assert_page (SamInstallationWindow *window, const char *name)
{
  g_assert_cmpstr (sam_installation_window_get_page_name (window), ==, name);
}

/* Each page as a person sees it, light and dark. */
static void
screenshot (SamInstallationWindow *window, const char *name)
{
  const char *schemes[] = { "force-light", "force-dark" };
  const char *suffixes[] = { "light", "dark" };

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      g_autofree char *file = g_strdup_printf ("installation-%s-%s", name, suffixes[i]);
      g_autofree char *path = NULL;

      g_settings_set_string (settings, "color-scheme", schemes[i]);
      /* The carousel glides to the page; wait until it is there. */
      sam_test_ui_iterate (600);
      gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
      path = sam_test_ui_save_png (GTK_WIDGET (window), file);
      g_test_message ("screenshot: %s", path);
    }
  g_settings_set_string (settings, "color-scheme", "force-light");
}

static void
assert_setting (const char *key, const char *expected)
{
  g_autofree char *value = g_settings_get_string (settings, key);

  g_assert_cmpstr (value, ==, expected);
}

static char *
core_block (const char *label)
{
  g_autoptr (GError) error = NULL;
  SamStore *store = sam_application_get_store (app, &error);
  char     *value;

  g_assert_no_error (error);
  value = sam_store_dup_core_block (store, label, &error);
  g_assert_no_error (error);
  return value;
}

static void
assert_contains (const char *haystack, const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack ? haystack : "(null)", needle);
}

static gboolean
detection_done (gpointer data)
{
  return gtk_widget_get_visible (template_child (data, "use_detected_button"));
}

static gboolean
no_installation (gpointer data)
{
  return find_installation () == NULL;
}

/* The first start: nothing set up, the installation opens instead of the main window, and
 * a user answers it (skipping the model and folders). */
static void
test_first_run (void)
{
  SamInstallationWindow *window;
  g_autofree char       *user = NULL;
  g_autofree char       *persona = NULL;
  g_autofree char       *style = NULL;
  g_autofree char       *relationship = NULL;
  g_autofree char       *now = NULL;
  g_auto (GStrv) help = NULL;
  g_auto (GStrv) folders = NULL;
  GtkWidget *next;

  g_settings_set_boolean (settings, "installation-done", FALSE);
  g_application_activate (G_APPLICATION (app));
  window = find_installation ();
  g_assert_nonnull (window);
  g_assert_cmpuint (count_main_windows (), ==, 0);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  next = template_child (window, "next_button");

  /* 1. Welcome: honest about what it is, no way back, nothing to skip. */
  assert_page (window, "welcome");
  g_assert_false (gtk_widget_get_visible (template_child (window, "back_button")));
  g_assert_false (gtk_widget_get_visible (template_child (window, "skip_button")));
  assert_contains (adw_status_page_get_description (ADW_STATUS_PAGE (named (window, "welcome"))),
                   "not a person");
  screenshot (window, "1-welcome");
  click (next);

  /* 2. The user's name, ended with Enter; the field has the keyboard. */
  assert_page (window, "name");
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (window)),
                                         template_child (window, "user_name_row")));
  g_assert_true (gtk_widget_get_visible (template_child (window, "skip_button")));
  type_into (template_child (window, "user_name_row"), "Anna");
  screenshot (window, "2-name");
  press_enter (template_child (window, "user_name_row"));

  /* 3. Under 18: the page says gently what changes. */
  assert_page (window, "age");
  g_assert_false (
      gtk_revealer_get_reveal_child (GTK_REVEALER (template_child (window, "minor_revealer"))));
  click (named (window, "age-under-18"));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (named (window, "age-under-18"))));
  g_assert_true (
      gtk_revealer_get_reveal_child (GTK_REVEALER (template_child (window, "minor_revealer"))));
  screenshot (window, "3-age");
  click (next);

  /* 4. A little about life, and what to help with. */
  assert_page (window, "life");
  type_into (template_child (window, "days_row"), "teaching music and long walks");
  type_into (template_child (window, "people_row"), "my sister Mia");
  click (named (window, "help-company"));
  click (named (window, "help-letters"));
  screenshot (window, "4-life");
  click (next);

  /* 5. Tone; Back (Alt+Left) keeps what was answered, Skip (Alt+Right) moves on. */
  assert_page (window, "tone");
  gtk_widget_activate_action (GTK_WIDGET (window), "installation.back", NULL);
  assert_page (window, "life");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (named (window, "help-letters"))));
  gtk_widget_activate_action (GTK_WIDGET (window), "installation.skip", NULL);
  assert_page (window, "tone");
  click (named (window, "tone-calm"));
  screenshot (window, "5-tone");
  click (next);

  /* 6. The companion names itself after the tone, and the user names it otherwise. */
  assert_page (window, "companion");
  assert_contains (adw_status_page_get_title (ADW_STATUS_PAGE (named (window, "companion"))),
                   "Wren");
  g_assert_cmpstr (
      gtk_editable_get_text (GTK_EDITABLE (template_child (window, "companion_name_row"))), ==,
      "Wren");
  screenshot (window, "6-companion");
  type_into (template_child (window, "companion_name_row"), "Theo");
  click (next);

  /* 7. The model: the Ollama running "here" is found and offered; the user skips it. */
  assert_page (window, "model");
  g_assert_true (sam_test_ui_wait_for (detection_done, window, 5000));
  assert_contains (
      adw_action_row_get_subtitle (ADW_ACTION_ROW (template_child (window, "detect_row"))),
      "llama3.2:1b");
  screenshot (window, "7-model");
  click (template_child (window, "skip_button"));
  assert_setting ("provider", "auto");

  /* 8. Folders: nothing chosen, skipped. */
  assert_page (window, "folders");
  g_assert_true (gtk_widget_get_visible (template_child (window, "no_folders_row")));
  screenshot (window, "8-folders");
  click (template_child (window, "skip_button"));

  /* 9. Done, by name; then the main window. */
  assert_page (window, "done");
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (named (window, "done"))), ==,
                   "Nice to meet you, Anna");
  assert_contains (adw_status_page_get_description (ADW_STATUS_PAGE (named (window, "done"))),
                   "I am Theo");
  screenshot (window, "9-done");
  g_assert_false (g_settings_get_boolean (settings, "installation-done"));
  click (next);
  g_assert_true (sam_test_ui_wait_for (no_installation, NULL, 5000));
  g_assert_cmpuint (count_main_windows (), ==, 1);

  /* What it learned: settings for the app… */
  g_assert_true (g_settings_get_boolean (settings, "installation-done"));
  assert_setting ("user-name", "Anna");
  assert_setting ("age-range", "under-18");
  g_assert_true (g_settings_get_boolean (settings, "user-is-minor"));
  assert_setting ("tone", "calm");
  assert_setting ("companion-name", "Theo");
  help = g_settings_get_strv (settings, "help-with");
  g_assert_cmpstrv (help, ((const char *const[]){ "company", "letters", NULL }));
  folders = g_settings_get_strv (settings, "archive-folders");
  g_assert_cmpuint (g_strv_length (folders), ==, 0);

  /* …and short core blocks for the model. */
  user = core_block ("user");
  assert_contains (user, "Name: Anna");
  assert_contains (user, "Age range: under 18");
  assert_contains (user, "Days: teaching music and long walks");
  assert_contains (user, "People who matter: my sister Mia");
  assert_contains (user, "company and conversation, writing letters");
  persona = core_block ("persona");
  assert_contains (persona, "I am Theo, an AI companion");
  assert_contains (persona, "not a person");
  style = core_block ("style");
  assert_contains (style, "Calm");
  assert_contains (style, "Call the user Anna.");
  relationship = core_block ("relationship");
  assert_contains (relationship, "Anna and Theo met on");
  now = core_block ("now");
  g_assert_nonnull (now);
  g_assert_cmpuint (strlen (user) + strlen (persona) + strlen (style) + strlen (relationship) +
                        strlen (now),
                    <, 1200);

  /* Activating again is the main window, not the installation. */
  g_application_activate (G_APPLICATION (app));
  g_assert_null (find_installation ());
  g_assert_cmpuint (count_main_windows (), ==, 1);
}

/* Stands in for the app's indexer: it reads the folders from the setting when activated. */
static void
learn_from_folders_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_strfreev (learned_folders);
  learned_folders = g_settings_get_strv (settings, "archive-folders");
}

/* Preferences → General → Run Installation Again: the answers are there, and changing them changes
 * what the app and the model know. */
static void
test_run_again (void)
{
  SamInstallationWindow *window;
  g_autoptr (GSimpleAction) learn = g_simple_action_new ("learn-from-folders", NULL);
  g_autoptr (GAction) indexer = NULL;
  g_autoptr (GFile) folder = g_file_new_for_path (g_get_user_data_dir ());
  g_autofree char *user = NULL;
  g_autofree char *relationship = NULL;
  g_autofree char *provider = NULL;
  g_autofree char *model = NULL;
  g_auto (GStrv) folders = NULL;
  const char *expected[] = { g_get_user_data_dir (), NULL };
  GtkWidget  *next;
  GtkWidget  *preferences;

  g_assert_true (g_settings_get_boolean (settings, "installation-done"));
  relationship = core_block ("relationship");
  /* The app's own action reads the chosen folders; this test only needs to see it called. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "learn-from-folders"));
  indexer = g_object_ref (g_action_map_lookup_action (G_ACTION_MAP (app), "learn-from-folders"));
  g_signal_connect (learn, "activate", G_CALLBACK (learn_from_folders_cb), NULL);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (learn));

  preferences = GTK_WIDGET (sam_preferences_window_new (app));
  gtk_window_present (GTK_WINDOW (preferences));
  gtk_test_widget_wait_for_draw (preferences);
  click (sam_test_ui_find_actionable (preferences, GTK_TYPE_WIDGET, "app.run-installation"));
  window = find_installation ();
  g_assert_nonnull (window);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (window)) == GTK_WINDOW (preferences));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (window)));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  next = template_child (window, "next_button");

  /* Every answer is there again. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (template_child (window, "user_name_row"))),
                   ==, "Anna");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (named (window, "age-under-18"))));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (template_child (window, "days_row"))), ==,
                   "teaching music and long walks");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (template_child (window, "people_row"))), ==,
                   "my sister Mia");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (named (window, "help-company"))));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (named (window, "help-letters"))));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (named (window, "help-mail"))));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (named (window, "tone-calm"))));

  click (next);
  assert_page (window, "name");
  click (template_child (window, "skip_button"));
  assert_page (window, "age");
  click (named (window, "age-25-44"));
  g_assert_false (
      gtk_revealer_get_reveal_child (GTK_REVEALER (template_child (window, "minor_revealer"))));
  click (next);
  click (next);
  assert_page (window, "tone");
  click (named (window, "tone-playful"));
  click (next);

  /* The name the user gave stays, whatever the new tone would propose. */
  assert_page (window, "companion");
  g_assert_cmpstr (
      gtk_editable_get_text (GTK_EDITABLE (template_child (window, "companion_name_row"))), ==,
      "Theo");
  assert_contains (adw_status_page_get_title (ADW_STATUS_PAGE (named (window, "companion"))),
                   "Theo");
  click (next);

  /* This time the Ollama found here is used. */
  assert_page (window, "model");
  g_assert_true (sam_test_ui_wait_for (detection_done, window, 5000));
  click (template_child (window, "use_detected_button"));
  provider = g_settings_get_string (settings, "provider");
  model = g_settings_get_string (settings, "model");
  g_assert_cmpstr (provider, ==, "ollama");
  g_assert_cmpstr (model, ==, "llama3.2:1b");

  /* A folder, chosen as the file chooser would hand it over. */
  assert_page (window, "folders");
  sam_installation_window_add_folder (window, folder);
  sam_installation_window_add_folder (window, folder);
  g_assert_false (gtk_widget_get_visible (template_child (window, "no_folders_row")));
  screenshot (window, "8-folders-chosen");
  click (next);
  assert_page (window, "done");
  click (next);
  g_assert_true (sam_test_ui_wait_for (no_installation, NULL, 5000));
  g_assert_cmpuint (count_main_windows (), ==, 1);

  assert_setting ("age-range", "25-44");
  g_assert_false (g_settings_get_boolean (settings, "user-is-minor"));
  assert_setting ("tone", "playful");
  assert_setting ("user-name", "Anna");
  assert_setting ("companion-name", "Theo");
  folders = g_settings_get_strv (settings, "archive-folders");
  g_assert_cmpstrv (folders, expected);

  /* The app was asked to learn, once the folders chosen were stored. */
  g_assert_nonnull (learned_folders);
  g_assert_cmpstrv (learned_folders, expected);

  user = core_block ("user");
  assert_contains (user, "Age range: 25-44");
  assert_contains (user, "Name: Anna");
  {
    g_autofree char *now_relationship = core_block ("relationship");
    g_autofree char *style = core_block ("style");

    /* The companion keeps the relationship block: running again does not reset it. */
    g_assert_cmpstr (now_relationship, ==, relationship);
    assert_contains (style, "Playful");
  }

  gtk_window_destroy (GTK_WINDOW (preferences));
  g_action_map_add_action (G_ACTION_MAP (app), indexer);
  g_clear_pointer (&learned_folders, g_strfreev);
}

/* Closing the installation early is skipping the rest: it does not come back at every start,
 * and the main window opens. */
static void
test_close_early (void)
{
  SamInstallationWindow *window;
  GList                 *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))))
    gtk_window_destroy (windows->data);
  g_settings_set_boolean (settings, "installation-done", FALSE);

  g_application_activate (G_APPLICATION (app));
  window = find_installation ();
  g_assert_nonnull (window);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  click (template_child (window, "next_button"));
  type_into (template_child (window, "user_name_row"), "Not taken");

  gtk_widget_activate_action (GTK_WIDGET (window), "window.close", NULL);
  g_assert_true (sam_test_ui_wait_for (no_installation, NULL, 5000));
  g_assert_true (g_settings_get_boolean (settings, "installation-done"));
  g_assert_cmpuint (count_main_windows (), ==, 1);
  /* Only Continue takes an answer. */
  assert_setting ("user-name", "Anna");
}

/* Without GTK: the proposal depends on the tone alone, and has a reason. */
static void
test_proposal (void)
{
  const char *const *tones = sam_installation_get_tones ();
  const char        *reason = NULL;

  for (guint i = 0; tones[i]; i++)
    {
      const char *name = sam_installation_propose_name (tones[i], &reason);

      g_assert_nonnull (name);
      g_assert_nonnull (reason);
      g_assert_cmpuint (strlen (reason), >, 10);
      g_assert_cmpstr (name, ==, sam_installation_propose_name (tones[i], NULL));
    }
  g_assert_cmpstr (sam_installation_propose_name ("warm", NULL), ==, "Samantha");
  g_assert_cmpstr (sam_installation_propose_name (NULL, NULL), ==, "Samantha");
  g_assert_cmpstr (sam_installation_propose_name ("calm", NULL), !=,
                   sam_installation_propose_name ("direct", NULL));
}

/* Without windows: answers become settings and blocks; an answer never spans lines in the
 * "user" block; skipped answers leave the minor setting alone; blocks the companion keeps are
 * only started. */
static void
test_apply (void)
{
  g_autoptr (GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr (GSettings) memory = g_settings_new_with_backend (APP_ID, backend);
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "apply.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = sam_store_new_for_path (path, &error);
  g_autoptr (SamInstallation) answers = sam_installation_new ();
  g_autoptr (SamInstallation) loaded = NULL;
  g_autofree char *user = NULL;
  g_autofree char *persona = NULL;
  g_autofree char *relationship = NULL;
  g_autofree char *style = NULL;
  g_autofree char *name = NULL;

  g_assert_no_error (error);

  /* Nothing answered: only the companion's own blocks, under its proposed name. */
  g_settings_set_boolean (memory, "user-is-minor", TRUE);
  g_assert_true (sam_installation_apply (answers, memory, store, &error));
  g_assert_no_error (error);
  g_assert_true (g_settings_get_boolean (memory, "installation-done"));
  g_assert_true (g_settings_get_boolean (memory, "user-is-minor"));
  user = sam_store_dup_core_block (store, "user", NULL);
  g_assert_true (user == NULL || *user == '\0');
  g_clear_pointer (&user, g_free);
  persona = sam_store_dup_core_block (store, "persona", NULL);
  assert_contains (persona, "I am Samantha");
  relationship = sam_store_dup_core_block (store, "relationship", NULL);
  assert_contains (relationship, "the user and Samantha met on");

  answers->user_name = g_strdup ("  Léa ");
  answers->people = g_strdup ("Tom\nDays: injected");
  answers->age_range = g_strdup ("45-64");
  answers->tone = g_strdup ("direct");
  g_assert_true (sam_installation_apply (answers, memory, store, &error));
  g_assert_no_error (error);
  g_assert_false (g_settings_get_boolean (memory, "user-is-minor"));
  name = g_settings_get_string (memory, "user-name");
  g_assert_cmpstr (name, ==, "Léa");
  user = sam_store_dup_core_block (store, "user", NULL);
  g_assert_cmpstr (user, ==, "Name: Léa\nAge range: 45-64\nPeople who matter: Tom Days: injected");
  style = sam_store_dup_core_block (store, "style", NULL);
  assert_contains (style, "Direct");
  g_clear_pointer (&persona, g_free);
  persona = sam_store_dup_core_block (store, "persona", NULL);
  assert_contains (persona, "I am Ada");
  g_clear_pointer (&relationship, g_free);
  relationship = sam_store_dup_core_block (store, "relationship", NULL);
  assert_contains (relationship, "the user and Samantha met on");

  /* What is read back is what was written, also the answers kept only in the block. */
  loaded = sam_installation_load (memory, store);
  g_assert_cmpstr (loaded->user_name, ==, "Léa");
  g_assert_cmpstr (loaded->people, ==, "Tom Days: injected");
  g_assert_null (loaded->days);
  g_assert_cmpstr (loaded->tone, ==, "direct");
}

/* A local "Ollama" that offers one model, where detection looks for one. */
static void
handle_tags (SoupServer        *server,
             SoupServerMessage *message,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  static const char body[] = "{\"models\":[{\"name\":\"llama3.2:1b\",\"model\":\"llama3.2:1b\"}]}";

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, body,
                                    strlen (body));
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupServer) server = NULL;
  g_autofree char *url = NULL;
  GSList          *uris;
  int              ret;

  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/api/tags", handle_tags, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  sam_provider_config_set_detection_urls (url, url);

  settings = g_settings_new (APP_ID);
  app = sam_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/installation/proposal", test_proposal);
  g_test_add_func ("/installation/apply", test_apply);
  g_test_add_func ("/installation/first-run", test_first_run);
  g_test_add_func ("/installation/run-again", test_run_again);
  g_test_add_func ("/installation/close-early", test_close_early);

  ret = g_test_run ();

  g_clear_object (&app);
  g_clear_object (&settings);
  return ret;
}
