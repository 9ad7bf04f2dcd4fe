/* sam-crisis-banner.c — the crisis lines for the user's country, shown in the conversation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shown by the app itself the moment the detector sees a risk, whatever the model does. Each
 * line has a button that copies its number (a desktop cannot dial) and a link to its site.
 * Libadwaita 1.2 has no AdwBanner; this is a plain box with a boxed list.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "companion/sam-crisis-resources.h"
#include "sam-crisis-banner.h"

struct _SamCrisisBanner
{
  GtkWidget parent_instance;

  char *country;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkListBox      *list;
  GtkLabel        *emergency_label;
};

G_DEFINE_FINAL_TYPE (SamCrisisBanner, sam_crisis_banner, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_COUNTRY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_toast (SamCrisisBanner *self, const char *text)
{
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));
  GtkWidget *overlay = parent ? gtk_widget_get_ancestor (parent, ADW_TYPE_TOAST_OVERLAY) : NULL;
  GtkRoot   *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwToast  *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 2);

  /* The window's own toasts where there are some, the banner's otherwise. */
  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  else if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), toast);
  else
    adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
copy_number_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamCrisisBanner *self = SAM_CRISIS_BANNER (widget);
  const char      *number = g_variant_get_string (parameter, NULL);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), number);
  show_toast (self, _ ("Number copied"));
}

static GtkWidget *
line_row_new (const SamCrisisLine *line)
{
  GtkWidget       *row = adw_action_row_new ();
  GtkWidget       *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  GtkWidget       *link = gtk_link_button_new (line->url);
  g_autofree char *how = sam_crisis_line_describe (line);
  /* Translators: accessible label of a button; %s is a phone number such as 142 */
  g_autofree char *copy_label = g_strdup_printf (_ ("Copy the number %s"), line->number);
  /* Translators: accessible label of a link; %s is the name of a crisis line */
  g_autofree char *link_label = g_strdup_printf (_ ("Website of %s"), line->name);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), line->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), how);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_set_name (row, line->number);

  gtk_widget_set_valign (copy, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (copy, _ ("Copy number"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (copy), "banner.copy-number");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (copy), "s", line->number);
  gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL, copy_label,
                                  -1);
  gtk_widget_add_css_class (copy, "flat");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), copy);

  gtk_button_set_child (GTK_BUTTON (link), gtk_image_new_from_icon_name ("web-browser-symbolic"));
  gtk_widget_set_valign (link, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (link, line->url);
  gtk_accessible_update_property (GTK_ACCESSIBLE (link), GTK_ACCESSIBLE_PROPERTY_LABEL, link_label,
                                  -1);
  gtk_widget_add_css_class (link, "flat");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), link);

  return row;
}

static GtkWidget *
directory_row_new (SamCrisisResources *resources, gboolean only)
{
  GtkWidget  *row = adw_action_row_new ();
  const char *url = sam_crisis_resources_get_directory_url (resources);
  GtkWidget  *link = gtk_link_button_new (url);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 only ? _ ("Find a helpline in your country")
                                      : _ ("Helplines in other countries"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               sam_crisis_resources_get_directory_name (resources));
  gtk_widget_set_name (row, "directory");

  gtk_button_set_child (GTK_BUTTON (link), gtk_image_new_from_icon_name ("web-browser-symbolic"));
  gtk_widget_set_valign (link, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (link, url);
  gtk_accessible_update_property (GTK_ACCESSIBLE (link), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Open the international directory of helplines"), -1);
  gtk_widget_add_css_class (link, "flat");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), link);

  return row;
}

