/* sam-wellbeing-page.c — Preferences → Wellbeing: the crisis protocol, reminders, age, counts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page says in plain words what happens when a message suggests a crisis, shows the crisis
 * lines for the user's country, holds the break-reminder and under-18 settings, and lists how
 * many moments of concern the store counted per day (never any text: there is none to show).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-crisis-banner.h"
#include "sam-wellbeing-page.h"

#define DAYS_SHOWN 30

struct _SamWellbeingPage
{
  AdwPreferencesPage parent_instance;

  GSettings *settings;
  SamStore  *store;

  /* Template widgets */
  GtkLabel        *protocol_label;
  SamCrisisBanner *banner;
  GtkSwitch       *break_switch;
  AdwActionRow    *break_minutes_row;
  GtkSpinButton   *break_minutes_spin;
  GtkSwitch       *minor_switch;
  GtkListBox      *events_list;
};

G_DEFINE_FINAL_TYPE (SamWellbeingPage, sam_wellbeing_page, ADW_TYPE_PREFERENCES_PAGE)

enum
{
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The kinds the detector records (sam_safety_kind_to_string), in the words the page uses. */
static const char *
kind_label (const char *kind)
{
  if (g_str_equal (kind, "ideation"))
    return _ ("Thoughts of not wanting to live");
  if (g_str_equal (kind, "plan"))
    return _ ("Talk of a plan or a means");
  if (g_str_equal (kind, "self-harm"))
    return _ ("Self-harm");
  if (g_str_equal (kind, "farewell"))
    return _ ("Goodbye messages");
  return _ ("Other");
}

static GtkWidget *
day_row_new (GDateTime *day, const char *summary)
{
  GtkWidget *row = adw_action_row_new ();
  /* Translators: a day in the list of moments of concern, in strftime(3) format */
  g_autofree char *title = g_date_time_format (day, _ ("%A, %B %e"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), g_strstrip (title));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), summary);
  return row;
}

/**
 * sam_wellbeing_page_refresh:
 *
 * Reads the counts of the last 30 days from the store again.
 */
void
sam_wellbeing_page_refresh (SamWellbeingPage *self)
{
  static const char *kinds[] = { "ideation", "plan", "self-harm", "farewell" };
  g_autoptr (GDateTime) today = g_date_time_new_now_local ();
  GtkWidget *child;
  guint      n_days = 0;

  g_return_if_fail (SAM_IS_WELLBEING_PAGE (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->events_list))) != NULL)
    gtk_list_box_remove (self->events_list, child);

  for (int back = 0; self->store != NULL && back < DAYS_SHOWN; back++)
    {
      g_autoptr (GDateTime) day = g_date_time_add_days (today, -back);
      g_autofree char *key = g_date_time_format (day, "%Y-%m-%d");
      g_autoptr (GString) summary = g_string_new (NULL);
      guint total = sam_store_count_safety_events (self->store, key, NULL, NULL);
      guint known = 0;

      if (total == 0)
        continue;
      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          guint count = sam_store_count_safety_events (self->store, key, kinds[k], NULL);

          if (count == 0)
            continue;
          known += count;
          if (summary->len > 0)
            g_string_append (summary, " · ");
          /* Translators: a kind of moment of concern and how many there were that day */
          g_string_append_printf (summary, C_ ("safety count", "%s: %u"), kind_label (kinds[k]),
                                  count);
        }
      if (total > known)
        {
          if (summary->len > 0)
            g_string_append (summary, " · ");
          g_string_append_printf (summary, C_ ("safety count", "%s: %u"), kind_label ("other"),
                                  total - known);
        }

      gtk_list_box_append (self->events_list, day_row_new (day, summary->str));
      n_days++;
    }

  if (n_days == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _ ("None in the last 30 days"));
      gtk_list_box_append (self->events_list, row);
    }
}

/* In the preferences window the page finds the application's store itself. */
/* The window may only get its application after the page is added, so look again on map. */
static void
sam_wellbeing_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (sam_wellbeing_page_parent_class)->map (widget);

  sam_wellbeing_page_refresh (SAM_WELLBEING_PAGE (widget));
}

static void
sam_wellbeing_page_dispose (GObject *object)
{
  SamWellbeingPage *self = SAM_WELLBEING_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_WELLBEING_PAGE);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sam_wellbeing_page_parent_class)->dispose (object);
}

static void
sam_wellbeing_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamWellbeingPage *self = SAM_WELLBEING_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_wellbeing_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SamWellbeingPage *self = SAM_WELLBEING_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      sam_wellbeing_page_set_store (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_wellbeing_page_class_init (SamWellbeingPageClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_wellbeing_page_dispose;
  object_class->get_property = sam_wellbeing_page_get_property;
  object_class->set_property = sam_wellbeing_page_set_property;
  widget_class->map = sam_wellbeing_page_map;

  properties[PROP_STORE] =
      g_param_spec_object ("store", NULL, NULL, SAM_TYPE_STORE,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SAM_TYPE_CRISIS_BANNER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-wellbeing-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SamWellbeingPage, protocol_label);
  gtk_widget_class_bind_template_child (widget_class, SamWellbeingPage, banner);
  gtk_widget_class_bind_template_child (widget_class, SamWellbeingPage, break_switch);
  gtk_widget_class_bind_template_child (widget_class, SamWellbeingPage, break_minutes_row);
  gtk_widget_class_bind_template_child (widget_class, SamWellbeingPage, break_minutes_spin);
  gtk_widget_class_bind_template_child (widget_class, SamWellbeingPage, minor_switch);
  gtk_widget_class_bind_template_child (widget_class, SamWellbeingPage, events_list);
}

static void
sam_wellbeing_page_init (SamWellbeingPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "break-reminder", self->break_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "break-reminder", self->break_minutes_row, "sensitive",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "break-reminder-minutes", self->break_minutes_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "user-is-minor", self->minor_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  sam_wellbeing_page_refresh (self);
}

GtkWidget *
sam_wellbeing_page_new (void)
{
  return g_object_new (SAM_TYPE_WELLBEING_PAGE, NULL);
}

SamStore *
sam_wellbeing_page_get_store (SamWellbeingPage *self)
{
  g_return_val_if_fail (SAM_IS_WELLBEING_PAGE (self), NULL);

  return self->store;
}

void
sam_wellbeing_page_set_store (SamWellbeingPage *self, SamStore *store)
{
  g_return_if_fail (SAM_IS_WELLBEING_PAGE (self));
  g_return_if_fail (store == NULL || SAM_IS_STORE (store));

  if (g_set_object (&self->store, store))
    {
      sam_wellbeing_page_refresh (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
    }
}
