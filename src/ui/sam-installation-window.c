/* sam-installation-window.c — the first-run installation: a few questions, then the main
 * window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-installation-window.h"

#include "companion/sam-installation.h"
#include "model/sam-provider-config.h"
#include "sam-model-page.h"

/* The answers live in a SamInstallation, filled from the last run. Continue takes a page's
 * answer; Skip leaves it as it was. Closing the window early is skipping the rest: what was
 * answered is kept, and the installation does not come back at the next start. */

typedef enum
{
  PAGE_WELCOME,
  PAGE_NAME,
  PAGE_AGE,
  PAGE_LIFE,
  PAGE_TONE,
  PAGE_COMPANION,
  PAGE_MODEL,
  PAGE_FOLDERS,
  PAGE_DONE,
  N_PAGES
} Page;

#define N_AGES  5
#define N_TONES 4
#define N_HELP  4

struct _SamInstallationWindow
{
  AdwWindow parent_instance;

  SamApplication       *application;
  GSettings            *settings;
  SamInstallation      *answers;
  GCancellable         *cancellable;
  SamProviderConfig    *detected;
  GtkFileChooserNative *chooser;
  Page                  page;
  gboolean              first_run;
  gboolean              detecting;
  GtkCheckButton       *age_checks[N_AGES];
  GtkCheckButton       *tone_checks[N_TONES];
  GtkSwitch            *help_switches[N_HELP];
  GtkWidget            *folder_rows;

  /* Template widgets */
  AdwCarousel         *carousel;
  GtkWidget           *skip_button;
  GtkWidget           *back_button;
  GtkButton           *next_button;
  AdwEntryRow         *user_name_row;
  AdwPreferencesGroup *age_group;
  GtkRevealer         *minor_revealer;
  AdwEntryRow         *days_row;
  AdwEntryRow         *people_row;
  AdwPreferencesGroup *help_group;
  AdwPreferencesGroup *tone_group;
  AdwStatusPage       *companion_page;
  AdwEntryRow         *companion_name_row;
  AdwActionRow        *detect_row;
  GtkSpinner          *detect_spinner;
  GtkWidget           *use_detected_button;
  GtkBox              *model_box;
  AdwPreferencesGroup *folders_group;
  GtkWidget           *no_folders_row;
  AdwStatusPage       *done_page;
};

G_DEFINE_FINAL_TYPE (SamInstallationWindow, sam_installation_window, ADW_TYPE_WINDOW)

static const char *const age_titles[N_AGES] = {
  N_ ("Under 18"), N_ ("18 to 24"), N_ ("25 to 44"), N_ ("45 to 64"), N_ ("65 or older"),
};

static const char *const tone_titles[N_TONES][2] = {
  { N_ ("Warm"), N_ ("Kind and unhurried, glad to listen") },
  { N_ ("Playful"), N_ ("Light, curious and a little funny") },
  { N_ ("Calm"), N_ ("Quiet and steady, never rushed") },
  { N_ ("Direct"), N_ ("Short and clear, the answer first") },
};

static const char *const help_titles[N_HELP][2] = {
  { N_ ("Company"), N_ ("Someone to talk to, any time") },
  { N_ ("Letters"), N_ ("Drafts of letters and replies for you to send") },
  { N_ ("Mail"), N_ ("Sorting your mail and pointing out what matters") },
  { N_ ("Planning"), N_ ("Your days, appointments and things not to forget") },
};

static void
set_answer (char **answer, const char *value)
{
  char *copy = g_strdup (value);

  g_free (*answer);
  *answer = copy;
}

static GtkWidget *
page_widget (SamInstallationWindow *self, Page page)
{
  return adw_carousel_get_nth_page (self->carousel, page);
}

