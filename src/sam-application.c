/* sam-application.c — the application: actions, command line, single instance.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-application.h"
#include "companion/sam-archive-indexer.h"
#include "companion/sam-memory.h"
#include "sam-ask.h"
#include "store/sam-export.h"
#include "store/sam-import.h"
#include "sam-application-desktop.h"
#include "desktop/sam-secrets.h"
#include "model/sam-provider-config.h"
#include "store/sam-store.h"
#include "ui/sam-installation-window.h"
#include "ui/sam-preferences-window.h"
#include "ui/sam-window.h"

struct _SamApplication
{
  AdwApplication parent_instance;

  GSettings             *settings;
  SamApplicationDesktop *desktop;
  SamStore              *store;
  SamProvider           *provider;
  GCancellable          *provider_cancellable;
  SamArchiveIndexer     *archive_indexer;
};

G_DEFINE_FINAL_TYPE (SamApplication, sam_application, ADW_TYPE_APPLICATION)

enum
{
  PROP_0,
  PROP_PROVIDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const GOptionEntry option_entries[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_ ("Print the version and exit"), NULL },
  { "import", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_ ("Import a ChatGPT export (conversations.json) or a Samantha export, then exit"),
    N_ ("FILE") },
  { "export", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_ ("Write every conversation as Markdown and JSON into a folder, then exit"), N_ ("FOLDER") },
  { "ask", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_ ("Ask one question, print the reply as it arrives, then exit"), N_ ("TEXT") },
  { "recall", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_ ("Print what memory recalls for a question as JSON lines, then exit"), N_ ("QUERY") },
  { NULL }
};

/* The application's first window of TYPE, or NULL. */
static GtkWindow *
sam_application_find_window (SamApplication *self, GType type)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
        return l->data;
    }

  return NULL;
}

static GtkWindow *
sam_application_get_main_window (SamApplication *self)
{
  return sam_application_find_window (self, SAM_TYPE_WINDOW);
}

static void
quit_after_first_frame_cb (GdkFrameClock *frame_clock, gpointer user_data)
{
  SamApplication *self = user_data;

  g_signal_handlers_disconnect_by_func (frame_clock, quit_after_first_frame_cb, user_data);
  g_application_quit (G_APPLICATION (self));
}

static void
sam_application_activate (GApplication *app)
{
  SamApplication *self = SAM_APPLICATION (app);
  GtkWindow      *window;

  g_assert (SAM_IS_APPLICATION (self));

  /* The first start is the installation; the main window opens when it ends. The startup
   * benchmark measures the main window, so it goes straight there. */
  if (!(window = sam_application_get_main_window (self)) &&
      !g_settings_get_boolean (self->settings, "installation-done") &&
      g_strcmp0 (g_getenv ("SAMANTHA_EXIT_AFTER_FIRST_FRAME"), "1") != 0)
    {
      if (!(window = sam_application_find_window (self, SAM_TYPE_INSTALLATION_WINDOW)))
        window = GTK_WINDOW (sam_installation_window_new (self, TRUE));
      gtk_window_present (window);
      return;
    }

  if (window == NULL)
    window = GTK_WINDOW (sam_window_new (self));

  gtk_window_present (window);

  /* The startup benchmark measures process start to the first painted frame. */
  if (g_strcmp0 (g_getenv ("SAMANTHA_EXIT_AFTER_FIRST_FRAME"), "1") == 0)
    g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                             G_CALLBACK (quit_after_first_frame_cb), self, 0);
}

static int
sam_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  const char *path;
  int         status;

  if ((status = sam_application_desktop_handle_local_options (app, options)) >= 0)
    return status;

  /* Import and export run here, without a display or a running instance. */
  if (g_variant_dict_lookup (options, "import", "^&ay", &path))
    return sam_import_command_line (path);
  if (g_variant_dict_lookup (options, "export", "^&ay", &path))
    return sam_export_command_line (path);
  if (g_variant_dict_lookup (options, "ask", "&s", &path))
    return sam_ask_run (SAM_APPLICATION (app)->settings, path);
  if (g_variant_dict_lookup (options, "recall", "&s", &path))
    return sam_memory_recall_command_line (path);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  return G_APPLICATION_CLASS (sam_application_parent_class)->handle_local_options (app, options);
}

