/* test-memory-page.c — Preferences → Memory under Xvfb: facts from a real store, review,
 * pin, edit, forget, search and "Forget Everything".
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
#include "store/sam-store.h"
#include "ui/sam-memory-page.h"
#include "ui/sam-preferences-window.h"

static SamApplication *app;

static GtkWidget *
template_child (gpointer widget, const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), SAM_TYPE_MEMORY_PAGE, name);

  if (child == NULL)
    g_error ("no template child %s", name);
  return GTK_WIDGET (child);
}

static GtkWidget *
fact_row (GtkWidget *list, gint64 id)
{
  g_autofree char *name = g_strdup_printf ("fact-%" G_GINT64_FORMAT, id);

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (gtk_widget_get_name (row), name) == 0)
      return row;
  return NULL;
}

static guint
count_rows (GtkWidget *list, gboolean visible_only)
{
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && (!visible_only || gtk_widget_get_child_visible (row)))
      n++;
  return n;
}

static gint64
add_fact (SamStore *store, const char *text, const char *path, gboolean pinned, gboolean pending)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamFact) fact = sam_fact_new (text, "fact");

  fact->source_path = g_strdup (path);
  fact->pinned = pinned;
  fact->status = pending ? SAM_FACT_STATUS_PENDING_REVIEW : SAM_FACT_STATUS_APPROVED;
  g_assert_true (sam_store_add_fact (store, fact, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fact->id, >, 0);
  return fact->id;
}

static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  sam_test_ui_iterate (50);
}

typedef struct
{
  GtkWidget *list;
  guint      visible;
} FilterWait;

static gboolean
filtered_to (gpointer data)
{
  FilterWait *wait = data;

  return count_rows (wait->list, TRUE) == wait->visible;
}

static void
search (GtkWidget *page, const char *text, guint expected)
{
  FilterWait wait = { template_child (page, "facts_list"), expected };

  gtk_editable_set_text (GTK_EDITABLE (template_child (page, "search_entry")), text);
  g_assert_true (sam_test_ui_wait_for (filtered_to, &wait, 3000));
}

static SamFact *
get_fact (SamStore *store, gint64 id)
{
  g_autoptr (GError) error = NULL;
  SamFact *fact = sam_store_get_fact (store, id, &error);

  g_assert_no_error (error);
  return fact;
}

static void
test_memory_page (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "memory-test.db", NULL);
  g_autoptr (SamStore) store = sam_store_new_for_path (path, &error);
  GtkWidget        *preferences = adw_preferences_window_new ();
  GtkWidget        *page = sam_memory_page_new ();
  GtkWidget        *facts, *pending, *row, *button;
  AdwMessageDialog *dialog;
  g_autoptr (GPtrArray) all = NULL;
  g_autofree char *png = NULL;
  g_autofree char *empty_png = NULL;
  gint64           pottery, tea, dentist, diagnosis;

  g_assert_no_error (error);
  pottery = add_fact (store, "Anna started a pottery class in May 2023", NULL, FALSE, FALSE);
  tea = add_fact (store, "Prefers green tea to coffee", NULL, TRUE, FALSE);
  dentist = add_fact (store, "Has a dentist appointment on Friday, 14 June 2024",
                      "/home/user/Documents/calendar.txt", FALSE, TRUE);
  diagnosis = add_fact (store, "Was told about a knee injury in March 2024",
                        "/home/user/Mail/clinic.eml", FALSE, TRUE);

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (preferences), ADW_PREFERENCES_PAGE (page));
  facts = template_child (page, "facts_list");
  pending = template_child (page, "pending_list");

  /* Without a store: the empty state, no review group. */
  g_assert_cmpuint (count_rows (facts, FALSE), ==, 0);
  g_assert_false (gtk_widget_get_visible (template_child (page, "pending_group")));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (template_child (page, "empty_label"))),
                            "does not remember anything"));

  sam_memory_page_set_store (SAM_MEMORY_PAGE (page), store);
  g_assert_cmpuint (count_rows (facts, FALSE), ==, 2);
  g_assert_cmpuint (count_rows (pending, FALSE), ==, 2);
  g_assert_true (gtk_widget_get_visible (template_child (page, "pending_group")));

  /* Rows: the text, when and where it came from, pinned or not. */
  row = fact_row (facts, pottery);
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                   "Anna started a pottery class in May 2023");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Added by you"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (sam_test_ui_find_named (row, "pin")), ==, "Pin");
  g_assert_cmpstr (
      gtk_widget_get_tooltip_text (sam_test_ui_find_named (fact_row (facts, tea), "pin")), ==,
      "Unpin");
  /* Pinned first. */
  g_assert_true (gtk_widget_get_first_child (facts) == fact_row (facts, tea));
  row = fact_row (pending, dentist);
  g_assert_nonnull (row);
  g_assert_nonnull (
      strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "From the file “calendar.txt”"));

  gtk_window_set_default_size (GTK_WINDOW (preferences), 640, 900);
  gtk_window_present (GTK_WINDOW (preferences));
  gtk_test_widget_wait_for_draw (preferences);
  sam_test_ui_iterate (100);
  png = sam_test_ui_save_png (preferences, "memory-page");
  g_test_message ("screenshot: %s", png);

  /* Approve one waiting fact with its button, reject the other. */
  click (sam_test_ui_find_named (fact_row (pending, dentist), "approve"));
  {
    g_autoptr (SamFact) fact = get_fact (store, dentist);

    g_assert_cmpint (fact->status, ==, SAM_FACT_STATUS_APPROVED);
  }
  g_assert_nonnull (fact_row (facts, dentist));
  g_assert_null (fact_row (pending, dentist));
  g_assert_cmpuint (count_rows (facts, FALSE), ==, 3);
  click (sam_test_ui_find_named (fact_row (pending, diagnosis), "reject"));
  g_assert_null (sam_store_get_fact (store, diagnosis, NULL));
  g_assert_cmpuint (count_rows (pending, FALSE), ==, 0);
  g_assert_false (gtk_widget_get_visible (template_child (page, "pending_group")));

  /* Search filters the list, case-insensitively; no match says so. */
  search (page, "POTTERY", 1);
  g_assert_true (gtk_widget_get_child_visible (fact_row (facts, pottery)));
  search (page, "xylophone", 0);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (template_child (page, "empty_label"))), ==,
                   "No memories match your search.");
  search (page, "", 3);

  /* Pin and unpin. */
  click (sam_test_ui_find_named (fact_row (facts, pottery), "pin"));
  {
    g_autoptr (SamFact) fact = get_fact (store, pottery);

    g_assert_true (fact->pinned);
  }
  g_assert_cmpstr (
      gtk_widget_get_tooltip_text (sam_test_ui_find_named (fact_row (facts, pottery), "pin")), ==,
      "Unpin");
  click (sam_test_ui_find_named (fact_row (facts, tea), "pin"));
  {
    g_autoptr (SamFact) fact = get_fact (store, tea);

    g_assert_false (fact->pinned);
  }

  /* Edit through the dialog. */
  button = sam_test_ui_find_actionable (fact_row (facts, tea), GTK_TYPE_BUTTON, "memory.edit");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Edit");
  click (button);
  dialog = sam_test_ui_find_message_dialog ("save");
  g_assert_nonnull (dialog);
  g_assert_cmpstr (
      gtk_editable_get_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog))), ==,
      "Prefers green tea to coffee");
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)),
                         "  Prefers rooibos tea to coffee ");
  adw_message_dialog_response (dialog, "save");
  sam_test_ui_iterate (50);
  {
    g_autoptr (SamFact) fact = get_fact (store, tea);

    g_assert_cmpstr (fact->text, ==, "Prefers rooibos tea to coffee");
  }
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (fact_row (facts, tea))), ==,
                   "Prefers rooibos tea to coffee");

  /* Forget one: gone from the store. */
  click (sam_test_ui_find_actionable (fact_row (facts, pottery), GTK_TYPE_BUTTON, "memory.forget"));
  g_assert_null (sam_store_get_fact (store, pottery, NULL));
  g_assert_null (fact_row (facts, pottery));
  g_assert_cmpuint (count_rows (facts, FALSE), ==, 2);

  /* Forget everything: cancelling keeps all, confirming deletes all. */
  click (template_child (page, "forget_all_button"));
  dialog = sam_test_ui_find_message_dialog ("forget");
  g_assert_nonnull (dialog);
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "forget"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_response (dialog, "cancel");
  sam_test_ui_iterate (50);
  all = sam_store_list_facts (store, SAM_FACT_FILTER_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  g_clear_pointer (&all, g_ptr_array_unref);

  click (template_child (page, "forget_all_button"));
  dialog = sam_test_ui_find_message_dialog ("forget");
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "forget");
  sam_test_ui_iterate (50);
  all = sam_store_list_facts (store, SAM_FACT_FILTER_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 0);
  g_assert_cmpuint (count_rows (facts, FALSE), ==, 0);
  g_assert_false (gtk_widget_get_visible (template_child (page, "forget_all_button")));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (template_child (page, "empty_label"))),
                            "does not remember anything"));

  gtk_test_widget_wait_for_draw (preferences);
  sam_test_ui_iterate (100);
  empty_png = sam_test_ui_save_png (preferences, "memory-page-empty");
  g_test_message ("screenshot: %s", empty_png);

  gtk_window_destroy (GTK_WINDOW (preferences));
}

static gboolean
page_has_store (gpointer data)
{
  return sam_memory_page_get_store (SAM_MEMORY_PAGE (data)) != NULL;
}

/* In the app's preferences window the page is there and finds the application's store. */
static void
test_memory_in_preferences (void)
{
  SamPreferencesWindow *preferences = sam_preferences_window_new (app);
  AdwPreferencesPage   *page;

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences), "memory");
  page = adw_preferences_window_get_visible_page (ADW_PREFERENCES_WINDOW (preferences));
  g_assert_true (SAM_IS_MEMORY_PAGE (page));
  g_assert_cmpstr (adw_preferences_page_get_title (page), ==, "Memory");

  gtk_window_present (GTK_WINDOW (preferences));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (preferences));
  g_assert_true (sam_test_ui_wait_for (page_has_store, page, 5000));
  g_assert_true (sam_memory_page_get_store (SAM_MEMORY_PAGE (page)) ==
                 sam_application_get_store (app, NULL));

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

  g_test_add_func ("/ui/memory-page/page", test_memory_page);
  g_test_add_func ("/ui/memory-page/in-preferences", test_memory_in_preferences);

  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
