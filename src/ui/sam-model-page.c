/* sam-model-page.c — Preferences → Model: provider, base URL, model, API key, test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "desktop/sam-secrets.h"
#include "model/sam-provider-config.h"
#include "sam-model-page.h"

/* The provider, base URL and model go to GSettings; the key goes to the keyring only, and
 * the page never reads it back into a widget: it only asks whether one is stored. */

struct _SamModelPage
{
  AdwPreferencesPage parent_instance;

  GSettings    *settings;
  GCancellable *cancellable;
  guint         updating;
  gboolean      has_key;

  /* Template widgets */
  AdwComboRow         *provider_row;
  AdwEntryRow         *base_url_row;
  AdwComboRow         *model_row;
  GtkStringList       *models;
  GtkButton           *refresh_button;
  AdwPreferencesGroup *key_group;
  AdwPasswordEntryRow *key_row;
  AdwActionRow        *key_status_row;
  GtkButton           *remove_key_button;
  AdwActionRow        *test_row;
  AdwEntryRow         *embedding_model_row;
  GtkSpinner          *test_spinner;
  GtkButton           *test_button;
};

G_DEFINE_FINAL_TYPE (SamModelPage, sam_model_page, ADW_TYPE_PREFERENCES_PAGE)

/* The provider row lists these in order; GSettings stores their names. */
static const char *provider_ids[] = { "auto", "openai", "anthropic", "ollama" };

static const char *
current_provider (SamModelPage *self)
{
  guint selected = adw_combo_row_get_selected (self->provider_row);

  return selected < G_N_ELEMENTS (provider_ids) ? provider_ids[selected] : "auto";
}

static gboolean
is_auto (SamModelPage *self)
{
  return g_str_equal (current_provider (self), "auto");
}

/* What the base URL row says, or the provider's own address. */
static char *
current_base_url (SamModelPage *self)
{
  char *url =
      sam_provider_normalize_base_url (gtk_editable_get_text (GTK_EDITABLE (self->base_url_row)));

  return url ? url : g_strdup (sam_provider_default_base_url (current_provider (self)));
}

static void
add_toast (SamModelPage *self, const char *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
}

/* The model list: "Default" first (an empty setting), then what the server offers. */
static void
fill_models (SamModelPage *self, const char *const *names)
{
  g_autofree char *current = g_settings_get_string (self->settings, "model");
  guint            selected = 0;
  guint            n = 0;

  self->updating++;
  gtk_string_list_splice (self->models, 0, g_list_model_get_n_items (G_LIST_MODEL (self->models)),
                          NULL);
  gtk_string_list_append (self->models, _ ("Default"));
  n++;

  if (*current && !(names && g_strv_contains (names, current)))
    {
      gtk_string_list_append (self->models, current);
      selected = n++;
    }

  for (guint i = 0; names && names[i]; i++, n++)
    {
      gtk_string_list_append (self->models, names[i]);
      if (g_str_equal (names[i], current))
        selected = n;
    }

  adw_combo_row_set_selected (self->model_row, selected);
  self->updating--;
}

static void
update_key_status (SamModelPage *self)
{
  g_autofree char *url = current_base_url (self);
  g_autofree char *name = sam_provider_name_for_url (current_provider (self), url);
  g_autofree char *subtitle = NULL;

  if (g_getenv ("SAMANTHA_API_KEY") && *g_getenv ("SAMANTHA_API_KEY"))
    subtitle = g_strdup (_ ("SAMANTHA_API_KEY is set and is used instead of the keyring"));
  else if (self->has_key)
    subtitle = g_strdup_printf (_ ("An API key for %s is stored"), name);
  else
    subtitle = g_strdup_printf (_ ("No API key for %s is stored"), name);

  adw_action_row_set_subtitle (self->key_status_row, subtitle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_key_button), self->has_key);
  gtk_widget_set_sensitive (GTK_WIDGET (self->key_group), !is_auto (self));
}

static void
key_lookup_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamModelPage) self = user_data;
  g_autoptr (GError) error = NULL;
  char *api_key = sam_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Only whether there is one: the key itself is wiped at once. */
  self->has_key = api_key != NULL;
  sam_secrets_free_key (api_key);

  if (error)
    adw_action_row_set_subtitle (self->key_status_row, error->message);
  else
    update_key_status (self);
}