static char *
entry_text (AdwEntryRow *row)
{
  char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (*text == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

static const char *
current_tone (SamInstallationWindow *self)
{
  for (guint i = 0; i < N_TONES; i++)
    if (gtk_check_button_get_active (self->tone_checks[i]))
      return sam_installation_get_tones ()[i];
  return self->answers->tone;
}

/* The companion proposes a name for the tone chosen; a name the user typed stays. */
static void
update_companion_page (SamInstallationWindow *self)
{
  const char      *reason = NULL;
  const char      *proposal = sam_installation_propose_name (current_tone (self), &reason);
  const char      *chosen = self->answers->companion_name;
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;

  if (chosen && !g_str_equal (chosen, proposal))
    {
      title = g_strdup_printf (_ ("You call me %s"), chosen);
      description = g_strdup (_ ("If another name suits me better, type it below."));
      gtk_editable_set_text (GTK_EDITABLE (self->companion_name_row), chosen);
    }
  else
    {
      /* Translators: the companion proposes its own name; %s is the name. */
      title = g_strdup_printf (_ ("I would like to be called %s"), proposal);
      /* Translators: the first %s says why the companion chose its name. */
      description =
          g_strdup_printf (_ ("%s If another name suits me better, type it below."), reason);
      gtk_editable_set_text (GTK_EDITABLE (self->companion_name_row), proposal);
    }

  adw_status_page_set_title (self->companion_page, title);
  adw_status_page_set_description (self->companion_page, description);
}

static void
update_done_page (SamInstallationWindow *self)
{
  const char      *companion = self->answers->companion_name
                                   ? self->answers->companion_name
                                   : sam_installation_propose_name (self->answers->tone, NULL);
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;

  if (self->answers->user_name)
    title = g_strdup_printf (_ ("Nice to meet you, %s"), self->answers->user_name);
  else
    title = g_strdup (_ ("Nice to meet you"));

  /* Translators: %s is the companion's name. */
  description = g_strdup_printf (_ ("I am %s. What you told me is in Preferences → Memory, where "
                                    "you can read and change it, and you can run this "
                                    "installation again from Preferences."),
                                 companion);
  adw_status_page_set_title (self->done_page, title);
  adw_status_page_set_description (self->done_page, description);
}

/* Model detection: what runs on this computer, found the way the app finds it. */

static void
detected_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamInstallationWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SamProviderConfig) config = sam_provider_config_resolve_finish (result, &error);
  g_autofree char *name = NULL;
  g_autofree char *subtitle = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (self->cancellable))
    return;

  self->detecting = FALSE;
  gtk_spinner_stop (self->detect_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->detect_spinner), FALSE);

  if (config == NULL || config->source != SAM_PROVIDER_SOURCE_DETECTED)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->detect_row),
                                     _ ("Nothing Found on This Computer"));
      adw_action_row_set_subtitle (self->detect_row,
                                   _ ("Choose a service below, or skip and start Ollama later."));
      return;
    }

  name = sam_provider_name_for_url (config->provider, config->base_url);
  /* Translators: %s is a local model server, such as Ollama. */
  subtitle = config->model
                 ? g_strdup_printf (_ ("%s, with %s. Nothing you say leaves this computer."), name,
                                    config->model)
                 : g_strdup_printf (_ ("%s. Nothing you say leaves this computer."), name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->detect_row),
                                 _ ("Found on This Computer"));
  adw_action_row_set_subtitle (self->detect_row, subtitle);
  gtk_widget_set_visible (self->use_detected_button, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "installation.use-detected", TRUE);
  sam_provider_config_free (self->detected);
  self->detected = g_steal_pointer (&config);
}

static void
start_detection (SamInstallationWindow *self)
{
  if (self->detecting || self->detected)
    return;

  self->detecting = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->detect_spinner), TRUE);
  gtk_spinner_start (self->detect_spinner);
  /* Without settings, resolving looks at what runs here, not at what was chosen before. */
  sam_provider_config_resolve_async (NULL, self->cancellable, detected_cb, g_object_ref (self));
}