static void
sam_application_about_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  SamApplication    *self = user_data;
  static const char *developers[] = { "The Samantha developers", NULL };
  GtkWidget         *about;

  about = g_object_new (
      ADW_TYPE_ABOUT_WINDOW, "transient-for", sam_application_get_main_window (self),
      "application-icon", APP_ID, "application-name", _ ("Samantha"), "developer-name",
      _ ("The Samantha developers"), "version", PACKAGE_VERSION, "comments",
      _ ("An AI companion that remembers you and asks before it acts. "
         "Samantha is an AI, not a person."),
      "website", "https://github.com/samanthaos/samantha", "issue-url",
      "https://github.com/samanthaos/samantha/issues", "license-type", GTK_LICENSE_GPL_3_0,
      "copyright", "© 2026 The Samantha developers", "developers", developers,
      /* Translators: Replace "translator-credits" with your names, one per line. */
      "translator-credits", _ ("translator-credits"), NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
sam_application_preferences_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  SamApplication *self = user_data;
  GtkWindow      *preferences;

  preferences = GTK_WINDOW (sam_preferences_window_new (self));
  gtk_window_set_transient_for (preferences, sam_application_get_main_window (self));
  gtk_window_present (preferences);
}

/* The installation again, starting from the answers given last time. */
static void
sam_application_run_installation_action (GSimpleAction *action,
                                         GVariant      *parameter,
                                         gpointer       user_data)
{
  SamApplication *self = user_data;
  GtkWindow      *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow      *installation;

  if (!(installation = sam_application_find_window (self, SAM_TYPE_INSTALLATION_WINDOW)))
    {
      installation = GTK_WINDOW (sam_installation_window_new (self, FALSE));
      gtk_window_set_transient_for (installation, parent);
      gtk_window_set_modal (installation, TRUE);
    }
  gtk_window_present (installation);
}

static void
sam_application_shortcuts_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  SamApplication *self = user_data;
  GtkWindow      *window;

  if (!(window = sam_application_get_main_window (self)))
    {
      g_application_activate (G_APPLICATION (self));
      window = sam_application_get_main_window (self);
    }

  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
}

static void
sam_application_quit_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  SamApplication *self = user_data;
  GList          *windows;

  /* Closing each window first lets it save its size and state. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))))
    gtk_window_destroy (windows->data);

  g_application_quit (G_APPLICATION (self));
}

static void
learned_from_folders_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamApplication) self = user_data;
  g_autoptr (SamArchiveSummary) summary = NULL;
  g_autoptr (GError) error = NULL;

  summary = sam_archive_indexer_index_finish (SAM_ARCHIVE_INDEXER (object), result, &error);
  if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not learn from the folders: %s", error->message);
  g_application_release (G_APPLICATION (self));
}

/* Reads the folders of `archive-folders` in the background; with a model, what it learns
 * from them waits in the review queue. */
static void
sam_application_learn_from_folders_action (GSimpleAction *action,
                                           GVariant      *parameter,
                                           gpointer       user_data)
{
  SamApplication    *self = user_data;
  SamArchiveIndexer *indexer = sam_application_get_archive_indexer (self);
  g_auto (GStrv) folders = g_settings_get_strv (self->settings, "archive-folders");
  g_autoptr (SamFactExtractor) extractor = NULL;

  if (indexer == NULL || sam_archive_indexer_get_running (indexer))
    return;
  if (self->provider)
    extractor = sam_fact_extractor_new (self->store, self->provider, NULL);
  sam_archive_indexer_set_extractor (indexer, extractor);
  g_application_hold (G_APPLICATION (self));
  sam_archive_indexer_index_async (indexer, (const char *const *) folders, NULL,
                                   learned_from_folders_cb, g_object_ref (self));
}