static void
rebuild (SamCrisisBanner *self)
{
  SamCrisisResources *resources = sam_crisis_resources_get_default ();
  g_autofree char    *locale = sam_crisis_locale_from_environment ();
  g_autofree char    *language = sam_crisis_language_from_locale (locale);
  g_autoptr (GPtrArray) lines = NULL;
  const char *emergency;
  GtkWidget  *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  lines = sam_crisis_resources_get_lines (resources, self->country, language);
  for (guint i = 0; i < lines->len; i++)
    gtk_list_box_append (self->list, line_row_new (g_ptr_array_index (lines, i)));
  gtk_list_box_append (self->list, directory_row_new (resources, lines->len == 0));

  emergency = sam_crisis_resources_get_emergency_number (resources, self->country);
  if (emergency != NULL)
    {
      /* Translators: %s is an emergency number such as 112 or 911 */
      g_autofree char *text =
          g_strdup_printf (_ ("If you are in immediate danger, call %s."), emergency);

      gtk_label_set_text (self->emergency_label, text);
    }
  else
    gtk_label_set_text (self->emergency_label,
                        _ ("If you are in immediate danger, call your local emergency number."));
}

static void
sam_crisis_banner_dispose (GObject *object)
{
  SamCrisisBanner *self = SAM_CRISIS_BANNER (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_CRISIS_BANNER);

  G_OBJECT_CLASS (sam_crisis_banner_parent_class)->dispose (object);
}

static void
sam_crisis_banner_finalize (GObject *object)
{
  SamCrisisBanner *self = SAM_CRISIS_BANNER (object);

  g_free (self->country);

  G_OBJECT_CLASS (sam_crisis_banner_parent_class)->finalize (object);
}

static void
sam_crisis_banner_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamCrisisBanner *self = SAM_CRISIS_BANNER (object);

  switch (prop_id)
    {
    case PROP_COUNTRY:
      g_value_set_string (value, self->country);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_crisis_banner_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SamCrisisBanner *self = SAM_CRISIS_BANNER (object);

  switch (prop_id)
    {
    case PROP_COUNTRY:
      sam_crisis_banner_set_country (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_crisis_banner_class_init (SamCrisisBannerClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_crisis_banner_dispose;
  object_class->finalize = sam_crisis_banner_finalize;
  object_class->get_property = sam_crisis_banner_get_property;
  object_class->set_property = sam_crisis_banner_set_property;

  /**
   * SamCrisisBanner:country:
   *
   * The ISO 3166 code whose lines are shown; %NULL (or a country without lines) shows the
   * international directory. It starts as the country of the user's locale.
   */
  properties[PROP_COUNTRY] =
      g_param_spec_string ("country", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-crisis-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, SamCrisisBanner, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SamCrisisBanner, list);
  gtk_widget_class_bind_template_child (widget_class, SamCrisisBanner, emergency_label);
  gtk_widget_class_install_action (widget_class, "banner.copy-number", "s", copy_number_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "crisisbanner");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_ALERT);
}

static void
sam_crisis_banner_init (SamCrisisBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "card");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Crisis support"), -1);

  self->country = sam_crisis_country_from_environment ();
  rebuild (self);
}

/**
 * sam_crisis_banner_new:
 *
 * Returns: a banner with the crisis lines for the country of the user's locale
 */
GtkWidget *
sam_crisis_banner_new (void)
{
  return g_object_new (SAM_TYPE_CRISIS_BANNER, NULL);
}

const char *
sam_crisis_banner_get_country (SamCrisisBanner *self)
{
  g_return_val_if_fail (SAM_IS_CRISIS_BANNER (self), NULL);

  return self->country;
}

void
sam_crisis_banner_set_country (SamCrisisBanner *self, const char *country)
{
  g_return_if_fail (SAM_IS_CRISIS_BANNER (self));

  if (g_strcmp0 (self->country, country) == 0)
    return;
  g_free (self->country);
  self->country = g_strdup (country);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COUNTRY]);
}

/* The list of lines, for tests and for the page that embeds the banner. */
GtkListBox *
sam_crisis_banner_get_list (SamCrisisBanner *self)
{
  g_return_val_if_fail (SAM_IS_CRISIS_BANNER (self), NULL);

  return self->list;
}
