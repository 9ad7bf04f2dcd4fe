/* test-crisis-banner.c — the crisis banner and the Wellbeing page, in real windows under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "sam-application.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "store/sam-store.h"
#include "ui/sam-crisis-banner.h"
#include "ui/sam-preferences-window.h"
#include "ui/sam-wellbeing-page.h"

static SamApplication *app;

static GtkWidget *
template_child (gpointer widget, GType type, const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  if (child == NULL)
    g_error ("no template child %s", name);
  return GTK_WIDGET (child);
}

static GtkWindow *
present (GtkWidget *child, int width, int height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (window);
  sam_test_ui_iterate (100);
  return GTK_WINDOW (window);
}

static GtkWidget *
row_named (GtkListBox *list, const char *name)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (gtk_widget_get_name (row), name) == 0)
      return row;
  return NULL;
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    n++;
  return n;
}

/* The first descendant of WIDGET of TYPE, depth first. */
static GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = find_descendant (child, type)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_descendant_named (GtkWidget *widget, const char *type_name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_str_equal (G_OBJECT_TYPE_NAME (child), type_name) ||
        has_descendant_named (child, type_name))
      return TRUE;
  return FALSE;
}

typedef struct
{
  char    *text;
  gboolean done;
} ClipboardRead;

static void
read_text_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ClipboardRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
read_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

static char *
clipboard_text (GtkWidget *widget)
{
  ClipboardRead read = { NULL, FALSE };

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, read_text_cb, &read);
  g_assert_true (sam_test_ui_wait_for (read_done, &read, 5000));
  return read.text;
}

static void
test_banner_lines (void)
{
  SamCrisisBanner *banner = SAM_CRISIS_BANNER (sam_crisis_banner_new ());
  GtkWindow       *window;
  GtkListBox      *list;
  GtkWidget       *row;
  GtkLabel        *emergency;
  g_autofree char *png = NULL;

  sam_crisis_banner_set_country (banner, "AT");
  g_assert_cmpstr (sam_crisis_banner_get_country (banner), ==, "AT");
  window = present (GTK_WIDGET (banner), 560, 420);

  list = sam_crisis_banner_get_list (banner);
  row = row_named (list, "142");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                   "TelefonSeelsorge");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "Call 142 · 24 hours a day");
  g_assert_nonnull (row_named (list, "directory"));
  g_assert_cmpuint (count_rows (list), ==, 2);

  emergency = GTK_LABEL (template_child (banner, SAM_TYPE_CRISIS_BANNER, "emergency_label"));
  g_assert_nonnull (strstr (gtk_label_get_text (emergency), "112"));
  g_assert_true (gtk_widget_is_drawable (GTK_WIDGET (list)));

  png = sam_test_ui_save_png (GTK_WIDGET (window), "crisis-banner");
  g_test_message ("screenshot: %s", png);

  /* Another country, then one without lines: the directory alone. */
  sam_crisis_banner_set_country (banner, "DE");
  g_assert_nonnull (row_named (list, "0800 111 0 111"));
  g_assert_nonnull (row_named (list, "0800 111 0 222"));
  sam_crisis_banner_set_country (banner, "BR");
  g_assert_cmpuint (count_rows (list), ==, 1);
  g_assert_nonnull (row_named (list, "directory"));
  g_assert_nonnull (strstr (gtk_label_get_text (emergency), "local emergency number"));

  gtk_window_destroy (window);
}

static void
test_banner_copy (void)
{
  SamCrisisBanner *banner = SAM_CRISIS_BANNER (sam_crisis_banner_new ());
  GtkWindow       *window;
  GtkWidget       *row, *button;
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;

  sam_crisis_banner_set_country (banner, "NL");
  window = present (GTK_WIDGET (banner), 560, 420);

  /* Clicking the row's copy button puts the number on the clipboard and says so. */
  row = row_named (sam_crisis_banner_get_list (banner), "0800-0113");
  g_assert_nonnull (row);
  button = find_descendant (row, GTK_TYPE_BUTTON);
  g_assert_nonnull (button);
  g_assert_false (GTK_IS_LINK_BUTTON (button));
  g_assert_true (gtk_widget_activate (button));
  /* A button activated from the keyboard shows itself pressed for a moment first. */
  sam_test_ui_iterate (400);
  text = clipboard_text (GTK_WIDGET (banner));
  g_assert_cmpstr (text, ==, "0800-0113");
  g_assert_true (has_descendant_named (GTK_WIDGET (banner), "AdwToastWidget"));

  /* The same through the action, as a keyboard shortcut or another widget would call it. */
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (banner), "banner.copy-number", "s", "113"));
  again = clipboard_text (GTK_WIDGET (banner));
  g_assert_cmpstr (again, ==, "113");

  gtk_window_destroy (window);
}

static void
test_banner_accessibility (void)
{
  SamCrisisBanner *banner = SAM_CRISIS_BANNER (sam_crisis_banner_new ());
  GtkWindow       *window;
  GtkListBox      *list;
  GtkWidget       *row, *copy, *link;

  sam_crisis_banner_set_country (banner, "FR");
  window = present (GTK_WIDGET (banner), 560, 420);
  list = sam_crisis_banner_get_list (banner);

  /* An alert, so a screen reader speaks it as soon as it appears. */
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (banner), GTK_ACCESSIBLE_ROLE_ALERT);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (banner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Crisis support");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Crisis lines");

  row = row_named (list, "3114");
  g_assert_nonnull (row);
  copy = find_descendant (row, GTK_TYPE_BUTTON);
  link = find_descendant (row, GTK_TYPE_LINK_BUTTON);
  g_assert_nonnull (copy);
  g_assert_nonnull (link);
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_ROLE_BUTTON);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Copy the number 3114");
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (link), GTK_ACCESSIBLE_ROLE_LINK);
  gtk_test_accessible_assert_property (
      GTK_ACCESSIBLE (link), GTK_ACCESSIBLE_PROPERTY_LABEL,
      "Website of 3114 – Numéro national de prévention du suicide");
  g_assert_cmpstr (gtk_link_button_get_uri (GTK_LINK_BUTTON (link)), ==, "https://3114.fr/");

  gtk_window_destroy (window);
}