static void
show_model_page (SamInstallationWindow *self)
{
  GtkWidget *child;

  /* A new page shows the settings as they are now. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->model_box))))
    gtk_box_remove (self->model_box, child);
  child = sam_model_page_new ();
  gtk_widget_set_vexpand (child, TRUE);
  gtk_box_append (self->model_box, child);
}

static void
use_detected_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamInstallationWindow *self = SAM_INSTALLATION_WINDOW (widget);
  g_autoptr (GSettings) batch = NULL;
  const char *fallback;

  if (self->detected == NULL)
    return;

  fallback = sam_provider_default_base_url (self->detected->provider);
  batch = g_settings_new (APP_ID);
  g_settings_delay (batch);
  g_settings_set_string (batch, "provider", self->detected->provider);
  g_settings_set_string (
      batch, "base-url",
      g_strcmp0 (self->detected->base_url, fallback) == 0 ? "" : self->detected->base_url);
  g_settings_set_string (batch, "model", self->detected->model ? self->detected->model : "");
  g_settings_apply (batch);

  show_model_page (self);
  gtk_widget_activate_action (widget, "installation.next", NULL);
}

/* Folders */

static void
remove_folder_cb (GtkWidget *button, SamInstallationWindow *self)
{
  GtkWidget  *row = gtk_widget_get_ancestor (button, ADW_TYPE_ACTION_ROW);
  const char *path = g_object_get_data (G_OBJECT (row), "path");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; self->answers->archive_folders[i]; i++)
    if (!g_str_equal (self->answers->archive_folders[i], path))
      g_strv_builder_add (builder, self->answers->archive_folders[i]);
  g_strfreev (self->answers->archive_folders);
  self->answers->archive_folders = g_strv_builder_end (builder);

  adw_preferences_group_remove (self->folders_group, row);
  gtk_widget_set_visible (self->no_folders_row, self->answers->archive_folders[0] == NULL);
}

static void
add_folder_row (SamInstallationWindow *self, const char *path)
{
  GtkWidget       *row = adw_action_row_new ();
  GtkWidget       *button = gtk_button_new_from_icon_name ("list-remove-symbolic");
  g_autofree char *label = g_strdup_printf (_ ("Do Not Read %s"), path);
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *basename = g_path_get_basename (path);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), basename);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), display);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("folder-symbolic"));
  g_object_set_data_full (G_OBJECT (row), "path", g_strdup (path), g_free);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  g_signal_connect (button, "clicked", G_CALLBACK (remove_folder_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

  adw_preferences_group_add (self->folders_group, row);
  gtk_widget_set_visible (self->no_folders_row, FALSE);
}

/**
 * sam_installation_window_add_folder:
 * @self: the installation
 * @folder: a folder the user chose to let Samantha read
 *
 * Adds @folder to the folders to learn from, once.
 */
void
sam_installation_window_add_folder (SamInstallationWindow *self, GFile *folder)
{
  g_autofree char *path = g_file_get_path (folder);
  g_autoptr (GStrvBuilder) builder = NULL;

  g_return_if_fail (SAM_IS_INSTALLATION_WINDOW (self));

  if (path == NULL || g_strv_contains ((const char *const *) self->answers->archive_folders, path))
    return;

  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) self->answers->archive_folders);
  g_strv_builder_add (builder, path);
  g_strfreev (self->answers->archive_folders);
  self->answers->archive_folders = g_strv_builder_end (builder);
  add_folder_row (self, path);
}

static void
chooser_response_cb (GtkNativeDialog *chooser, int response, SamInstallationWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr (GFile) file = g_list_model_get_item (files, i);
          sam_installation_window_add_folder (self, file);
        }
    }

  g_clear_object (&self->chooser);
}