static const GActionEntry app_actions[] = {
  { "about", sam_application_about_action },
  { "preferences", sam_application_preferences_action },
  { "run-installation", sam_application_run_installation_action },
  { "shortcuts", sam_application_shortcuts_action },
  { "quit", sam_application_quit_action },
  { "learn-from-folders", sam_application_learn_from_folders_action },
};

static void
set_provider (SamApplication *self, SamProvider *provider)
{
  if (g_set_object (&self->provider, provider))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROVIDER]);
}

typedef struct
{
  SamApplication    *self;
  SamProviderConfig *config;
} KeyLookup;

static void
key_looked_up_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  KeyLookup *lookup = user_data;
  g_autoptr (SamApplication) self = lookup->self;
  g_autoptr (SamProviderConfig) config = lookup->config;
  g_autoptr (GError) error = NULL;
  g_autoptr (SamProvider) provider = NULL;
  char *api_key = sam_secrets_lookup_finish (result, &error);

  g_free (lookup);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Without a key the provider still exists: its first reply says the key is missing. */
  if (error != NULL)
    g_debug ("No API key from the keyring: %s", error->message);

  provider = sam_provider_config_create (config, api_key);
  sam_secrets_free_key (api_key);
  set_provider (self, provider);
}

static void
provider_resolved_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SamProviderConfig) config = sam_provider_config_resolve_finish (result, &error);
  g_autoptr (SamProvider) provider = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* No model set up yet is a normal state: the first reply says where to choose one. */
  if (config == NULL)
    {
      g_debug ("No model provider: %s", error->message);
      set_provider (self, NULL);
      return;
    }

  if (sam_provider_config_needs_key (config) && config->api_key == NULL)
    {
      KeyLookup *lookup = g_new0 (KeyLookup, 1);

      /* The key lives only in the keyring; it is read when needed and never written elsewhere. */
      lookup->self = g_object_ref (self);
      lookup->config = g_steal_pointer (&config);
      sam_secrets_lookup_async (lookup->config->provider, lookup->config->base_url,
                                self->provider_cancellable, key_looked_up_cb, lookup);
      return;
    }

  provider = sam_provider_config_create (config, NULL);
  set_provider (self, provider);
}

/* Finds the model provider again from the environment, the settings and what runs locally. */
void
sam_application_reload_provider (SamApplication *self)
{
  g_return_if_fail (SAM_IS_APPLICATION (self));

  g_cancellable_cancel (self->provider_cancellable);
  g_clear_object (&self->provider_cancellable);
  self->provider_cancellable = g_cancellable_new ();

  sam_provider_config_resolve_async (self->settings, self->provider_cancellable,
                                     provider_resolved_cb, g_object_ref (self));
}

static gboolean
reload_provider_idle_cb (gpointer user_data)
{
  sam_application_reload_provider (user_data);
  return G_SOURCE_REMOVE;
}

static void
provider_settings_changed_cb (SamApplication *self, const char *key, GSettings *settings)
{
  if (g_strv_contains ((const char *const[]){ "provider", "base-url", "model", NULL }, key))
    sam_application_reload_provider (self);
}

