/* sam-message-row.c — one message of a conversation, as the conversation view shows it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-markdown-view.h"
#include "sam-message-row.h"

#define STREAM_RENDER_INTERVAL_US (G_USEC_PER_SEC / 20)

struct _SamMessageRow
{
  GtkWidget parent_instance;

  SamMessage *message;
  gboolean    is_last;
  /* Streaming text is shown at most once per STREAM_RENDER_INTERVAL_US, however fast it
   * arrives. */
  guint  render_id;
  gint64 last_render;

  /* Template widgets */
  GtkWidget       *box;
  GtkLabel        *user_label;
  SamMarkdownView *markdown;
  GtkWidget       *status_box;
  GtkImage        *status_icon;
  GtkLabel        *status_label;
  GtkWidget       *retry_button;
  GtkWidget       *actions_box;
  GtkWidget       *copy_button;
  GtkWidget       *edit_button;
  GtkWidget       *regenerate_button;
};

G_DEFINE_FINAL_TYPE (SamMessageRow, sam_message_row, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sam_message_row_show_content (SamMessageRow *self)
{
  const char *content = sam_message_get_content (self->message);

  if (sam_message_get_role (self->message) == SAM_MESSAGE_ROLE_USER)
    gtk_label_set_text (self->user_label, content);
  else if (sam_message_get_state (self->message) == SAM_MESSAGE_STATE_STREAMING)
    sam_markdown_view_stream (self->markdown, content);
  else
    sam_markdown_view_set_text (self->markdown, content);
}

static gboolean
sam_message_row_render_cb (gpointer data)
{
  SamMessageRow *self = data;

  self->render_id = 0;
  self->last_render = g_get_monotonic_time ();
  if (self->message != NULL)
    sam_message_row_show_content (self);

  return G_SOURCE_REMOVE;
}

/* Shows the streaming text at most STREAM_RENDER_INTERVAL_US after the last time. Shaping and
 * painting the growing text costs a frame; a few updates a second read as smooth as sixty and
 * leave the main loop free, and a timer waits out the interval so that the frame clock does
 * not run frames with nothing to draw in between (each costs round trips to the X server on
 * X11). The text is parsed and laid out in a main loop iteration of its own, before the frame
 * that paints it: neither waits for the other, nor does anything else wait for both. */
static void
sam_message_row_queue_render (SamMessageRow *self)
{
  gint64 wait;

  if (self->render_id != 0)
    return;

  wait = self->last_render + STREAM_RENDER_INTERVAL_US - g_get_monotonic_time ();
  self->render_id =
      g_timeout_add (wait > 0 ? (guint) ((wait + 999) / 1000) : 0, sam_message_row_render_cb, self);
}

static void
sam_message_row_cancel_render (SamMessageRow *self)
{
  g_clear_handle_id (&self->render_id, g_source_remove);
}

static void
sam_message_row_update_actions (SamMessageRow *self)
{
  SamMessageRole  role;
  SamMessageState state;
  gboolean        assistant;

  if (self->message == NULL)
    return;

  role = sam_message_get_role (self->message);
  state = sam_message_get_state (self->message);
  assistant = role != SAM_MESSAGE_ROLE_USER;

  gtk_widget_set_halign (self->actions_box, assistant ? GTK_ALIGN_START : GTK_ALIGN_END);
  gtk_widget_set_visible (self->actions_box, state != SAM_MESSAGE_STATE_STREAMING);
  gtk_widget_set_visible (self->copy_button, sam_message_get_content_length (self->message) > 0);
  gtk_widget_set_visible (self->regenerate_button, assistant && self->is_last);
  gtk_widget_set_visible (self->edit_button, !assistant && self->is_last);
}

static void
sam_message_row_update_state (SamMessageRow *self)
{
  SamMessageState state = sam_message_get_state (self->message);
  const char     *error = sam_message_get_error (self->message);

  switch (state)
    {
    case SAM_MESSAGE_STATE_FAILED:
      gtk_label_set_text (self->status_label,
                          error && *error ? error : _ ("The reply could not be completed."));
      gtk_widget_set_visible (self->status_box, TRUE);
      break;
    case SAM_MESSAGE_STATE_INTERRUPTED:
      gtk_label_set_text (self->status_label,
                          _ ("This reply was interrupted before it was finished."));
      gtk_widget_set_visible (self->status_box, TRUE);
      break;
    case SAM_MESSAGE_STATE_COMPLETE:
    case SAM_MESSAGE_STATE_STREAMING:
    default:
      gtk_widget_set_visible (self->status_box, FALSE);
      break;
    }

  /* Retry belongs to the last reply only: it replaces that reply. */
  gtk_widget_set_visible (self->retry_button, self->is_last);

  gtk_widget_set_visible (GTK_WIDGET (self->markdown),
                          sam_message_get_role (self->message) != SAM_MESSAGE_ROLE_USER &&
                              (sam_message_get_content_length (self->message) > 0 ||
                               state == SAM_MESSAGE_STATE_STREAMING));

  if (state == SAM_MESSAGE_STATE_STREAMING)
    gtk_widget_add_css_class (GTK_WIDGET (self), "streaming");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "streaming");

  sam_message_row_update_actions (self);
}

