/* test-background.c — whether closing the window quits, running in the background, autostart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* These run the application's real main loop (g_application_run), so "the app quits" means
 * the loop really ended. Each run uses an application ID of its own on the private bus. */

#include "config.h"

#include <adwaita.h>

#include "desktop/sam-background.h"
#include "sam-application-desktop.h"
#include "sam-application.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "ui/sam-background-group.h"
#include "ui/sam-preferences-window.h"
#include "ui/sam-window.h"

typedef struct
{
  SamApplication *app;
  gboolean        window_closed;
  gboolean        checked_in_background;
  gboolean        quit_by_test;
  gboolean        timed_out;
  void (*in_background) (gpointer scenario);
} Scenario;

static GtkWindow *
main_window (SamApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    {
      if (SAM_IS_WINDOW (l->data) && gtk_widget_get_mapped (l->data))
        return l->data;
    }

  return NULL;
}

static gboolean
guard_cb (gpointer data)
{
  Scenario *scenario = data;

  scenario->timed_out = TRUE;
  g_application_quit (G_APPLICATION (scenario->app));
  return G_SOURCE_REMOVE;
}

static gboolean
in_background_cb (gpointer data)
{
  Scenario *scenario = data;

  /* Still here, with no window: the loop keeps running in the background. */
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (scenario->app)));
  g_assert_true (sam_application_desktop_get_held (sam_application_get_desktop (scenario->app)));
  scenario->checked_in_background = TRUE;
  scenario->in_background (scenario);
  return G_SOURCE_REMOVE;
}

static gboolean
close_when_shown_cb (gpointer data)
{
  Scenario  *scenario = data;
  GtkWindow *window = main_window (scenario->app);

  if (window == NULL)
    return G_SOURCE_CONTINUE;

  /* What the close button does. */
  gtk_window_close (window);
  scenario->window_closed = TRUE;

  if (scenario->in_background != NULL)
    g_timeout_add (300, in_background_cb, scenario);

  return G_SOURCE_REMOVE;
}

static void
run_scenario (Scenario *scenario, const char *app_id_suffix)
{
  g_autofree char *app_id = g_strconcat (APP_ID, ".", app_id_suffix, NULL);
  guint            guard;
  guint            poll;
  int              status;

  scenario->app = sam_application_new ();
  g_application_set_application_id (G_APPLICATION (scenario->app), app_id);

  poll = g_timeout_add (10, close_when_shown_cb, scenario);
  guard = g_timeout_add_seconds (20, guard_cb, scenario);

  status = g_application_run (G_APPLICATION (scenario->app), 0, NULL);

  g_assert_false (scenario->timed_out);
  g_source_remove (guard);
  if (!scenario->window_closed)
    g_source_remove (poll);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (scenario->window_closed);
  g_clear_object (&scenario->app);
}

static void
test_background_quits_without_tray (void)
{
  Scenario scenario = { 0 };

  /* No tray and no wish to stay: closing the last window ends the app, as in any app. */
  run_scenario (&scenario, "Quits");
  g_assert_false (scenario.quit_by_test);
}

static void
quit_from_background (gpointer data)
{
  Scenario *scenario = data;

  scenario->quit_by_test = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (scenario->app), "quit", NULL);
}

static void
test_background_stays_when_asked (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  Scenario scenario = { .in_background = quit_from_background };

  g_settings_set_boolean (settings, "run-in-background", TRUE);

  /* The window closes, Samantha stays; the Quit action really quits. */
  run_scenario (&scenario, "Stays");
  g_assert_true (scenario.checked_in_background);
  g_assert_true (scenario.quit_by_test);

  g_settings_reset (settings, "run-in-background");
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
file_is_gone (gpointer data)
{
  return !g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
toggle_autostart_in_background (gpointer data)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = sam_background_get_autostart_path ();
  g_autofree char *exec = NULL;

  g_assert_false (sam_background_is_sandboxed ());

  /* Outside a sandbox, starting at login is a file in the autostart folder. */
  g_settings_set_boolean (settings, "start-at-login", TRUE);
  g_assert_true (sam_test_ui_wait_for (file_exists, path, 2000));
  g_assert_true (g_str_has_prefix (path, g_get_user_config_dir ()));
  g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  exec = g_key_file_get_string (key_file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exec, ==, "samantha --gapplication-service");
  g_assert_true (g_key_file_get_boolean (key_file, G_KEY_FILE_DESKTOP_GROUP,
                                         "X-GNOME-Autostart-enabled", NULL));

  /* Not running in the background any more takes starting at login with it, and with no
   * window left, the app ends by itself. */
  g_settings_set_boolean (settings, "run-in-background", FALSE);
  g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  g_assert_true (sam_test_ui_wait_for (file_is_gone, path, 2000));
}

static void
test_background_autostart (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  Scenario scenario = { .in_background = toggle_autostart_in_background };

  g_settings_set_boolean (settings, "run-in-background", TRUE);

  run_scenario (&scenario, "Autostart");
  g_assert_true (scenario.checked_in_background);
  g_assert_false (scenario.quit_by_test);

  g_settings_reset (settings, "run-in-background");
  g_settings_reset (settings, "start-at-login");
}

static GtkWidget *
find_child (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
template_child (gpointer widget, const char *name)
{
  GObject *child =
      gtk_widget_get_template_child (GTK_WIDGET (widget), G_OBJECT_TYPE (widget), name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static void
test_background_preferences (void)
{
  g_autoptr (SamApplication) app = sam_application_new ();
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GError) error = NULL;
  g_autofree char      *png = NULL;
  SamPreferencesWindow *preferences;
  GtkWidget            *group;

  g_application_set_application_id (G_APPLICATION (app), APP_ID ".Preferences");
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  preferences = sam_preferences_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (preferences), 640, 640);
  gtk_window_present (GTK_WINDOW (preferences));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (preferences));

  group = find_child (GTK_WIDGET (preferences), SAM_TYPE_BACKGROUND_GROUP);
  g_assert_nonnull (group);
  g_assert_true (gtk_widget_is_drawable (group));

  /* The switches are the settings. */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (template_child (group, "tray_switch"))));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (template_child (group, "background_switch"))));
  g_assert_false (gtk_widget_is_sensitive (template_child (group, "login_switch")));

  gtk_switch_set_active (GTK_SWITCH (template_child (group, "background_switch")), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "run-in-background"));
  g_assert_true (gtk_widget_is_sensitive (template_child (group, "login_switch")));

  gtk_switch_set_active (GTK_SWITCH (template_child (group, "tray_switch")), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "show-in-tray"));
  gtk_switch_set_active (GTK_SWITCH (template_child (group, "tray_switch")), TRUE);

  gtk_widget_grab_focus (template_child (group, "background_switch"));
  sam_test_ui_iterate (500);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (preferences));
  png = sam_test_ui_save_png (GTK_WIDGET (preferences), "preferences-background");
  g_test_message ("screenshot: %s", png);

  g_settings_reset (settings, "run-in-background");
  g_settings_reset (settings, "show-in-tray");
  gtk_window_destroy (GTK_WINDOW (preferences));
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/background/quits-without-tray", test_background_quits_without_tray);
  g_test_add_func ("/background/stays-when-asked", test_background_stays_when_asked);
  g_test_add_func ("/background/autostart", test_background_autostart);
  g_test_add_func ("/background/preferences", test_background_preferences);

  return g_test_run ();
}