static void
refresh_key_status (SamModelPage *self)
{
  g_autofree char *url = current_base_url (self);

  self->has_key = FALSE;
  update_key_status (self);
  if (is_auto (self))
    return;

  sam_secrets_lookup_async (current_provider (self), url, self->cancellable, key_lookup_cb,
                            g_object_ref (self));
}

static void
show_base_url (SamModelPage *self)
{
  g_autofree char *url = g_settings_get_string (self->settings, "base-url");

  self->updating++;
  if (*url == '\0' && !is_auto (self))
    gtk_editable_set_text (GTK_EDITABLE (self->base_url_row),
                           sam_provider_default_base_url (current_provider (self)));
  else
    gtk_editable_set_text (GTK_EDITABLE (self->base_url_row), url);
  gtk_widget_set_sensitive (GTK_WIDGET (self->base_url_row), !is_auto (self));
  self->updating--;
}

static void
provider_changed_cb (SamModelPage *self)
{
  g_autoptr (GSettings) batch = NULL;

  if (self->updating)
    return;

  /* The URL and model belong to the provider they were chosen for; all three change at
   * once, so the application reloads its provider once. */
  batch = g_settings_new (APP_ID);
  g_settings_delay (batch);
  g_settings_set_string (batch, "provider", current_provider (self));
  g_settings_set_string (batch, "base-url", "");
  g_settings_set_string (batch, "model", "");
  g_settings_apply (batch);

  show_base_url (self);
  fill_models (self, NULL);
  refresh_key_status (self);
}

static void
base_url_applied_cb (SamModelPage *self)
{
  g_autofree char *url =
      sam_provider_normalize_base_url (gtk_editable_get_text (GTK_EDITABLE (self->base_url_row)));
  const char *fallback = sam_provider_default_base_url (current_provider (self));

  /* The provider's own address is stored as "none", so it follows the provider. */
  g_settings_set_string (self->settings, "base-url",
                         url && g_strcmp0 (url, fallback) != 0 ? url : "");
  show_base_url (self);
  refresh_key_status (self);
}

static void
model_changed_cb (SamModelPage *self)
{
  guint selected = adw_combo_row_get_selected (self->model_row);

  if (self->updating || selected == GTK_INVALID_LIST_POSITION)
    return;

  g_settings_set_string (self->settings, "model",
                         selected == 0 ? "" : gtk_string_list_get_string (self->models, selected));
}

static void
key_stored_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamModelPage) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!sam_secrets_store_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        add_toast (self, error->message);
      return;
    }

  self->has_key = TRUE;
  update_key_status (self);
  add_toast (self, _ ("The API key is saved in your keyring"));
}

static void
key_applied_cb (SamModelPage *self)
{
  g_autofree char *key =
      g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->key_row))));
  g_autofree char *url = current_base_url (self);

  /* The field is emptied at once: the key is on its way to the keyring, not kept here. */
  gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");

  if (*key && !is_auto (self))
    sam_secrets_store_async (current_provider (self), url, key, self->cancellable, key_stored_cb,
                             g_object_ref (self));

  memset (key, 0, strlen (key));
}

static void
key_removed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamModelPage) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!sam_secrets_clear_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        add_toast (self, error->message);
      return;
    }

  self->has_key = FALSE;
  update_key_status (self);
  add_toast (self, _ ("The API key was removed from your keyring"));
}

static void
remove_key_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamModelPage    *self = SAM_MODEL_PAGE (widget);
  g_autofree char *url = current_base_url (self);

  sam_secrets_clear_async (current_provider (self), url, self->cancellable, key_removed_cb,
                           g_object_ref (self));
}

/* Testing the connection: the provider as the page describes it, the key as a reply would
 * get it, and a real request for the list of models. */

static void
test_done (SamModelPage *self, const char *outcome)
{
  adw_action_row_set_subtitle (self->test_row, outcome);
  gtk_spinner_stop (self->test_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->test_spinner), FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "model.test-connection", TRUE);
  add_toast (self, outcome);
}

static void
models_listed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamModelPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) models = sam_provider_list_models_finish (SAM_PROVIDER (object), result, &error);
  g_autofree char *outcome = NULL;
  guint            n;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (models == NULL)
    {
      test_done (self, error->message);
      return;
    }

  n = g_strv_length (models);
  fill_models (self, (const char *const *) models);
  outcome = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Connected to %s: %u model available",
                                          "Connected to %s: %u models available", n),
                             sam_provider_get_name (SAM_PROVIDER (object)), n);
  test_done (self, outcome);
}

