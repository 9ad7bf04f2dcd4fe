/* test-archive-group.c — Preferences → Memory → Learning from Your Files under Xvfb: the
 * chosen folders, Learn Now through the application's action, progress while it reads, the
 * summary with what could not be read or was set aside (the same list run after run), Cancel,
 * removing a folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "sam-application.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "store/sam-memory-store.h"
#include "ui/sam-archive-group.h"

static SamApplication *app;

static GtkWidget *
template_child (gpointer widget, const char *name)
{
  GObject *child =
      gtk_widget_get_template_child (GTK_WIDGET (widget), SAM_TYPE_ARCHIVE_GROUP, name);

  if (child == NULL)
    g_error ("no template child %s", name);
  return GTK_WIDGET (child);
}

static gboolean
not_running (gpointer data)
{
  return !sam_archive_indexer_get_running (data);
}

/* While a run is under way the group shows the progress bar and Cancel. */
static void
running_cb (SamArchiveIndexer *indexer, GParamSpec *pspec, gpointer group)
{
  if (sam_archive_indexer_get_running (indexer))
    {
      g_assert_true (gtk_widget_get_visible (template_child (group, "progress_box")));
      g_assert_false (gtk_widget_get_sensitive (template_child (group, "learn_button")));
      g_object_set_data (G_OBJECT (indexer), "seen-running", GINT_TO_POINTER (TRUE));
    }
}

static guint
count_children (GtkWidget *widget)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

/* The number of archive chunks that match WORD. */
static guint
count_chunks (SamStore *store, const char *word)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) matches =
      sam_store_match_memory (store, SAM_MEMORY_SOURCE_CHUNK, word, 100, &error);

  g_assert_no_error (error);
  return matches->len;
}

/* The rows under WIDGET that name a file and why it was not read, "title|subtitle" a line. */
static void
collect_problem_rows (GtkWidget *widget, GString *rows)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      if (ADW_IS_ACTION_ROW (child))
        g_string_append_printf (rows, "%s|%s\n",
                                adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)),
                                adw_action_row_get_subtitle (ADW_ACTION_ROW (child)));
      collect_problem_rows (child, rows);
    }
}

static char *
problem_rows (GtkWidget *group, const char *expander)
{
  GString *rows = g_string_new (NULL);

  collect_problem_rows (template_child (group, expander), rows);
  return g_string_free (rows, FALSE);
}

/* The dialog that asks before forgetting a folder, into *DATA. */
static gboolean
forget_dialog_shown (gpointer data)
{
  return (*(AdwMessageDialog **) data = sam_test_ui_find_message_dialog ("forget")) != NULL;
}