static void
message_content_changed_cb (SamMessageRow *self, GParamSpec *pspec, SamMessage *message)
{
  if (sam_message_get_state (message) == SAM_MESSAGE_STATE_STREAMING &&
      gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      sam_message_row_queue_render (self);
      return;
    }

  sam_message_row_show_content (self);
  sam_message_row_update_actions (self);
}

static void
message_state_changed_cb (SamMessageRow *self, GParamSpec *pspec, SamMessage *message)
{
  /* The end of a stream renders the whole text once more, as a finished message: in a main
   * loop iteration of its own, so that finishing the reply in the store and rendering it are
   * not one long wait. */
  sam_message_row_cancel_render (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->render_id = g_timeout_add (0, sam_message_row_render_cb, self);
  else
    sam_message_row_show_content (self);
  sam_message_row_update_state (self);
}

static void
copy_clicked_cb (SamMessageRow *self)
{
  if (self->message == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                          sam_message_get_content (self->message));
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.show-toast", "s", _ ("Message copied"));
}

static void
sam_message_row_dispose (GObject *object)
{
  SamMessageRow *self = SAM_MESSAGE_ROW (object);

  sam_message_row_set_message (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (sam_message_row_parent_class)->dispose (object);
}

static void
sam_message_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamMessageRow *self = SAM_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_object (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_message_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SamMessageRow *self = SAM_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      sam_message_row_set_message (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_message_row_class_init (SamMessageRowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_message_row_dispose;
  object_class->get_property = sam_message_row_get_property;
  object_class->set_property = sam_message_row_set_property;

  properties[PROP_MESSAGE] =
      g_param_spec_object ("message", NULL, NULL, SAM_TYPE_MESSAGE,
                           (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SAM_TYPE_MARKDOWN_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, box);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, user_label);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, markdown);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, status_box);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, actions_box);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, edit_button);
  gtk_widget_class_bind_template_child (widget_class, SamMessageRow, regenerate_button);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sam_message_row_init (SamMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sam_message_row_new (void)
{
  return g_object_new (SAM_TYPE_MESSAGE_ROW, NULL);
}

SamMessage *
sam_message_row_get_message (SamMessageRow *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

void
sam_message_row_set_message (SamMessageRow *self, SamMessage *message)
{
  g_return_if_fail (SAM_IS_MESSAGE_ROW (self));
  g_return_if_fail (!message || SAM_IS_MESSAGE (message));

  if (self->message == message)
    return;

  sam_message_row_cancel_render (self);

  if (self->message != NULL)
    g_signal_handlers_disconnect_by_data (self->message, self);

  g_set_object (&self->message, message);

  if (message != NULL)
    {
      gboolean user = sam_message_get_role (message) == SAM_MESSAGE_ROLE_USER;

      g_signal_connect_object (message, "notify::content", G_CALLBACK (message_content_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (message, "notify::state", G_CALLBACK (message_state_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (message, "notify::error", G_CALLBACK (message_state_changed_cb),
                               self, G_CONNECT_SWAPPED);

      gtk_widget_set_visible (GTK_WIDGET (self->user_label), user);
      if (user)
        {
          gtk_widget_add_css_class (GTK_WIDGET (self), "user");
          gtk_widget_remove_css_class (GTK_WIDGET (self), "assistant");
          sam_markdown_view_set_text (self->markdown, NULL);
        }
      else
        {
          gtk_widget_add_css_class (GTK_WIDGET (self), "assistant");
          gtk_widget_remove_css_class (GTK_WIDGET (self), "user");
          gtk_label_set_text (self->user_label, "");
        }

      sam_message_row_show_content (self);
      sam_message_row_update_state (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

void
sam_message_row_set_is_last (SamMessageRow *self, gboolean is_last)
{
  g_return_if_fail (SAM_IS_MESSAGE_ROW (self));

  is_last = !!is_last;
  if (self->is_last == is_last)
    return;

  self->is_last = is_last;
  if (self->message != NULL)
    sam_message_row_update_state (self);
}