static void
choose_folders_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamInstallationWindow *self = SAM_INSTALLATION_WINDOW (widget);

  if (self->chooser)
    return;

  /* A native chooser goes through the file chooser portal in a Flatpak: the folders chosen
   * are the only ones the sandbox lets Samantha read. */
  self->chooser = gtk_file_chooser_native_new (
      _ ("Choose Folders to Learn From"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
      _ ("_Choose"), _ ("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Pages */

static void
take_answer (SamInstallationWindow *self, Page page)
{
  SamInstallation *answers = self->answers;

  switch (page)
    {
    case PAGE_NAME:
      g_free (answers->user_name);
      answers->user_name = entry_text (self->user_name_row);
      break;

    case PAGE_AGE:
      for (guint i = 0; i < N_AGES; i++)
        if (gtk_check_button_get_active (self->age_checks[i]))
          set_answer (&answers->age_range, sam_installation_get_age_ranges ()[i]);
      break;

    case PAGE_LIFE:
      {
        g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

        g_free (answers->days);
        answers->days = entry_text (self->days_row);
        g_free (answers->people);
        answers->people = entry_text (self->people_row);
        for (guint i = 0; i < N_HELP; i++)
          if (gtk_switch_get_active (self->help_switches[i]))
            g_strv_builder_add (builder, sam_installation_get_help_topics ()[i]);
        g_strfreev (answers->help_with);
        answers->help_with = g_strv_builder_end (builder);
      }
      break;

    case PAGE_TONE:
      set_answer (&answers->tone, current_tone (self));
      break;

    case PAGE_COMPANION:
      g_free (answers->companion_name);
      answers->companion_name = entry_text (self->companion_name_row);
      break;

    case PAGE_WELCOME:
    case PAGE_MODEL:
    case PAGE_FOLDERS:
    case PAGE_DONE:
    case N_PAGES:
    default:
      break;
    }
}

static void
focus_page (SamInstallationWindow *self)
{
  GtkWidget *target = GTK_WIDGET (self->next_button);

  switch (self->page)
    {
    case PAGE_NAME:
      target = GTK_WIDGET (self->user_name_row);
      break;
    case PAGE_COMPANION:
      target = GTK_WIDGET (self->companion_name_row);
      break;
    default:
      break;
    }
  gtk_widget_grab_focus (target);
}

static void
go_to (SamInstallationWindow *self, Page page)
{
  gboolean first = page == PAGE_WELCOME;
  gboolean last = page == PAGE_DONE;

  self->page = page;

  if (page == PAGE_COMPANION)
    update_companion_page (self);
  else if (page == PAGE_MODEL)
    start_detection (self);
  else if (page == PAGE_DONE)
    update_done_page (self);

  gtk_widget_set_visible (self->back_button, !first && !last);
  gtk_widget_set_visible (self->skip_button, !first && !last);
  gtk_button_set_label (self->next_button, last    ? _ ("_Start Talking")
                                           : first ? _ ("_Begin")
                                                   : _ ("_Continue"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "installation.back", !first);

  /* Tab stays on the page on screen. */
  for (guint i = 0; i < N_PAGES; i++)
    gtk_widget_set_can_focus (page_widget (self, i), i == page);
  adw_carousel_scroll_to (self->carousel, page_widget (self, page), TRUE);
  focus_page (self);
}

static void
finish (SamInstallationWindow *self)
{
  g_autoptr (GError) error = NULL;
  SamStore     *store = sam_application_get_store (self->application, &error);
  GActionGroup *app = G_ACTION_GROUP (self->application);
  gboolean      has_folders = self->answers->archive_folders[0] != NULL;

  if (store == NULL)
    g_warning ("The answers go to the settings only: %s", error->message);
  else if (!sam_installation_apply (self->answers, self->settings, store, &error))
    g_warning ("Could not write what the installation learned: %s", error->message);
  if (store == NULL)
    sam_installation_apply (self->answers, self->settings, NULL, NULL);

  /* The app reads the folders of the setting just written, when it knows how. */
  if (has_folders && g_action_group_has_action (app, "learn-from-folders"))
    g_action_group_activate_action (app, "learn-from-folders", NULL);

  /* On the first run, the main window opens before this one goes, so the app never runs
   * without a window. */
  if (self->first_run)
    g_application_activate (G_APPLICATION (self->application));
}

static gboolean
sam_installation_window_close_request (GtkWindow *window)
{
  SamInstallationWindow *self = SAM_INSTALLATION_WINDOW (window);

  g_cancellable_cancel (self->cancellable);
  finish (self);

  return GTK_WINDOW_CLASS (sam_installation_window_parent_class)->close_request (window);
}

static void
next_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamInstallationWindow *self = SAM_INSTALLATION_WINDOW (widget);

  take_answer (self, self->page);
  if (self->page == PAGE_DONE)
    gtk_window_close (GTK_WINDOW (self));
  else
    go_to (self, self->page + 1);
}

static void
skip_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamInstallationWindow *self = SAM_INSTALLATION_WINDOW (widget);

  if (self->page < PAGE_DONE)
    go_to (self, self->page + 1);
}

static void
back_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamInstallationWindow *self = SAM_INSTALLATION_WINDOW (widget);

  if (self->page > PAGE_WELCOME)
    go_to (self, self->page - 1);
}

static void
entry_activated_cb (SamInstallationWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "installation.next", NULL);
}