static void
test_archive_group (void)
{
  g_autofree char   *fixture = sam_test_fixture_path ("archive");
  g_autofree char   *folder = g_build_filename (sam_test_init_environment (), "group", NULL);
  GSettings         *settings = sam_application_get_settings (app);
  SamArchiveIndexer *indexer = sam_application_get_archive_indexer (app);
  const char        *folders[] = { folder, NULL };
  GtkWidget         *window;
  GtkWidget         *group;
  GtkWidget         *label;
  GtkWidget         *remove;
  AdwMessageDialog  *dialog = NULL;
  SamStore          *store = sam_application_get_store (app, NULL);
  g_autofree char   *png = NULL;
  g_autofree char   *failed = NULL;
  g_autofree char   *set_aside = NULL;

  g_assert_nonnull (indexer);
  g_assert_nonnull (store);
  sam_test_copy_tree (fixture, folder);
  g_settings_set_strv (settings, "archive-folders", folders);

  window = gtk_window_new ();
  gtk_window_set_application (GTK_WINDOW (window), GTK_APPLICATION (app));
  group = sam_archive_group_new ();
  gtk_window_set_child (GTK_WINDOW (window), group);
  gtk_window_present (GTK_WINDOW (window));
  sam_test_ui_iterate (50);

  /* The application's indexer, the folder listed, nothing read yet. */
  g_assert_true (sam_archive_group_get_indexer (SAM_ARCHIVE_GROUP (group)) == indexer);
  g_assert_cmpuint (count_children (template_child (group, "folders_list")), ==, 1);
  g_assert_true (gtk_widget_get_sensitive (template_child (group, "learn_button")));
  g_assert_false (gtk_widget_get_visible (template_child (group, "progress_box")));
  g_assert_false (gtk_widget_get_visible (template_child (group, "summary_label")));

  /* Learn Now: app.learn-from-folders reads the folder; then the summary. */
  g_signal_connect (indexer, "notify::running", G_CALLBACK (running_cb), group);
  g_signal_emit_by_name (template_child (group, "learn_button"), "clicked");
  g_assert_true (sam_archive_indexer_get_running (indexer));
  g_assert_true (sam_test_ui_wait_for (not_running, indexer, 20000));
  sam_test_ui_iterate (50);
  g_assert_true (g_object_get_data (G_OBJECT (indexer), "seen-running") != NULL);
  g_assert_false (gtk_widget_get_visible (template_child (group, "progress_box")));

  /* Ten files Samantha reads (the PDF that test-ingest draws is not here): the damaged PDF
   * and the binary note fail. */
  label = template_child (group, "summary_label");
  g_assert_true (gtk_widget_get_visible (label));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)), "Read 8 files."));
  g_assert_true (gtk_widget_get_visible (template_child (group, "problems_list")));
  g_assert_true (gtk_widget_get_visible (template_child (group, "failed_row")));
  g_assert_cmpstr (
      adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (template_child (group, "failed_row"))), ==,
      "2 files, each tried again once it changes");
  g_assert_true (gtk_widget_get_visible (template_child (group, "set_aside_row")));
  failed = problem_rows (group, "failed_row");
  set_aside = problem_rows (group, "set_aside_row");
  g_assert_nonnull (strstr (failed, "broken.pdf|"));
  g_assert_nonnull (strstr (failed, "scan.txt|"));
  g_assert_nonnull (strstr (set_aside, "archive.mbox — Account notice|"));

  /* Learn Now again: nothing changed, so nothing is read, and the same files are listed with
   * the same reasons. */
  g_signal_emit_by_name (template_child (group, "learn_button"), "clicked");
  g_assert_true (sam_test_ui_wait_for (not_running, indexer, 20000));
  sam_test_ui_iterate (50);
  g_assert_cmpuint (sam_archive_indexer_get_summary (indexer)->n_read, ==, 0);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)),
                                   "Read 0 files; 10 unchanged since last time."));
  {
    g_autofree char *failed_again = problem_rows (group, "failed_row");
    g_autofree char *set_aside_again = problem_rows (group, "set_aside_row");

    g_assert_cmpstr (failed_again, ==, failed);
    g_assert_cmpstr (set_aside_again, ==, set_aside);
  }
  g_assert_cmpstr (
      adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (template_child (group, "failed_row"))), ==,
      "2 files, each tried again once it changes");

  /* Cancel right after Learn Now: the run stops and says so. */
  g_signal_emit_by_name (template_child (group, "learn_button"), "clicked");
  g_signal_emit_by_name (template_child (group, "cancel_button"), "clicked");
  g_assert_true (sam_test_ui_wait_for (not_running, indexer, 20000));
  sam_test_ui_iterate (50);
  g_assert_true (sam_archive_indexer_get_summary (indexer)->cancelled);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)), "Stopped."));
  g_signal_handlers_disconnect_by_func (indexer, running_cb, group);

  /* Removing the folder asks first; Cancel keeps it and what was read in it. */
  g_assert_cmpuint (count_chunks (store, "terracotta"), >, 0);
  remove = sam_test_ui_find_button_with_tooltip (template_child (group, "folders_list"),
                                                 "Remove Folder");
  g_assert_nonnull (remove);
  g_signal_emit_by_name (remove, "clicked");
  g_assert_true (sam_test_ui_wait_for (forget_dialog_shown, &dialog, 5000));
  adw_message_dialog_response (dialog, "cancel");
  sam_test_ui_iterate (50);
  {
    g_auto (GStrv) left = g_settings_get_strv (settings, "archive-folders");

    g_assert_cmpuint (g_strv_length (left), ==, 1);
  }
  g_assert_cmpuint (count_chunks (store, "terracotta"), >, 0);

  /* Forget: the list empties, nothing is left to learn from, and what was read is gone from
   * the index. */
  remove = sam_test_ui_find_button_with_tooltip (template_child (group, "folders_list"),
                                                 "Remove Folder");
  g_signal_emit_by_name (remove, "clicked");
  g_assert_true (sam_test_ui_wait_for (forget_dialog_shown, &dialog, 5000));
  png = sam_test_ui_save_png (GTK_WIDGET (dialog), "archive-forget-folder");
  g_test_message ("screenshot: %s", png);
  adw_message_dialog_response (dialog, "forget");
  sam_test_ui_iterate (50);
  {
    g_auto (GStrv) left = g_settings_get_strv (settings, "archive-folders");

    g_assert_cmpuint (g_strv_length (left), ==, 0);
  }
  g_assert_false (gtk_widget_get_sensitive (template_child (group, "learn_button")));
  g_assert_cmpuint (count_chunks (store, "terracotta"), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
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

  g_test_add_func ("/ui/archive-group", test_archive_group);

  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