typedef struct
{
  SamModelPage      *self;
  SamProviderConfig *config;
} Test;

static void
test_free (Test *test)
{
  g_object_unref (test->self);
  sam_provider_config_free (test->config);
  g_free (test);
}

static void
list_models_with_key (Test *test, const char *api_key)
{
  g_autoptr (SamProvider) provider = sam_provider_config_create (test->config, api_key);

  sam_provider_list_models_async (provider, test->self->cancellable, models_listed_cb,
                                  g_object_ref (test->self));
}

static void
test_key_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Test *test = user_data;
  g_autoptr (GError) error = NULL;
  char *api_key = sam_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      test_free (test);
      return;
    }

  /* Without a key the server says what it thinks of that, which is the real outcome. */
  list_models_with_key (test, api_key);
  sam_secrets_free_key (api_key);
  test_free (test);
}

static void
test_with_config (SamModelPage *self, SamProviderConfig *config)
{
  Test *test = g_new0 (Test, 1);

  test->self = g_object_ref (self);
  test->config = config;

  if (config->api_key)
    {
      list_models_with_key (test, NULL);
      test_free (test);
      return;
    }

  sam_secrets_lookup_async (config->provider, config->base_url, self->cancellable, test_key_cb,
                            test);
}

static void
test_resolved_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamModelPage) self = user_data;
  g_autoptr (GError) error = NULL;
  SamProviderConfig *config = sam_provider_config_resolve_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (config == NULL)
    test_done (self, error->message);
  else
    test_with_config (self, config);
}

static void
test_connection_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamModelPage *self = SAM_MODEL_PAGE (widget);

  gtk_widget_action_set_enabled (widget, "model.test-connection", FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->test_spinner), TRUE);
  gtk_spinner_start (self->test_spinner);
  adw_action_row_set_subtitle (self->test_row, _ ("Testing…"));

  if (is_auto (self))
    {
      /* What a reply would use: the environment, or what runs on this computer. */
      sam_provider_config_resolve_async (self->settings, self->cancellable, test_resolved_cb,
                                         g_object_ref (self));
    }
  else
    {
      g_autofree char   *url = current_base_url (self);
      g_autofree char   *model = g_settings_get_string (self->settings, "model");
      SamProviderConfig *config = sam_provider_config_new (current_provider (self), url, model);
      const char        *env_key = g_getenv ("SAMANTHA_API_KEY");

      config->api_key = g_strdup (env_key && *env_key ? env_key : NULL);
      test_with_config (self, config);
    }
}

static void
sam_model_page_dispose (GObject *object)
{
  SamModelPage *self = SAM_MODEL_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_MODEL_PAGE);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sam_model_page_parent_class)->dispose (object);
}

static void
sam_model_page_class_init (SamModelPageClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_model_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/sam-model-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, provider_row);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, base_url_row);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, model_row);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, embedding_model_row);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, models);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, key_group);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, key_row);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, key_status_row);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, remove_key_button);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, test_row);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, test_spinner);
  gtk_widget_class_bind_template_child (widget_class, SamModelPage, test_button);
  gtk_widget_class_bind_template_callback (widget_class, base_url_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_applied_cb);

  gtk_widget_class_install_action (widget_class, "model.test-connection", NULL,
                                   test_connection_action);
  gtk_widget_class_install_action (widget_class, "model.remove-key", NULL, remove_key_action);
}

static void
sam_model_page_init (SamModelPage *self)
{
  g_autofree char *provider = NULL;
  guint            selected = 0;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  self->cancellable = g_cancellable_new ();

  provider = g_settings_get_string (self->settings, "provider");
  for (guint i = 0; i < G_N_ELEMENTS (provider_ids); i++)
    if (g_str_equal (provider, provider_ids[i]))
      selected = i;

  self->updating++;
  adw_combo_row_set_selected (self->provider_row, selected);
  self->updating--;
  show_base_url (self);
  fill_models (self, NULL);
  refresh_key_status (self);
  g_settings_bind (self->settings, "embedding-model", self->embedding_model_row, "text",
                   G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_swapped (self->provider_row, "notify::selected",
                            G_CALLBACK (provider_changed_cb), self);
  g_signal_connect_swapped (self->model_row, "notify::selected", G_CALLBACK (model_changed_cb),
                            self);
}

GtkWidget *
sam_model_page_new (void)
{
  return g_object_new (SAM_TYPE_MODEL_PAGE, NULL);
}