static void
age_toggled_cb (SamInstallationWindow *self)
{
  gtk_revealer_set_reveal_child (self->minor_revealer,
                                 gtk_check_button_get_active (self->age_checks[0]));
}

/* Rows built from the tables above: a radio check or a switch, labelled by the row. */
static GtkWidget *
add_row (AdwPreferencesGroup *group,
         GtkWidget           *control,
         const char          *name,
         const char          *title,
         const char          *subtitle,
         gboolean             prefix)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_name (control, name);
  gtk_widget_set_valign (control, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  if (prefix)
    adw_action_row_add_prefix (ADW_ACTION_ROW (row), control);
  else
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), control);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), control);
  adw_preferences_group_add (group, row);
  return control;
}

static void
build_rows (SamInstallationWindow *self)
{
  for (guint i = 0; i < N_AGES; i++)
    {
      g_autofree char *name = g_strconcat ("age-", sam_installation_get_age_ranges ()[i], NULL);

      self->age_checks[i] = GTK_CHECK_BUTTON (
          add_row (self->age_group, gtk_check_button_new (), name, _ (age_titles[i]), NULL, TRUE));
      if (i > 0)
        gtk_check_button_set_group (self->age_checks[i], self->age_checks[0]);
      g_signal_connect_swapped (self->age_checks[i], "toggled", G_CALLBACK (age_toggled_cb), self);
    }

  for (guint i = 0; i < N_TONES; i++)
    {
      g_autofree char *name = g_strconcat ("tone-", sam_installation_get_tones ()[i], NULL);

      self->tone_checks[i] =
          GTK_CHECK_BUTTON (add_row (self->tone_group, gtk_check_button_new (), name,
                                     _ (tone_titles[i][0]), _ (tone_titles[i][1]), TRUE));
      if (i > 0)
        gtk_check_button_set_group (self->tone_checks[i], self->tone_checks[0]);
    }

  for (guint i = 0; i < N_HELP; i++)
    {
      g_autofree char *name = g_strconcat ("help-", sam_installation_get_help_topics ()[i], NULL);

      self->help_switches[i] =
          GTK_SWITCH (add_row (self->help_group, gtk_switch_new (), name, _ (help_titles[i][0]),
                               _ (help_titles[i][1]), FALSE));
    }
}

