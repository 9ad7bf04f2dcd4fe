/* sam-archive-group.c — the folders Samantha learns from, reading progress and what it found.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The folders live in the `archive-folders` setting. Learn Now activates the application's
 * `app.learn-from-folders`, which runs the application's indexer; the group only shows that
 * indexer's progress and its last summary, and Cancel stops it. */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-archive-group.h"

#include "sam-application.h"
#include "store/sam-memory-store.h"
#include "sam-memory-page.h"

struct _SamArchiveGroup
{
  AdwPreferencesGroup parent_instance;

  GSettings            *settings;
  SamArchiveIndexer    *indexer;
  GtkFileChooserNative *chooser;
  GPtrArray            *problem_rows; /* rows added to the expander rows, to remove them */

  /* Template widgets */
  GtkListBox     *folders_list;
  GtkWidget      *progress_box;
  GtkProgressBar *progress_bar;
  GtkWidget      *cancel_button;
  GtkLabel       *summary_label;
  GtkWidget      *problems_list;
  AdwExpanderRow *failed_row;
  AdwExpanderRow *set_aside_row;
  GtkWidget      *learn_button;
};

G_DEFINE_FINAL_TYPE (SamArchiveGroup, sam_archive_group, ADW_TYPE_PREFERENCES_GROUP)

/* The Memory page this group is on shows the review queue, which a run or a forget changes. */
static void
refresh_memory_page (SamArchiveGroup *self)
{
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (self), SAM_TYPE_MEMORY_PAGE);

  if (page)
    sam_memory_page_refresh (SAM_MEMORY_PAGE (page));
}

static void
forget_folder_response_cb (AdwMessageDialog *dialog, const char *response, SamArchiveGroup *self)
{
  const char   *folder = g_object_get_data (G_OBJECT (dialog), "folder");
  GApplication *application = g_application_get_default ();
  SamStore     *store = NULL;
  g_auto (GStrv) folders = NULL;
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) kept = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_str_equal (response, "forget"))
    return;

  /* What was read there goes first: a folder still listed can always be forgotten again. */
  if (SAM_IS_APPLICATION (application))
    store = sam_application_get_store (SAM_APPLICATION (application), &error);
  if (store && !sam_store_forget_folder (store, folder, &error))
    store = NULL;
  if (store == NULL)
    {
      g_warning ("Could not forget the folder %s: %s", folder, error ? error->message : "no store");
      return;
    }

  folders = g_settings_get_strv (self->settings, "archive-folders");
  builder = g_strv_builder_new ();
  for (guint i = 0; folders[i]; i++)
    if (g_strcmp0 (folders[i], folder) != 0)
      g_strv_builder_add (builder, folders[i]);
  kept = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "archive-folders", (const char *const *) kept);
  refresh_memory_page (self);
}

/* Removing a folder forgets what was read in it, after asking. */
static void
remove_folder_cb (GtkButton *button, SamArchiveGroup *self)
{
  const char      *folder = g_object_get_data (G_OBJECT (button), "folder");
  GtkRoot         *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = g_path_get_basename (folder);
  GtkWidget       *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _ ("Forget This Folder?"), NULL);
  adw_message_dialog_format_body (
      ADW_MESSAGE_DIALOG (dialog),
      _ ("Samantha will stop learning from “%s” and forget what it read there. Memories from "
         "it that you approved stay."),
      name);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "forget",
                                    _ ("_Forget"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "forget",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "folder", g_strdup (folder), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (forget_folder_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
update_folders (SamArchiveGroup *self)
{
  g_auto (GStrv) folders = g_settings_get_strv (self->settings, "archive-folders");
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->folders_list))))
    gtk_list_box_remove (self->folders_list, child);

  for (guint i = 0; folders[i]; i++)
    {
      g_autofree char *name = g_path_get_basename (folders[i]);
      GtkWidget       *row = adw_action_row_new ();
      GtkWidget       *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      g_autofree char *label = g_strdup_printf (_ ("Stop learning from “%s”"), name);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), folders[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _ ("Remove Folder"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                      -1);
      g_object_set_data_full (G_OBJECT (remove), "folder", g_strdup (folders[i]), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_folder_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      gtk_list_box_append (self->folders_list, row);
    }
  if (folders[0] == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _ ("No folders yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _ ("Add a folder of notes, letters or mail to learn from"));
      gtk_list_box_append (self->folders_list, row);
    }
  gtk_widget_set_sensitive (self->learn_button, folders[0] != NULL);
}

static void
add_problem_rows (SamArchiveGroup *self, AdwExpanderRow *expander, GPtrArray *problems)
{
  for (guint i = 0; i < problems->len; i++)
    {
      const SamArchiveProblem *problem = g_ptr_array_index (problems, i);
      g_autofree char         *name = g_path_get_basename (problem->path);
      g_autofree char         *title =
          problem->title ? g_strdup_printf ("%s — %s", name, problem->title) : g_strdup (name);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), problem->reason);
      gtk_widget_set_tooltip_text (row, problem->path);
      adw_expander_row_add_row (expander, row);
      g_ptr_array_add (self->problem_rows, g_object_ref (row));
    }
}