static void
sam_application_startup (GApplication *app)
{
  SamApplication  *self = SAM_APPLICATION (app);
  AdwStyleManager *style_manager;

  G_APPLICATION_CLASS (sam_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit",
                                         (const char *[]){ "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         (const char *[]){ "<Control>comma", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.shortcuts",
                                         (const char *[]){ "<Control>question", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close",
                                         (const char *[]){ "<Control>w", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.toggle-search",
                                         (const char *[]){ "<Control>f", NULL });

  style_manager = adw_style_manager_get_default ();
  g_settings_bind (self->settings, "color-scheme", style_manager, "color-scheme",
                   G_SETTINGS_BIND_GET);

  g_signal_connect_object (self->settings, "changed", G_CALLBACK (provider_settings_changed_cb),
                           self, G_CONNECT_SWAPPED);

  /* Finding the model (local servers, the keyring) waits until the window is on screen. */
  g_idle_add_full (G_PRIORITY_LOW, reload_provider_idle_cb, g_object_ref (self), g_object_unref);

  self->desktop = sam_application_desktop_new (self);
}

static void
sam_application_shutdown (GApplication *app)
{
  SamApplication *self = SAM_APPLICATION (app);

  g_clear_object (&self->desktop);

  G_APPLICATION_CLASS (sam_application_parent_class)->shutdown (app);
}

static void
sam_application_finalize (GObject *object)
{
  SamApplication *self = SAM_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->provider);
  g_clear_object (&self->provider_cancellable);
  g_clear_object (&self->archive_indexer);

  G_OBJECT_CLASS (sam_application_parent_class)->finalize (object);
}

static void
sam_application_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamApplication *self = SAM_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_PROVIDER:
      g_value_set_object (value, self->provider);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_application_class_init (SamApplicationClass *klass)
{
  GObjectClass      *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = sam_application_finalize;
  object_class->get_property = sam_application_get_property;

  properties[PROP_PROVIDER] = g_param_spec_object ("provider", NULL, NULL, SAM_TYPE_PROVIDER,
                                                   (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  app_class->activate = sam_application_activate;
  app_class->startup = sam_application_startup;
  app_class->shutdown = sam_application_shutdown;
  app_class->handle_local_options = sam_application_handle_local_options;
}

static void
sam_application_init (SamApplication *self)
{
  self->settings = g_settings_new (APP_ID);

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  sam_application_desktop_add_options (G_APPLICATION (self));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _ ("Samantha — an AI companion that remembers you"));
}

SamApplication *
sam_application_new (void)
{
  return g_object_new (SAM_TYPE_APPLICATION, "application-id", APP_ID, "flags",
                       G_APPLICATION_DEFAULT_FLAGS, "resource-base-path", RESOURCE_PATH, NULL);
}

GSettings *
sam_application_get_settings (SamApplication *self)
{
  g_return_val_if_fail (SAM_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * sam_application_get_store:
 * @self: a #SamApplication
 * @error: where to say why the store could not be opened
 *
 * Opens the store of conversations on first use and keeps it for the life of the app.
 *
 * Returns: (transfer none) (nullable): the store
 */
SamStore *
sam_application_get_store (SamApplication *self, GError **error)
{
  g_return_val_if_fail (SAM_IS_APPLICATION (self), NULL);

  if (self->store == NULL)
    self->store = sam_store_new (error);

  return self->store;
}

/* The tray, quick reply and background side of the application; %NULL before startup. */
SamApplicationDesktop *
sam_application_get_desktop (SamApplication *self)
{
  g_return_val_if_fail (SAM_IS_APPLICATION (self), NULL);

  return self->desktop;
}

/* The model the companion talks to, or NULL while none is set up. */
SamProvider *
sam_application_get_provider (SamApplication *self)
{
  g_return_val_if_fail (SAM_IS_APPLICATION (self), NULL);

  return self->provider;
}

/**
 * sam_application_get_archive_indexer:
 *
 * The one indexer that reads the folders the user chose, made on first use; %NULL when the
 * store cannot be opened.
 */
SamArchiveIndexer *
sam_application_get_archive_indexer (SamApplication *self)
{
  SamStore *store;

  g_return_val_if_fail (SAM_IS_APPLICATION (self), NULL);

  if (self->archive_indexer == NULL && (store = sam_application_get_store (self, NULL)))
    self->archive_indexer = sam_archive_indexer_new (store);
  return self->archive_indexer;
}
