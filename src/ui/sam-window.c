/* sam-window.c — the main window: conversation list and conversation area.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-window.h"

struct _SamWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwLeaflet      *leaflet;
  GtkWidget       *sidebar;
  GtkWidget       *content;
  GtkSearchBar    *search_bar;
  GtkSearchEntry  *search_entry;
  GtkStack        *sidebar_stack;
  GtkListBox      *conversation_list;
  GtkStack        *content_stack;
  AdwWindowTitle  *content_title;
  GtkMenuButton   *primary_menu_button;
  GtkWidget       *new_conversation_button;
  GtkWidget       *search_button;
  GtkWidget       *back_button;
  AdwStatusPage   *welcome_page;
};

G_DEFINE_FINAL_TYPE (SamWindow, sam_window, ADW_TYPE_APPLICATION_WINDOW)

static void
sam_window_save_state (SamWindow *self)
{
  int width;
  int height;

  g_assert (SAM_IS_WINDOW (self));

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  /* The default size is the unmaximized size, which is the one worth restoring. */
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

static gboolean
sam_window_close_request (GtkWindow *window)
{
  sam_window_save_state (SAM_WINDOW (window));

  return GTK_WINDOW_CLASS (sam_window_parent_class)->close_request (window);
}

static void
sam_window_show_sidebar_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow *self = SAM_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
}

static void
sam_window_toggle_search_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow *self = SAM_WINDOW (widget);
  gboolean   enabled = !gtk_search_bar_get_search_mode (self->search_bar);

  if (enabled)
    adw_leaflet_set_visible_child (self->leaflet, self->sidebar);

  gtk_search_bar_set_search_mode (self->search_bar, enabled);

  if (enabled)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
sam_window_constructed (GObject *object)
{
  SamWindow *self = SAM_WINDOW (object);

  G_OBJECT_CLASS (sam_window_parent_class)->constructed (object);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));

  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
sam_window_dispose (GObject *object)
{
  SamWindow *self = SAM_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_WINDOW);

  G_OBJECT_CLASS (sam_window_parent_class)->dispose (object);
}

static void
sam_window_finalize (GObject *object)
{
  SamWindow *self = SAM_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sam_window_parent_class)->finalize (object);
}

static void
sam_window_class_init (SamWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = sam_window_constructed;
  object_class->dispose = sam_window_dispose;
  object_class->finalize = sam_window_finalize;

  window_class->close_request = sam_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/sam-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SamWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, content);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, conversation_list);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, new_conversation_button);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, welcome_page);

  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL,
                                   sam_window_show_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-search", NULL,
                                   sam_window_toggle_search_action);
}

static void
sam_window_init (SamWindow *self)
{
  self->settings = g_settings_new (APP_ID);

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
}

SamWindow *
sam_window_new (SamApplication *application)
{
  g_return_val_if_fail (SAM_IS_APPLICATION (application), NULL);

  return g_object_new (SAM_TYPE_WINDOW, "application", application, NULL);
}

void
sam_window_add_toast (SamWindow *self, AdwToast *toast)
{
  g_return_if_fail (SAM_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