static void
update_summary (SamArchiveGroup *self)
{
  const SamArchiveSummary *summary =
      self->indexer ? sam_archive_indexer_get_summary (self->indexer) : NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *counts = NULL;

  for (guint i = 0; i < self->problem_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->problem_rows, i);

      adw_expander_row_remove (gtk_widget_is_ancestor (row, GTK_WIDGET (self->failed_row))
                                   ? self->failed_row
                                   : self->set_aside_row,
                               row);
    }
  g_ptr_array_set_size (self->problem_rows, 0);

  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), summary != NULL);
  gtk_widget_set_visible (self->problems_list,
                          summary && (summary->failed->len > 0 || summary->set_aside->len > 0));
  if (summary == NULL)
    return;

  if (summary->cancelled)
    g_string_append (text, _ ("Stopped. "));
  g_string_append_printf (text, ngettext ("Read %u file", "Read %u files", summary->n_indexed),
                          summary->n_indexed);
  if (summary->n_unchanged > 0)
    g_string_append_printf (text,
                            ngettext ("; %u unchanged since last time",
                                      "; %u unchanged since last time", summary->n_unchanged),
                            summary->n_unchanged);
  g_string_append (text, ". ");
  if (summary->n_facts > 0)
    g_string_append_printf (text,
                            ngettext ("%u thing learned waits for your review.",
                                      "%u things learned wait for your review.", summary->n_facts),
                            summary->n_facts);
  if (summary->infer_error)
    {
      g_string_append (text, " ");
      g_string_append_printf (text, _ ("Nothing could be learned from them: %s"),
                              summary->infer_error);
    }
  gtk_label_set_text (self->summary_label, g_strstrip (text->str));

  /* Not read again until it changes: the list says so, as it stays from run to run. */
  counts = g_strdup_printf (ngettext ("%u file, tried again once it changes",
                                      "%u files, each tried again once it changes",
                                      summary->failed->len),
                            summary->failed->len);
  adw_expander_row_set_subtitle (self->failed_row, counts);
  gtk_widget_set_visible (GTK_WIDGET (self->failed_row), summary->failed->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->set_aside_row), summary->set_aside->len > 0);
  add_problem_rows (self, self->failed_row, summary->failed);
  add_problem_rows (self, self->set_aside_row, summary->set_aside);
}

static void
update_progress (SamArchiveGroup *self)
{
  gboolean    running = self->indexer && sam_archive_indexer_get_running (self->indexer);
  const char *current = self->indexer ? sam_archive_indexer_get_current_file (self->indexer) : NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (self->progress_box, running);
  gtk_widget_set_sensitive (self->learn_button, !running);
  /* A folder is forgotten when no run is writing what it reads. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->folders_list), !running);
  if (!running)
    return;

  gtk_progress_bar_set_fraction (self->progress_bar,
                                 sam_archive_indexer_get_fraction (self->indexer));
  if (current)
    {
      g_autofree char *name = g_path_get_basename (current);

      text = g_strdup_printf (_ ("Reading %s (%u of %u)"), name,
                              sam_archive_indexer_get_n_done (self->indexer) + 1,
                              sam_archive_indexer_get_n_files (self->indexer));
    }
  else
    text = g_strdup (_ ("Looking for files…"));
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
running_changed_cb (SamArchiveGroup *self)
{
  update_progress (self);
  if (!sam_archive_indexer_get_running (self->indexer))
    {
      update_summary (self);
      update_folders (self);
      /* New facts wait in the review queue of the page above. */
      refresh_memory_page (self);
    }
}

static void
learned_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamArchiveSummary) summary = NULL;
  g_autoptr (GError) error = NULL;

  summary = sam_archive_indexer_index_finish (SAM_ARCHIVE_INDEXER (object), result, &error);
  if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not learn from the folders: %s", error->message);
}