/* The widgets start from the answers given last time. */
static void
show_answers (SamInstallationWindow *self)
{
  SamInstallation *answers = self->answers;

  gtk_editable_set_text (GTK_EDITABLE (self->user_name_row),
                         answers->user_name ? answers->user_name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->days_row), answers->days ? answers->days : "");
  gtk_editable_set_text (GTK_EDITABLE (self->people_row), answers->people ? answers->people : "");

  for (guint i = 0; i < N_AGES; i++)
    gtk_check_button_set_active (
        self->age_checks[i],
        g_strcmp0 (answers->age_range, sam_installation_get_age_ranges ()[i]) == 0);
  for (guint i = 0; i < N_TONES; i++)
    gtk_check_button_set_active (self->tone_checks[i],
                                 g_strcmp0 (answers->tone, sam_installation_get_tones ()[i]) == 0);
  for (guint i = 0; i < N_HELP; i++)
    gtk_switch_set_active (self->help_switches[i],
                           g_strv_contains ((const char *const *) answers->help_with,
                                            sam_installation_get_help_topics ()[i]));
  for (guint i = 0; answers->archive_folders[i]; i++)
    add_folder_row (self, answers->archive_folders[i]);
}

static void
sam_installation_window_dispose (GObject *object)
{
  SamInstallationWindow *self = SAM_INSTALLATION_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_INSTALLATION_WINDOW);

  G_OBJECT_CLASS (sam_installation_window_parent_class)->dispose (object);
}

static void
sam_installation_window_finalize (GObject *object)
{
  SamInstallationWindow *self = SAM_INSTALLATION_WINDOW (object);

  g_clear_object (&self->application);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->answers, sam_installation_free);
  g_clear_pointer (&self->detected, sam_provider_config_free);

  G_OBJECT_CLASS (sam_installation_window_parent_class)->finalize (object);
}

static void
sam_installation_window_class_init (SamInstallationWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sam_installation_window_dispose;
  object_class->finalize = sam_installation_window_finalize;
  window_class->close_request = sam_installation_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-installation-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, carousel);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, skip_button);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, next_button);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, user_name_row);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, age_group);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, minor_revealer);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, days_row);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, people_row);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, help_group);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, tone_group);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, companion_page);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, companion_name_row);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, detect_row);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, detect_spinner);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, use_detected_button);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, model_box);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, folders_group);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, no_folders_row);
  gtk_widget_class_bind_template_child (widget_class, SamInstallationWindow, done_page);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "installation.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "installation.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "installation.skip", NULL, skip_action);
  gtk_widget_class_install_action (widget_class, "installation.choose-folders", NULL,
                                   choose_folders_action);
  gtk_widget_class_install_action (widget_class, "installation.use-detected", NULL,
                                   use_detected_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "installation.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK,
                                       "installation.skip", NULL);
}

static void
sam_installation_window_init (SamInstallationWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  self->cancellable = g_cancellable_new ();
  build_rows (self);
  show_model_page (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "installation.use-detected", FALSE);
}

/**
 * sam_installation_window_new:
 * @application: the application
 * @first_run: whether the main window opens when the installation ends
 *
 * The installation, starting from the answers given last time.
 *
 * Returns: (transfer floating): the window
 */
SamInstallationWindow *
sam_installation_window_new (SamApplication *application, gboolean first_run)
{
  SamInstallationWindow *self;

  g_return_val_if_fail (SAM_IS_APPLICATION (application), NULL);

  self = g_object_new (SAM_TYPE_INSTALLATION_WINDOW, "application", application, NULL);
  self->application = g_object_ref (application);
  self->first_run = first_run;
  self->answers =
      sam_installation_load (self->settings, sam_application_get_store (application, NULL));
  show_answers (self);
  go_to (self, PAGE_WELCOME);

  return self;
}

/* The name of the page on screen: "welcome", "name", "age", "life", "tone", "companion",
 * "model", "folders" or "done". */
const char *
sam_installation_window_get_page_name (SamInstallationWindow *self)
{
  g_return_val_if_fail (SAM_IS_INSTALLATION_WINDOW (self), NULL);

  return gtk_widget_get_name (page_widget (self, self->page));
}