static SamStore *
store_with_events (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "wellbeing-test.db", NULL);
  SamStore        *store = sam_store_new_for_path (path, &error);

  g_assert_no_error (error);
  g_assert_true (sam_store_add_safety_event (store, "ideation", &error));
  g_assert_true (sam_store_add_safety_event (store, "ideation", &error));
  g_assert_true (sam_store_add_safety_event (store, "farewell", &error));
  g_assert_no_error (error);
  return store;
}

static void
test_wellbeing_page (void)
{
  g_autoptr (SamStore) store = store_with_events ();
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  GtkWidget        *preferences = adw_preferences_window_new ();
  SamWellbeingPage *page = SAM_WELLBEING_PAGE (sam_wellbeing_page_new ());
  GtkListBox       *events;
  GtkWidget        *row;
  GtkSwitch        *minor, *rest;
  GtkWidget        *minutes_row;
  g_autofree char  *png = NULL;

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (preferences), ADW_PREFERENCES_PAGE (page));
  g_assert_null (sam_wellbeing_page_get_store (page));
  events = GTK_LIST_BOX (template_child (page, SAM_TYPE_WELLBEING_PAGE, "events_list"));
  g_assert_cmpstr (adw_preferences_row_get_title (
                       ADW_PREFERENCES_ROW (gtk_widget_get_first_child (GTK_WIDGET (events)))),
                   ==, "None in the last 30 days");

  /* Today's counts, by kind, and nothing else: there is no text to show. */
  sam_wellbeing_page_set_store (page, store);
  row = gtk_widget_get_first_child (GTK_WIDGET (events));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "Thoughts of not wanting to live: 2 · Goodbye messages: 1");
  g_assert_null (gtk_widget_get_next_sibling (row));

  gtk_window_set_default_size (GTK_WINDOW (preferences), 640, 980);
  gtk_window_present (GTK_WINDOW (preferences));
  gtk_test_widget_wait_for_draw (preferences);
  sam_test_ui_iterate (100);

  /* The switches are the settings. */
  minor = GTK_SWITCH (template_child (page, SAM_TYPE_WELLBEING_PAGE, "minor_switch"));
  rest = GTK_SWITCH (template_child (page, SAM_TYPE_WELLBEING_PAGE, "break_switch"));
  minutes_row = template_child (page, SAM_TYPE_WELLBEING_PAGE, "break_minutes_row");
  g_assert_false (g_settings_get_boolean (settings, "user-is-minor"));
  gtk_switch_set_active (minor, TRUE);
  g_assert_true (g_settings_get_boolean (settings, "user-is-minor"));
  g_assert_false (gtk_widget_get_sensitive (minutes_row));
  gtk_switch_set_active (rest, TRUE);
  g_assert_true (g_settings_get_boolean (settings, "break-reminder"));
  g_assert_true (gtk_widget_get_sensitive (minutes_row));
  gtk_spin_button_set_value (
      GTK_SPIN_BUTTON (template_child (page, SAM_TYPE_WELLBEING_PAGE, "break_minutes_spin")), 45);
  g_assert_cmpint (g_settings_get_int (settings, "break-reminder-minutes"), ==, 45);

  /* The protocol is explained on the page, with the crisis lines right there. */
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (
                                template_child (page, SAM_TYPE_WELLBEING_PAGE, "protocol_label"))),
                            "never kept"));
  g_assert_true (SAM_IS_CRISIS_BANNER (template_child (page, SAM_TYPE_WELLBEING_PAGE, "banner")));

  gtk_test_widget_wait_for_draw (preferences);
  png = sam_test_ui_save_png (preferences, "wellbeing-page");
  g_test_message ("screenshot: %s", png);

  gtk_window_destroy (GTK_WINDOW (preferences));
  g_settings_reset (settings, "user-is-minor");
  g_settings_reset (settings, "break-reminder");
  g_settings_reset (settings, "break-reminder-minutes");
}

static gboolean
page_has_store (gpointer data)
{
  return sam_wellbeing_page_get_store (SAM_WELLBEING_PAGE (data)) != NULL;
}

/* In the app's preferences window the page is there and finds the application's store. */
static void
test_wellbeing_in_preferences (void)
{
  SamPreferencesWindow *preferences = sam_preferences_window_new (app);
  AdwPreferencesPage   *page;

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences), "wellbeing");
  page = adw_preferences_window_get_visible_page (ADW_PREFERENCES_WINDOW (preferences));
  g_assert_true (SAM_IS_WELLBEING_PAGE (page));
  g_assert_cmpstr (adw_preferences_page_get_title (page), ==, "Wellbeing");

  gtk_window_present (GTK_WINDOW (preferences));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (preferences));
  g_assert_true (sam_test_ui_wait_for (page_has_store, page, 5000));

  gtk_window_destroy (GTK_WINDOW (preferences));
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  int ret;

  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  app = sam_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/ui/crisis-banner/lines", test_banner_lines);
  g_test_add_func ("/ui/crisis-banner/copy", test_banner_copy);
  g_test_add_func ("/ui/crisis-banner/accessibility", test_banner_accessibility);
  g_test_add_func ("/ui/wellbeing/page", test_wellbeing_page);
  g_test_add_func ("/ui/wellbeing/in-preferences", test_wellbeing_in_preferences);

  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