static void
learn_clicked_cb (SamArchiveGroup *self)
{
  g_auto (GStrv) folders = NULL;

  /* In the app, the application runs its indexer (with the model, for facts). */
  if (gtk_widget_activate_action (GTK_WIDGET (self), "app.learn-from-folders", NULL))
    return;
  if (self->indexer == NULL)
    return;
  folders = g_settings_get_strv (self->settings, "archive-folders");
  sam_archive_indexer_index_async (self->indexer, (const char *const *) folders, NULL, learned_cb,
                                   NULL);
}

static void
cancel_clicked_cb (SamArchiveGroup *self)
{
  if (self->indexer)
    sam_archive_indexer_cancel (self->indexer);
}

static void
chooser_response_cb (SamArchiveGroup *self, int response, GtkNativeDialog *chooser)
{
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) &&
      (path = g_file_get_path (file)))
    {
      g_auto (GStrv) folders = g_settings_get_strv (self->settings, "archive-folders");

      if (!g_strv_contains ((const char *const *) folders, path))
        {
          g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
          g_auto (GStrv) added = NULL;

          g_strv_builder_addv (builder, (const char **) folders);
          g_strv_builder_add (builder, path);
          added = g_strv_builder_end (builder);
          g_settings_set_strv (self->settings, "archive-folders", (const char *const *) added);
        }
    }
  g_clear_object (&self->chooser);
}

static void
add_clicked_cb (SamArchiveGroup *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  /* The native chooser is the file chooser portal in Flatpak: the folder is shared with the
   * app when the user picks it, no permission needed. */
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (
      _ ("Choose a Folder to Learn From"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Add"), _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

void
sam_archive_group_set_indexer (SamArchiveGroup *self, SamArchiveIndexer *indexer)
{
  g_return_if_fail (SAM_IS_ARCHIVE_GROUP (self));

  if (self->indexer)
    g_signal_handlers_disconnect_by_data (self->indexer, self);
  g_set_object (&self->indexer, indexer);
  if (indexer)
    {
      g_signal_connect_swapped (indexer, "notify::running", G_CALLBACK (running_changed_cb), self);
      g_signal_connect_swapped (indexer, "notify::fraction", G_CALLBACK (update_progress), self);
      g_signal_connect_swapped (indexer, "notify::current-file", G_CALLBACK (update_progress),
                                self);
    }
  update_progress (self);
  update_summary (self);
  update_folders (self);
}

SamArchiveIndexer *
sam_archive_group_get_indexer (SamArchiveGroup *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_GROUP (self), NULL);
  return self->indexer;
}

static void
sam_archive_group_dispose (GObject *object)
{
  SamArchiveGroup *self = SAM_ARCHIVE_GROUP (object);

  if (self->indexer)
    g_signal_handlers_disconnect_by_data (self->indexer, self);
  g_clear_object (&self->indexer);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_pointer (&self->problem_rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_ARCHIVE_GROUP);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sam_archive_group_parent_class)->dispose (object);
}

static void
sam_archive_group_class_init (SamArchiveGroupClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_archive_group_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-archive-group.ui");
  gtk_widget_class_bind_template_child (widget_class, SamArchiveGroup, folders_list);
  gtk_widget_class_bind_template_child (widget_class, SamArchiveGroup, progress_box);
  gtk_widget_class_bind_template_child (widget_class, SamArchiveGroup, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, SamArchiveGroup, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, SamArchiveGroup, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SamArchiveGroup, problems_list);
  gtk_widget_class_bind_template_child (widget_class, SamArchiveGroup, failed_row);
  gtk_widget_class_bind_template_child (widget_class, SamArchiveGroup, set_aside_row);
  gtk_widget_class_bind_template_child (widget_class, SamArchiveGroup, learn_button);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, learn_clicked_cb);
}

static void
sam_archive_group_init (SamArchiveGroup *self)
{
  GApplication *application = g_application_get_default ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->problem_rows = g_ptr_array_new_with_free_func (g_object_unref);

  self->settings = g_settings_new (APP_ID);
  g_signal_connect_object (self->settings, "changed::archive-folders", G_CALLBACK (update_folders),
                           self, G_CONNECT_SWAPPED);

  if (SAM_IS_APPLICATION (application))
    sam_archive_group_set_indexer (
        self, sam_application_get_archive_indexer (SAM_APPLICATION (application)));
  else
    sam_archive_group_set_indexer (self, NULL);
}

GtkWidget *
sam_archive_group_new (void)
{
  return g_object_new (SAM_TYPE_ARCHIVE_GROUP, NULL);
}
