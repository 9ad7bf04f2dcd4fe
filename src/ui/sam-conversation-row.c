/* sam-conversation-row.c — one conversation in the sidebar: title, when, pinned.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-conversation-row.h"

struct _SamConversationRow
{
  GtkWidget parent_instance;

  SamConversation *conversation;
  GBinding        *title_binding;

  GtkWidget *box;
  GtkLabel  *title_label;
  GtkLabel  *time_label;
  GtkWidget *pin_image; /* made when first needed: most conversations are not pinned */
};

G_DEFINE_FINAL_TYPE (SamConversationRow, sam_conversation_row, GTK_TYPE_WIDGET)

/* Says when something happened the way a person would: a time today, a weekday this week,
 * a date before that. */
char *
sam_format_relative_time (gint64 unix_time)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) then = g_date_time_new_from_unix_local (unix_time);
  g_autoptr (GDateTime) today = NULL;
  GTimeSpan age;

  if (then == NULL)
    return g_strdup ("");

  today = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                 g_date_time_get_day_of_month (now), 0, 0, 0);
  age = g_date_time_difference (today, then);

  if (age <= 0)
    /* Translators: a time of day today, see the GDateTime format codes. */
    return g_date_time_format (then, _ ("%H:%M"));
  if (age <= G_TIME_SPAN_DAY)
    return g_strdup (_ ("Yesterday"));
  if (age < 6 * G_TIME_SPAN_DAY)
    return g_date_time_format (then, "%A");
  if (g_date_time_get_year (then) == g_date_time_get_year (now))
    /* Translators: a day earlier this year, see the GDateTime format codes. */
    return g_date_time_format (then, _ ("%e %B"));

  /* Translators: a day in an earlier year, see the GDateTime format codes. */
  return g_date_time_format (then, _ ("%e %B %Y"));
}

static void
update_time (SamConversationRow *self)
{
  g_autofree char *when =
      sam_format_relative_time (sam_conversation_get_updated (self->conversation) / G_USEC_PER_SEC);

  gtk_label_set_text (self->time_label, when);
}

static void
update_pinned (SamConversationRow *self)
{
  gboolean pinned = sam_conversation_get_pinned (self->conversation);

  if (pinned && self->pin_image == NULL)
    {
      self->pin_image = gtk_image_new_from_icon_name ("view-pin-symbolic");
      gtk_widget_set_valign (self->pin_image, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (self->pin_image, _ ("Pinned"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->pin_image),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Pinned"), -1);
      gtk_widget_add_css_class (self->pin_image, "dim-label");
      gtk_box_append (GTK_BOX (self->box), self->pin_image);
    }
  if (self->pin_image != NULL)
    gtk_widget_set_visible (self->pin_image, pinned);
}

static void
sam_conversation_row_dispose (GObject *object)
{
  SamConversationRow *self = SAM_CONVERSATION_ROW (object);

  sam_conversation_row_set_conversation (self, NULL);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (sam_conversation_row_parent_class)->dispose (object);
}

static void
sam_conversation_row_class_init (SamConversationRowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_conversation_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "conversationrow");
}

/* Built in code rather than from a template: the sidebar makes one of these for every
 * conversation on screen at startup, and parsing a template each time shows in the
 * time to first frame. */
static void
sam_conversation_row_init (SamConversationRow *self)
{
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->title_label, 0);
  gtk_label_set_ellipsize (self->title_label, PANGO_ELLIPSIZE_END);

  self->time_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->time_label, 0);
  gtk_label_set_ellipsize (self->time_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->time_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->time_label), "dim-label");

  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->title_label));
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->time_label));
  gtk_box_append (GTK_BOX (self->box), labels);
}

GtkWidget *
sam_conversation_row_new (void)
{
  return g_object_new (SAM_TYPE_CONVERSATION_ROW, NULL);
}

SamConversation *
sam_conversation_row_get_conversation (SamConversationRow *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION_ROW (self), NULL);

  return self->conversation;
}

void
sam_conversation_row_set_conversation (SamConversationRow *self, SamConversation *conversation)
{
  g_return_if_fail (SAM_IS_CONVERSATION_ROW (self));

  if (self->conversation == conversation)
    return;

  g_clear_pointer (&self->title_binding, g_binding_unbind);
  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);

  g_set_object (&self->conversation, conversation);

  if (conversation == NULL)
    return;

  self->title_binding = g_object_bind_property (conversation, "title", self->title_label, "label",
                                                G_BINDING_SYNC_CREATE);
  g_signal_connect_object (conversation, "notify::pinned", G_CALLBACK (update_pinned), self,
                           G_CONNECT_SWAPPED);
  update_pinned (self);
  g_signal_connect_object (conversation, "notify::updated", G_CALLBACK (update_time), self,
                           G_CONNECT_SWAPPED);
  update_time (self);
}
