/* sam-background-group.c — the preferences about the tray and running in the background.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The switches only store settings. The application watches them and does the work: showing
 * the tray, holding itself while in the background, asking the portal or writing the autostart
 * file. */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-background-group.h"

struct _SamBackgroundGroup
{
  AdwPreferencesGroup parent_instance;

  GSettings *settings;

  /* Template widgets */
  GtkSwitch *tray_switch;
  GtkSwitch *background_switch;
  GtkSwitch *login_switch;
};

G_DEFINE_FINAL_TYPE (SamBackgroundGroup, sam_background_group, ADW_TYPE_PREFERENCES_GROUP)

static void
sam_background_group_dispose (GObject *object)
{
  SamBackgroundGroup *self = SAM_BACKGROUND_GROUP (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_BACKGROUND_GROUP);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sam_background_group_parent_class)->dispose (object);
}

static void
sam_background_group_class_init (SamBackgroundGroupClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_background_group_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-background-group.ui");
  gtk_widget_class_bind_template_child (widget_class, SamBackgroundGroup, tray_switch);
  gtk_widget_class_bind_template_child (widget_class, SamBackgroundGroup, background_switch);
  gtk_widget_class_bind_template_child (widget_class, SamBackgroundGroup, login_switch);
}

static void
sam_background_group_init (SamBackgroundGroup *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "show-in-tray", self->tray_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "start-at-login", self->login_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
}

GtkWidget *
sam_background_group_new (void)
{
  return g_object_new (SAM_TYPE_BACKGROUND_GROUP, NULL);
}
