/* sam-preferences-window.c — the preferences window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-preferences-window.h"

#include "sam-background-group.h"
#include "sam-memory-page.h"
#include "sam-model-page.h"
#include "sam-wellbeing-page.h"

struct _SamPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;
  GtkWidget *wellbeing_page;
  GtkWidget *memory_page;

  /* Template widgets */
  AdwComboRow *style_row;
};

G_DEFINE_FINAL_TYPE (SamPreferencesWindow, sam_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The style row lists these in order; GSettings stores their names. */
static const char *color_schemes[] = { "default", "force-light", "force-dark" };

static gboolean
style_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *scheme = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (color_schemes); i++)
    {
      if (g_str_equal (scheme, color_schemes[i]))
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }

  return FALSE;
}

static GVariant *
style_set_mapping (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (color_schemes))
    return NULL;

  return g_variant_new_string (color_schemes[position]);
}

static void
sam_preferences_window_dispose (GObject *object)
{
  SamPreferencesWindow *self = SAM_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sam_preferences_window_parent_class)->dispose (object);
}

static void
sam_preferences_window_class_init (SamPreferencesWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SamPreferencesWindow, style_row);
  g_type_ensure (SAM_TYPE_BACKGROUND_GROUP);
}

static void
sam_preferences_window_init (SamPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (sam_model_page_new ()));
  self->wellbeing_page = sam_wellbeing_page_new ();
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (self->wellbeing_page));
  self->memory_page = sam_memory_page_new ();
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (self->memory_page));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind_with_mapping (self->settings, "color-scheme", self->style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, style_get_mapping, style_set_mapping, NULL,
                                NULL);
}

SamPreferencesWindow *
sam_preferences_window_new (SamApplication *application)
{
  SamPreferencesWindow *self;
  SamStore             *store;

  g_return_val_if_fail (SAM_IS_APPLICATION (application), NULL);

  self = g_object_new (SAM_TYPE_PREFERENCES_WINDOW, "application", application, NULL);

  /* The pages that show what is stored read the app's own store. */
  if ((store = sam_application_get_store (application, NULL)))
    {
      sam_wellbeing_page_set_store (SAM_WELLBEING_PAGE (self->wellbeing_page), store);
      sam_memory_page_set_store (SAM_MEMORY_PAGE (self->memory_page), store);
    }

  return self;
}
